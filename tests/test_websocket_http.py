"""WebSocket handshakes through real apps: the Origin check on CORS-enabled routes, with and
without other middlewares, and routes without CORS left to the application."""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

from .helpers import HANDSHAKE, echo_socket, passthrough

if TYPE_CHECKING:
    from .helpers import AiohttpClient, Client

PAGE = "https://page.example"
OTHER = "https://other.example"


async def ws_app(aiohttp_client: AiohttpClient, *, other_middleware: bool = False) -> Client:
    # With or without another middleware (and so the plugin's own), the handshake is
    # checked in one place: when aiohttp prepares the 101.
    app = web.Application(middlewares=[passthrough] if other_middleware else [])
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/ws", echo_socket), {PAGE: ResourceOptions()})
    app.router.add_get("/open", echo_socket)
    return await aiohttp_client(app)


async def test_websocket_from_allowed_origin(aiohttp_client: AiohttpClient) -> None:
    client = await ws_app(aiohttp_client)
    async with client.ws_connect("/ws", headers={"Origin": PAGE}) as socket:
        await socket.send_str("hi")
        assert (await socket.receive()).data == "hi"


async def test_websocket_without_origin_passes(aiohttp_client: AiohttpClient) -> None:
    client = await ws_app(aiohttp_client)
    async with client.ws_connect("/ws") as socket:
        await socket.send_str("hi")
        assert (await socket.receive()).data == "hi"


async def test_websocket_from_own_origin_passes(aiohttp_client: AiohttpClient) -> None:
    client = await ws_app(aiohttp_client)
    own = f"http://{client.host}:{client.port}"
    async with client.ws_connect("/ws", headers={"Origin": own}) as socket:
        await socket.send_str("hi")
        assert (await socket.receive()).data == "hi"


@pytest.mark.parametrize("other_middleware", [False, True])
async def test_websocket_from_refused_origin_is_403(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture, other_middleware: bool
) -> None:
    client = await ws_app(aiohttp_client, other_middleware=other_middleware)
    caplog.set_level(logging.DEBUG, logger="aiohttp_cors")
    response = await client.get(
        "/ws",
        headers={"Origin": OTHER, **HANDSHAKE},
    )
    assert response.status == 403
    assert "origin 'https://other.example' is not allowed" in await response.text()
    assert "websocket handshake refused" in caplog.text
    # Routes without CORS are left to the application.
    async with client.ws_connect("/open", headers={"Origin": OTHER}) as socket:
        await socket.send_str("hi")
        assert (await socket.receive()).data == "hi"


async def test_handshake_refused_before_the_socket_opens_with_middlewares(
    aiohttp_client: AiohttpClient,
) -> None:
    ran: list[str] = []

    async def socket_handler(request: web.Request) -> web.WebSocketResponse:
        ran.append("handler")
        socket = await echo_socket(request)
        ran.append("socket opened")
        return socket

    app = web.Application(middlewares=[passthrough])
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/ws", socket_handler), {PAGE: ResourceOptions()})
    client = await aiohttp_client(app)
    response = await client.get(
        "/ws",
        headers={"Origin": OTHER, **HANDSHAKE},
    )
    assert response.status == 403
    # The check runs in ws.prepare(): the handler's code before it runs, the socket never
    # opens and no message can be exchanged.
    assert ran == ["handler"]


# --- one check, whatever the middlewares (issue "Compile CORS to answers", bug 2) ----------


@pytest.mark.parametrize("other_middleware", [False, True], ids=["alone", "with a middleware"])
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Origin": OTHER, **HANDSHAKE, "Upgrade": "websocket\xa0"}, id="odd Upgrade"),
        pytest.param({"Origin": OTHER, **HANDSHAKE, "Upgrade": "WebSocket "}, id="spaced Upgrade"),
    ],
)
async def test_handshakes_aiohttp_accepts_are_always_checked(
    aiohttp_client: AiohttpClient, other_middleware: bool, headers: dict[str, str]
) -> None:
    client = await ws_app(aiohttp_client, other_middleware=other_middleware)
    response = await client.get("/ws", headers=headers)
    assert response.status == 403
    assert "origin 'https://other.example' is not allowed" in await response.text()


