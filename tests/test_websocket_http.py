"""WebSocket handshakes through real apps: the Origin check on CORS-enabled routes, with and
without other middlewares, and routes without CORS left to the application."""

from __future__ import annotations

import logging
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
    # With another middleware the plugin keeps its own and checks the handshake before
    # the handler runs; without, it checks when the 101 is prepared: both must refuse.
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
