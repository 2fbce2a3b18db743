"""``aiohttp_cors.testing.check_websocket`` and its assertions: what a browser's
``new WebSocket(url)`` from a page on some origin comes to."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions
from aiohttp_cors.testing import (
    assert_websocket_allowed,
    assert_websocket_blocked,
    check_websocket,
)

from .helpers import echo_socket

if TYPE_CHECKING:
    from .helpers import AiohttpClient, Client

PAGE = "https://page.example"
EVIL = "https://evil.example"
COOKIE_SEEN = web.AppKey("cookies_seen", list)


async def socket_app(aiohttp_client: AiohttpClient, config: dict[str, ResourceOptions]) -> Client:
    seen: list[str | None] = []

    async def recording_socket(request: web.Request) -> web.WebSocketResponse:
        seen.append(request.headers.get("Cookie"))
        return await echo_socket(request)

    app = web.Application()
    app[COOKIE_SEEN] = seen
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/ws", recording_socket), config)
    app.router.add_get("/open", echo_socket)  # no CORS: the application's own business
    return await aiohttp_client(app)


@pytest.mark.parametrize(
    ("config", "origin", "allowed"),
    [
        pytest.param({PAGE: ResourceOptions()}, PAGE, True, id="listed"),
        pytest.param({PAGE: ResourceOptions()}, EVIL, False, id="not-listed"),
        pytest.param({"*": ResourceOptions()}, EVIL, True, id="star"),
        pytest.param({PAGE: ResourceOptions()}, "null", False, id="null-not-listed"),
    ],
)
async def test_verdicts(
    aiohttp_client: AiohttpClient, config: dict[str, ResourceOptions], origin: str, allowed: bool
) -> None:
    client = await socket_app(aiohttp_client, config)

    verdict = await check_websocket(client, "/ws", origin=origin)

    assert verdict.allowed is allowed
    assert verdict.status == (101 if allowed else 403)
    explained = verdict.explain()
    assert origin in explained
    assert "no CORS check to WebSockets" in explained
    if not allowed:
        assert f"origin '{origin}' is not allowed" in explained


async def test_the_servers_own_origin_opens(aiohttp_client: AiohttpClient) -> None:
    client = await socket_app(aiohttp_client, {PAGE: ResourceOptions()})
    own = str(client.make_url("/").origin())

    verdict = await assert_websocket_allowed(client, "/ws", origin=own)

    assert verdict.status == 101


async def test_cookies_from_the_jar_unless_told_not_to(aiohttp_client: AiohttpClient) -> None:
    client = await socket_app(aiohttp_client, {PAGE: ResourceOptions()})
    client.session.cookie_jar.update_cookies(
        {"session": "s3cret"}, response_url=client.make_url("/")
    )

    with_cookies = await check_websocket(client, "/ws", origin=PAGE)
    without = await check_websocket(client, "/ws", origin=PAGE, cookies=False)

    assert client.app is not None
    assert client.app[COOKIE_SEEN] == ["session=s3cret", None]
    assert with_cookies.cookies == ("session",)
    assert "with the user's cookies" in with_cookies.explain()
    assert without.cookies == ()


async def test_the_assertions_fail_with_the_explanation(aiohttp_client: AiohttpClient) -> None:
    client = await socket_app(aiohttp_client, {PAGE: ResourceOptions()})

    await assert_websocket_blocked(client, "/ws", origin=EVIL)
    with pytest.raises(AssertionError, match=r"expected a page on https://evil\.example to open"):
        await assert_websocket_allowed(client, "/ws", origin=EVIL)
    with pytest.raises(AssertionError, match="but it opens") as raised:
        await assert_websocket_blocked(client, "/open", origin=EVIL)
    assert "verdict: allowed" in str(raised.value)


async def test_a_route_that_is_no_websocket_is_blocked(aiohttp_client: AiohttpClient) -> None:
    async def plain(request: web.Request) -> web.Response:
        return web.Response(text="not a socket")

    app = web.Application()
    app.router.add_get("/plain", plain)
    client = await aiohttp_client(app)

    verdict = await check_websocket(client, "/plain", origin=PAGE)

    assert not verdict.allowed
    assert verdict.status == 200


@pytest.mark.parametrize(
    ("origin", "error"),
    [
        pytest.param("https://page.example/", ValueError, id="trailing-slash"),
        pytest.param("", ValueError, id="empty"),
        pytest.param(None, TypeError, id="not-a-string"),
    ],
)
async def test_an_origin_no_browser_sends_is_a_clear_error(
    aiohttp_client: AiohttpClient, origin: object, error: type[Exception]
) -> None:
    client = await socket_app(aiohttp_client, {PAGE: ResourceOptions()})

    with pytest.raises(error, match="origin"):
        await check_websocket(client, "/ws", origin=origin)  # type: ignore[arg-type]
