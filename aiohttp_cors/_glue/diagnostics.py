"""Debug logging of refusals on the ``aiohttp_cors`` logger, safe against hostile input."""

from __future__ import annotations

import logging
from typing import Final

from aiohttp import web

logger: Final = logging.getLogger("aiohttp_cors")


def safe(value: object) -> str:
    """A request value as it may appear in a log line: repr-escaped and shortened, so a
    hostile header can neither forge nor flood log lines."""
    text = str(value)
    return repr(text[:200] + ("..." if len(text) > 200 else ""))


def route_label(request: web.Request) -> str:
    """The matched resource's path pattern."""
    try:
        resource = request.match_info.route.resource
    except AttributeError:
        return "?"
    return resource.canonical if resource is not None else "?"


def log_refusal(what: str, reason: str, request: web.Request, origin: str | None) -> None:
    """Log one refused preflight or handshake at DEBUG, with its reason and where."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s refused: %s (origin=%s, path=%s, route=%s)",
            what,
            reason[:300].encode("unicode_escape").decode("ascii"),
            safe(origin) if origin is not None else "none",
            safe(request.path),
            safe(route_label(request)),
        )
