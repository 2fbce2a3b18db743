"""What a browser does for ``new WebSocket(url)`` from a page on some origin.

Browsers apply no CORS check to WebSockets.  They send the handshake (a ``GET`` with
``Upgrade: websocket``, ``Connection: Upgrade``, a fresh ``Sec-WebSocket-Key``,
``Sec-WebSocket-Version: 13``, the page's ``Origin`` and the user's cookies for the URL)
and open the socket if the server answers ``101 Switching Protocols`` with the matching
``Sec-WebSocket-Accept``.  So whether another site can open a socket as the user is
decided by the server's own check of ``Origin`` alone; this module finds out what that
check says, the way a browser would.  Like the doctor, it shares no code with the plugin.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp
from yarl import URL

from .._core.headers import printable

#: RFC 6455 section 1.3: the server proves it read the key by hashing it with this GUID.
_WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#: How much of a refusal's body is kept for the explanation.
_BODY_EXCERPT = 300
DEFAULT_TIMEOUT = 10.0


class WebSocketCheckError(Exception):
    """The server could not be reached."""


def expected_accept(key: str) -> str:
    digest = hashlib.sha1(
        (key + _WEBSOCKET_GUID).encode("ascii")
    ).digest()  # the protocol's hash, not a security one
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class WebSocketVerdict:
    """What a browser makes of ``new WebSocket(url)`` from a page on ``origin``.

    ``allowed``: the socket opens (the server answered 101 with a valid handshake).
    ``status``: the handshake response's status.  ``refusal``: the start of the
    response's body when it refused (the server's reason, if it gave one).
    """

    url: str
    origin: str
    allowed: bool
    status: int
    #: Names of the cookies the handshake carried.
    cookies: tuple[str, ...]
    refusal: str | None = None
    #: Why a browser fails a 101 that looks wrong (a missing or bad Sec-WebSocket-Accept).
    broken_handshake: str | None = None

    def explain(self) -> str:
        """What was sent, what came back, and the rule that decided."""
        carried = ", ".join(self.cookies) if self.cookies else "none"
        lines = [
            f"new WebSocket({self.url!r}) from a page on {self.origin}",
            f"sent: GET with Origin: {self.origin}, Upgrade: websocket, cookies: {carried}",
            f"received: {self.status}"
            + (f": {self.refusal}" if self.refusal else "")
            + (f" ({self.broken_handshake})" if self.broken_handshake else ""),
        ]
        rule = (
            "browsers apply no CORS check to WebSockets: the socket opens when the server "
            "answers the handshake with 101, so the server's own check of Origin decides"
        )
        if self.allowed:
            with_cookies = " with the user's cookies" if self.cookies else ""
            lines.append(
                f"verdict: allowed: the server accepted the handshake from origin "
                f"{self.origin}, so any page on {self.origin} can open this socket"
                f"{with_cookies} ({rule})"
            )
        elif self.broken_handshake:
            lines.append(
                "verdict: blocked: the browser fails a 101 whose Sec-WebSocket-Accept does "
                "not answer its Sec-WebSocket-Key"
            )
        else:
            lines.append(
                f"verdict: blocked: the server refused the handshake from origin "
                f"{self.origin} with status {self.status} ({rule})"
            )
        return "\n".join(lines) + "\n"


def _handshake_problem(response: aiohttp.ClientResponse, key: str) -> str | None:
    """Why a browser would fail this 101, if it would."""
    if response.headers.get("Upgrade", "").lower() != "websocket":
        return "the 101 does not say 'Upgrade: websocket'"
    connection = {
        token.strip().lower() for token in response.headers.get("Connection", "").split(",")
    }
    if "upgrade" not in connection:
        return "the 101 does not say 'Connection: Upgrade'"
    if response.headers.get("Sec-WebSocket-Accept") != expected_accept(key):
        return "Sec-WebSocket-Accept does not answer the Sec-WebSocket-Key sent"
    return None


async def open_websocket(
    url: URL,
    origin: str,
    cookies: Sequence[tuple[str, str]] = (),
    *,
    connector: aiohttp.BaseConnector | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> WebSocketVerdict:
    """Send the handshake a browser sends for ``new WebSocket(url)`` from a page on
    *origin*, carrying *cookies*, and say whether the socket would open.  An opened socket
    is closed at once.  *connector* (borrowed, never closed) is how to reach the server."""
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    headers = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", "13"),
        ("Origin", origin),
    ]
    if cookies:
        headers.append(("Cookie", "; ".join(f"{name}={value}" for name, value in cookies)))
    shown_url = str(url.with_scheme("wss" if url.scheme == "https" else "ws"))
    session = aiohttp.ClientSession(
        connector=connector,
        connector_owner=connector is None,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=timeout),
    )
    try:
        async with session, session.get(url, headers=headers, allow_redirects=False) as response:
            status = response.status
            if status == 101:
                problem = _handshake_problem(response, key)
                refusal = None
            else:
                problem = None
                body = await response.content.read(_BODY_EXCERPT)
                refusal = printable(body.decode("utf-8", "replace").strip(), _BODY_EXCERPT) or None
            # An opened socket is closed at once: only the verdict was wanted.
            response.close()
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise WebSocketCheckError(f"could not reach {url}: {exc!r}") from None
    return WebSocketVerdict(
        url=shown_url,
        origin=origin,
        allowed=status == 101 and problem is None,
        status=status,
        cookies=tuple(name for name, _ in cookies),
        refusal=refusal,
        broken_handshake=problem,
    )
