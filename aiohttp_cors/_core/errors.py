"""Exceptions and warnings raised while configuring CORS."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterable
from typing import Final

#: The one logger of the package: refusals at DEBUG, failing origin callables at ERROR.
logger: Final = logging.getLogger("aiohttp_cors")


class Problem(str):
    """One problem found in a CORS configuration.

    It is the message itself (a ``str``, with the texts of aiohttp-cors 0.8.1 where 0.8.1
    had one), plus ``code``, a stable identifier code can match on (listed with an
    example and the fix in the documentation, "Problem codes"), ``where`` (the call, route
    and origin it was found in, or ``""``) and ``message`` (the text without ``where``).
    """

    code: str
    where: str
    message: str

    def __new__(cls, message: str, *, code: str, where: str = "") -> Problem:
        self = super().__new__(cls, f"{where}: {message}" if where else message)
        self.code = code
        self.where = where
        self.message = message
        return self

    def located(self, where: str) -> Problem:
        """The same problem, found in *where* (an outer place comes first)."""
        return Problem(
            self.message, code=self.code, where=f"{where}, {self.where}" if self.where else where
        )


class CorsConfigError(ValueError):
    """A CORS configuration is wrong.

    Every problem found by one configuration call is collected and reported together, so a
    user fixes them all in one go.  ``problems`` keeps them as :class:`Problem` objects
    (strings with a ``code``).  It is a :class:`ValueError`, so code written for
    aiohttp-cors 0.8.1 that catches ``ValueError`` keeps working.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[Problem] = [
            each if isinstance(each, Problem) else Problem(each, code="config-invalid")
            for each in problems
        ]
        if len(self.problems) == 1:
            message = str(self.problems[0])
        else:
            listed = "\n".join(f"  - {problem}" for problem in self.problems)
            message = f"{len(self.problems)} problems in the CORS configuration:\n{listed}"
        super().__init__(message)


class CorsSecurityWarning(UserWarning):
    """A CORS configuration lets other sites read data they probably should not.

    ``setup(app, ..., strict=True)`` turns every such warning into a :class:`CorsConfigError`.
    ``code`` and ``where`` say which finding and where, as for :class:`Problem`.
    """

    def __init__(self, message: str, code: str = "security-concern", where: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.where = where


class ProblemCollector:
    """Gathers configuration problems so that one call reports all of them at once."""

    __slots__ = ("problems",)

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, message: str, *, code: str, where: str = "") -> None:
        self.problems.append(Problem(message, code=code, where=where))

    def raise_if_any(self) -> None:
        if self.problems:
            raise CorsConfigError(self.problems)


def _user_frame() -> tuple[int, str]:
    """The ``stacklevel`` (counted from ``warn_security``'s caller) and module name of the
    first frame outside this package: the user's ``setup``/``add`` call."""
    frame = sys._getframe(2)
    level = 1
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        "aiohttp_cors"
    ):
        frame = frame.f_back
        level += 1
    return level, frame.f_globals.get("__name__", "")


def _blanket_error(message: str, module: str) -> bool:
    """Whether the warnings filter that decides this warning is a blanket "error" (such
    as ``-W error`` or pytest's ``filterwarnings = error``) rather than one that names
    ``CorsSecurityWarning``."""
    for action, text, category, module_re, _lineno in warnings.filters:
        if not issubclass(CorsSecurityWarning, category):
            continue
        if text is not None and not text.match(message):
            continue
        if module_re is not None and not module_re.match(module):
            continue
        names_us = isinstance(category, type) and issubclass(category, CorsSecurityWarning)
        return action == "error" and not names_us
    return False


def warn_security(message: str, *, code: str, where: str = "") -> None:
    """Emit a ``CorsSecurityWarning`` pointing at the user's configuration call.

    The way to make these fatal is ``strict=True`` (or a filter that names
    ``CorsSecurityWarning``): a blanket "turn every warning into an error" filter only
    shows it, so that test suites run with ``-W error`` -- aiohttp-cors 0.8.1's own among
    them -- keep working with configurations 0.8.1 accepted.
    """
    stacklevel, module = _user_frame()
    text = f"{where}: {message}" if where else message
    warning = CorsSecurityWarning(text, code, where)
    if _blanket_error(text, module):
        with warnings.catch_warnings():
            warnings.simplefilter("always", CorsSecurityWarning)
            warnings.warn(warning, stacklevel=stacklevel + 1)
    else:
        warnings.warn(warning, stacklevel=stacklevel + 1)
