"""Names, request builders and checks shared by the HTTP tests, and the types of the
fixtures that tests/conftest.py provides.

The typing-only names (``AiohttpClient``, ``Client``, ``CorsMapping``) exist for the type
checker alone: pytest-aiohttp 1.0.5 has no ``AiohttpClient`` and aiohttp 3.9 no generic
``TestClient`` (both are in the oldest suite of CI), so they live under TYPE_CHECKING and
test modules import and use them only in annotations, with ``from __future__ import
annotations``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import WSMsgType, web

from aiohttp_cors import CorsViewMixin

if TYPE_CHECKING:
    from typing import TypeAlias

    from aiohttp.test_utils import TestClient
    from aiohttp.typedefs import Handler, Middleware
    from pytest_aiohttp import AiohttpClient as AiohttpClient

    from aiohttp_cors import CorsConfig, ResourceOptions

    # What ``await aiohttp_client(app)`` returns.
    Client: TypeAlias = TestClient[web.Request, web.Application]
    # An origin -> options mapping as setup() and CorsConfig.add() take it.  Keys are typed
    # loosely, as the package types them: Mapping keys are invariant, and an origin key is a
    # string, a compiled pattern or a callable.
    CorsMapping: TypeAlias = Mapping[Any, ResourceOptions | Mapping[str, Any]]

ORIGIN = "Origin"
ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACRM = "Access-Control-Request-Method"
ACRH = "Access-Control-Request-Headers"

CORS_HEADERS = (ACAO, ACAC, ACAM, ACAH, ACEH, ACMA)

BODY = "payload"

# The headers of a WebSocket handshake, as a browser sends them (Origin aside).
HANDSHAKE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


class CorsAppFactory(Protocol):
    """The ``cors_app`` fixture: a new application with ``aiohttp_cors.setup(app, ...)``
    called on it; returns the application and its CORS configuration."""

    def __call__(
        self,
        defaults: CorsMapping | None = None,
        *,
        all_routes: bool = False,
        strict: bool = False,
        middlewares: Iterable[Middleware] = (),
    ) -> tuple[web.Application, CorsConfig]: ...


class ShapedAppFactory(Protocol):
    """The ``shaped_app`` fixture: an application serving :func:`hello` for GET at ``/data``,
    registered the way the fixture's parameter says (a resource plus a route, a plain route,
    or a ``CorsViewMixin`` view on a ``'*'`` route), with *defaults* given to ``setup`` and
    *route_config* to ``cors.add`` (or as the view's ``cors_config``)."""

    def __call__(
        self, defaults: CorsMapping | None, route_config: CorsMapping | None
    ) -> web.Application: ...


async def hello(request: web.Request) -> web.Response:
    response = web.Response(text=BODY)
    response.headers["X-Payload-Id"] = "42"
    return response


async def echo_socket(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    async for message in socket:
        if message.type == WSMsgType.TEXT:
            await socket.send_str(message.data)
    return socket


@web.middleware
async def passthrough(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A middleware that does nothing: the app has a middleware of its own."""
    return await handler(request)


class PayloadView(web.View, CorsViewMixin):
    """A view answering GET like :func:`hello`."""

    async def get(self) -> web.Response:
        return await hello(self.request)


def preflight(origin: str | None, method: str | None, headers: str | None = None) -> dict[str, str]:
    """Request headers of a preflight, leaving out the parts given as None."""
    result: dict[str, str] = {}
    if origin is not None:
        result[ORIGIN] = origin
    if method is not None:
        result[ACRM] = method
    if headers is not None:
        result[ACRH] = headers
    return result


def no_cors_headers(headers: Mapping[str, str]) -> bool:
    return not any(name in headers for name in CORS_HEADERS)


async def assert_items_api_for_app_example(client: Client) -> None:
    """The behaviour README's quick start and examples/quickstart.py promise: the page at
    https://app.example.com reads /api/items with cookies and X-Total-Count; others not."""
    page = "https://app.example.com"
    response = await client.get("/api/items", headers={ORIGIN: page})
    assert response.status == 200
    assert response.headers[ACAO] == page
    assert response.headers[ACAC] == "true"
    assert response.headers[ACEH] == "X-Total-Count"
    response = await client.get("/api/items", headers={ORIGIN: "https://elsewhere.example"})
    assert ACAO not in response.headers
