"""``varies_on``: the request headers a request-aware origin callable reads, named by the
user so that every answer that depends on them says so in ``Vary``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, TypeVar

from .headers import is_token

#: Attribute where ``varies_on`` records the request headers a callable's answer reads.
VARIES_ON_ATTRIBUTE: Final = "__aiohttp_cors_varies_on__"

_Callable = TypeVar("_Callable", bound=Callable[..., Any])


def varies_on(*header_names: str) -> Callable[[_Callable], _Callable]:
    """Name the request headers a request-aware origin callable's answer depends on.

    ``def check(origin, request)`` may decide on more than the origin (a plan header, a
    tenant header): then two requests from the same origin get different answers, and a
    shared cache keyed on ``Vary: Origin`` alone could serve the granted one to the
    other.  Every response of a path whose configuration holds the callable lists these
    names in ``Vary``, preflights included.  ``@varies_on()`` with no name says the
    callable reads no request header (it silences the setup warning)::

        @aiohttp_cors.varies_on("X-Plan")
        def paying_customers(origin, request):
            return request.headers.get("X-Plan") == "pro"
    """
    names: list[str] = []
    for name in header_names:
        if not isinstance(name, str) or not is_token(name):
            raise ValueError(
                f"varies_on() takes request header names, such as 'X-Plan'; got {name!r}"
            )
        if name.lower() not in (known.lower() for known in names):
            names.append(name)
    recorded = tuple(names)

    def mark(func: _Callable) -> _Callable:
        if not callable(func):
            raise TypeError(f"@varies_on(...) decorates an origin callable, got {func!r}")
        try:
            setattr(func, VARIES_ON_ATTRIBUTE, recorded)
        except AttributeError:
            raise TypeError(
                f"@varies_on(...) cannot mark {func!r}: decorate the function (or the "
                "method in its class), not a bound method or a built-in"
            ) from None
        return func

    return mark
