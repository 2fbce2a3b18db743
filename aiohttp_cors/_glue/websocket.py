"""Origin checks of WebSocket handshakes.

Browsers send Origin on a WebSocket handshake but apply no CORS check to it, so without a
server-side check any site could open a socket with the user's cookies (cross-site
WebSocket hijacking).  A handshake to a CORS-enabled route is refused unless its Origin is
allowed by the route's config or is the server's own origin; handshakes without Origin
(not from a browser) pass.
"""

from __future__ import annotations

from aiohttp import hdrs, web

from .._core.headers import printable
from .._core.policy import ResourcePolicy
from .diagnostics import log_refusal
from .preflight import rule_for


def own_origin(request: web.Request) -> str:
    """The origin this request was addressed to, as seen by aiohttp (scheme and Host).

    Behind a proxy that terminates TLS, the scheme seen here is ``http``: list the public
    origin in the config instead of relying on this.
    """
    scheme = request.scheme
    host = request.host.lower().removesuffix(":443" if scheme == "https" else ":80")
    return f"{scheme}://{host}"


def refusal_text(request: web.Request, origin: str) -> str | None:
    """The 403 text for a handshake from an origin the config refuses, or None when it
    is the server's own origin (a page of this very site)."""
    if origin == own_origin(request):
        return None
    log_refusal("websocket handshake", "origin is not allowed", request, origin)
    return f"CORS WebSocket handshake refused: origin '{printable(origin)}' is not allowed"


async def check_handshake(
    request: web.Request, policy: ResourcePolicy
) -> web.StreamResponse | None:
    """A 403 for a handshake the route's policy refuses, before its handler runs."""
    if request.headers.get(hdrs.UPGRADE, "").lower() != "websocket":
        return None
    origin = request.headers.get(hdrs.ORIGIN)
    if origin is None:
        return None  # not a browser: nothing to protect against
    table, _ = policy.table_for(hdrs.METH_GET)
    if await rule_for(table, origin) is not None:
        return None
    text = refusal_text(request, origin)
    return None if text is None else web.Response(status=403, text=text)
