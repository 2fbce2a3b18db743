"""WebSocket handshakes: browsers send Origin but check nothing, so the package refuses
handshakes from origins that are neither allowed nor the server's own (403).

Every handshake Chromium makes is made again with ``aiohttp_cors.testing.check_websocket``
(same origin, Chromium's cookies for the URL), whose verdict must be Chromium's."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from yarl import URL

import aiohttp_cors
from aiohttp_cors import ResourceOptions
from aiohttp_cors.testing import WebSocketVerdict, check_websocket

from .harness import (
    PAGE_HTML,
    JsResult,
    Page,
    PoolClient,
    Server,
    ServerPool,
    assert_calls,
    assert_seen_header,
)

pytestmark = pytest.mark.browser


async def ws_echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(f"echo: {msg.data}")
    return ws


def cross_check(page: Page, api: Server, path: str, result: JsResult) -> WebSocketVerdict:
    """check_websocket's verdict on the handshake Chromium just made, which must agree."""
    target = URL(api.url(path))
    cookies = page.cookies_for(str(target))

    async def verdict() -> WebSocketVerdict:
        jar = aiohttp.CookieJar(unsafe=True)  # unsafe: the servers are on IP addresses
        jar.update_cookies(cookies, response_url=target)
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            client = PoolClient(target.origin(), session)
            return await check_websocket(client, path, origin=page.origin)

    found = page.pool.loop.run(verdict())
    assert found.allowed == result.ok, (
        f"check_websocket says {'allowed' if found.allowed else 'blocked'}, Chromium "
        f"{'opened' if result.ok else 'did not open'} the socket\n{found.explain()}\n"
        f"{result.describe()}"
    )
    return found


def _start_ws_api(servers: ServerPool, origin: str, app_wide: bool) -> Server:
    app = web.Application()
    config: dict[Any, ResourceOptions] = {origin: ResourceOptions()}
    if app_wide:
        app.router.add_get("/ws", ws_echo)
        aiohttp_cors.setup(app, defaults=config, all_routes=True)
    else:
        cors = aiohttp_cors.setup(app)
        cors.add(app.router.add_get("/ws", ws_echo), config)
    return servers.start(app)


@pytest.mark.parametrize("app_wide", [False, True], ids=["cors.add", "all_routes"])
def test_websocket_from_allowed_origin_opens(
    page: Page, servers: ServerPool, app_wide: bool
) -> None:
    api = _start_ws_api(servers, page.origin, app_wide)

    res = page.websocket(api.ws_url("/ws"), "hello")

    res.assert_readable(101, "echo: hello")
    assert_calls(api, [("GET", "/ws")], res)
    seen = api.requests()[0]
    assert seen.status == 101, res.describe()
    assert_seen_header(seen, "Origin", page.origin, res)
    assert_seen_header(seen, "Upgrade", "websocket", res)
    assert cross_check(page, api, "/ws", res).status == 101


@pytest.mark.parametrize("app_wide", [False, True], ids=["cors.add", "all_routes"])
def test_websocket_from_refused_origin_fails(
    page: Page, servers: ServerPool, app_wide: bool
) -> None:
    api = _start_ws_api(servers, "http://other.example", app_wide)

    res = page.websocket(api.ws_url("/ws"))

    res.assert_blocked()
    assert any("WebSocket connection" in line for line in res.console), res.describe()
    assert_calls(api, [("GET", "/ws")], res)
    seen = api.requests()[0]
    assert seen.status == 403, res.describe()
    assert_seen_header(seen, "Origin", page.origin, res)
    assert cross_check(page, api, "/ws", res).status == 403


def test_websocket_from_servers_own_origin_opens(page: Page, servers: ServerPool) -> None:
    async def own_page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE_HTML, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", own_page)
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/ws", ws_echo), {"http://other.example": ResourceOptions()})
    api = servers.start(app)
    page.goto(server=api)  # same-origin page: not in the config, but never refused

    res = page.websocket(api.ws_url("/ws"), "self")

    res.assert_readable(101, "echo: self")
    assert_calls(api, [("GET", "/"), ("GET", "/ws")], res)
    assert_seen_header(api.requests()[1], "Origin", api.origin, res)
    cross_check(page, api, "/ws", res)


@pytest.mark.parametrize(
    ("key", "opens"),
    [
        pytest.param("page", True, id="listed-opens-with-cookies"),
        pytest.param("http://other.example", False, id="unlisted-refused-with-cookies"),
    ],
)
def test_websocket_with_the_users_cookies(
    page: Page, servers: ServerPool, key: str, opens: bool
) -> None:
    """Chromium sends the page's cookies on the handshake whatever CORS says; so does
    check_websocket, and both agree on whether the socket opens."""
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_get("/ws", ws_echo),
        {page.origin if key == "page" else key: ResourceOptions()},
    )
    api = servers.start(app)
    page.set_cookie("session", "s3cret")

    res = page.websocket(api.ws_url("/ws"), "with cookies")

    assert res.ok is opens, res.describe()
    assert_seen_header(api.requests()[0], "Cookie", "session=s3cret", res)
    verdict = cross_check(page, api, "/ws", res)
    assert verdict.cookies == ("session",)
