"""Exceptions and warnings raised while configuring CORS."""

from __future__ import annotations

from collections.abc import Iterable


class CorsConfigError(ValueError):
    """A CORS configuration is wrong.

    Every problem found by one configuration call is collected and reported together, so a
    user fixes them all in one go.  ``problems`` keeps them as a list of strings.  It is a
    :class:`ValueError`, so code written for aiohttp-cors 0.8.1 that catches ``ValueError``
    keeps working.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: list[str] = list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            listed = "\n".join(f"  - {problem}" for problem in self.problems)
            message = f"{len(self.problems)} problems in the CORS configuration:\n{listed}"
        super().__init__(message)


class CorsSecurityWarning(UserWarning):
    """A CORS configuration lets other sites read data they probably should not.

    ``setup(app, ..., strict=True)`` turns every such warning into a :class:`CorsConfigError`.
    """


class ProblemCollector:
    """Gathers configuration problems so that one call reports all of them at once."""

    __slots__ = ("problems",)

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, problem: str) -> None:
        self.problems.append(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            raise CorsConfigError(self.problems)