@pytest.mark.parametrize("other_middleware", [False, True], ids=["alone", "with a middleware"])
async def test_several_origin_headers_fail_closed(
    aiohttp_client: AiohttpClient, other_middleware: bool
) -> None:
    client = await ws_app(aiohttp_client, other_middleware=other_middleware)
    headers = [("Origin", PAGE), ("Origin", OTHER), *HANDSHAKE.items()]
    response = await client.get("/ws", headers=headers)
    assert response.status == 403
    assert "more than one Origin header" in await response.text()


async def test_refusals_are_not_sniffable(aiohttp_client: AiohttpClient) -> None:
    client = await ws_app(aiohttp_client)
    response = await client.get("/ws", headers={"Origin": OTHER, **HANDSHAKE})
    assert response.status == 403
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.content_type == "text/plain"


# --- cross-site WebSocket hijacking under "*" and "null" (security round 2) ---------------


def star_app(*, strict: bool, key: str = "*") -> web.Application:
    app = web.Application()
    aiohttp_cors.setup(app, defaults={key: ResourceOptions()}, all_routes=True, strict=strict)
    app.router.add_get("/ws", echo_socket)
    app.router.add_get("/other-ws", echo_socket)
    return app


@pytest.mark.parametrize(("key", "origin"), [("*", OTHER), ("null", "null")])
async def test_strict_mode_refuses_handshakes_admitted_only_by_star_or_null(
    aiohttp_client: AiohttpClient, key: str, origin: str
) -> None:
    client = await aiohttp_client(star_app(strict=True, key=key))
    response = await client.get(
        "/ws", headers={"Origin": origin, "Cookie": "session=victim", **HANDSHAKE}
    )
    assert response.status == 403
    assert "strict mode admits WebSocket handshakes from listed origins only" in (
        await response.text()
    )
    # HTTP requests from the same origin are still answered: the resource is public.
    response = await client.get("/ws", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin


async def test_default_mode_warns_once_per_route_about_cookies_under_star(
    aiohttp_client: AiohttpClient,
) -> None:
    client = await aiohttp_client(star_app(strict=False))
    with_cookie = {"Origin": OTHER, "Cookie": "session=victim", **HANDSHAKE}
    with pytest.warns(aiohttp_cors.CorsSecurityWarning, match="'/ws'") as caught:
        async with client.ws_connect("/ws", headers=with_cookie):
            pass
    assert "cross-site WebSocket hijacking" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", aiohttp_cors.CorsSecurityWarning)
        async with client.ws_connect("/ws", headers=with_cookie):
            pass  # the same route again: no second warning
        async with client.ws_connect("/ws", headers={"Origin": OTHER}):
            pass  # no cookie: nothing to hijack, no warning
    with pytest.warns(aiohttp_cors.CorsSecurityWarning, match="'/other-ws'"):
        async with client.ws_connect("/other-ws", headers=with_cookie):
            pass


async def test_an_error_filter_never_turns_the_warning_into_a_500(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = await aiohttp_client(star_app(strict=False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        async with client.ws_connect(
            "/ws", headers={"Origin": OTHER, "Cookie": "session=victim", **HANDSHAKE}
        ) as socket:
            await socket.send_str("hi")
            assert (await socket.receive()).data == "hi"
    assert "cross-site WebSocket hijacking" in caplog.text


async def closes_in_finally(request: web.Request) -> web.WebSocketResponse:
    """The handler shape docs/security.rst recommends: prepare() before the try."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    try:
        async for _ in ws:
            pass
    finally:
        await ws.close()
    return ws


async def test_the_documented_handler_shape_keeps_the_403(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/ws", closes_in_finally), {PAGE: ResourceOptions()})
    client = await aiohttp_client(app)
    response = await client.get("/ws", headers={"Origin": OTHER, **HANDSHAKE})
    assert response.status == 403
    async with client.ws_connect("/ws", headers={"Origin": PAGE}) as socket:
        await socket.close()
