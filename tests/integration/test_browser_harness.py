"""Controls for the harness itself, with CORS headers written by hand (no aiohttp_cors).

They prove the plumbing measures what the scenarios claim: a response without CORS headers is
blocked with a TypeError and a console error, a hand-written ACAO makes it readable, a
preflight is seen by the server before the actual request, and cookies reach the API server.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from .harness import Page, ServerPool, assert_calls, assert_seen_header

pytestmark = pytest.mark.browser


def _hand_cors_app(allowed_origin: str) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        headers = {"Vary": "Origin"}
        origin = request.headers.get("Origin")
        if origin == allowed_origin:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Credentials"] = "true"
            if request.method == "OPTIONS":
                headers["Access-Control-Allow-Methods"] = request.headers.get(
                    "Access-Control-Request-Method", ""
                )
                headers["Access-Control-Allow-Headers"] = request.headers.get(
                    "Access-Control-Request-Headers", ""
                )
        body = "" if request.method == "OPTIONS" else f"{request.method} ok"
        return web.Response(text=body, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/api", handler)
    return app


def test_control_no_cors_headers_is_blocked(page: Page, servers: ServerPool) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="secret")

    app = web.Application()
    app.router.add_get("/api", handler)
    api = servers.start(app)

    res = page.fetch(api.url("/api"))

    res.assert_blocked()
    assert_calls(api, [("GET", "/api")], res)
    assert_seen_header(api.requests()[0], "Origin", page.origin, res)


def test_control_hand_written_cors_is_readable(page: Page, servers: ServerPool) -> None:
    api = servers.start(_hand_cors_app(page.origin))

    res = page.fetch(api.url("/api"))

    res.assert_readable(200, "GET ok")
    assert_calls(api, [("GET", "/api")], res)


def test_control_hand_written_preflight(page: Page, servers: ServerPool) -> None:
    api = servers.start(_hand_cors_app(page.origin))

    res = page.fetch(api.url("/api"), method="PUT", headers={"X-Custom": "1"})

    res.assert_readable(200, "PUT ok")
    assert_calls(api, [("OPTIONS", "/api"), ("PUT", "/api")], res)
    preflight = api.requests()[0]
    assert preflight.is_preflight
    assert_seen_header(preflight, "Access-Control-Request-Method", "PUT", res)
    assert_seen_header(preflight, "Access-Control-Request-Headers", "x-custom", res)


def test_control_cookie_reaches_api(page: Page, servers: ServerPool) -> None:
    api = servers.start(_hand_cors_app(page.origin))
    page.set_cookie("session", "control")

    res = page.fetch(api.url("/api"), credentials="include")

    res.assert_readable(200, "GET ok")
    assert_seen_header(api.requests()[0], "Cookie", "session=control", res)


def test_control_wrong_origin_is_blocked_and_console_explains(
    page: Page, servers: ServerPool
) -> None:
    api = servers.start(_hand_cors_app("http://elsewhere.example"))

    res = page.fetch(api.url("/api"), method="DELETE")

    res.assert_blocked()
    assert_calls(api, [("OPTIONS", "/api")], res)
    assert any("Access-Control-Allow-Origin" in line for line in res.cors_console_errors), (
        res.describe()
    )


def test_control_browsers_do_not_check_websocket_origins(page: Page, servers: ServerPool) -> None:
    # Why a server must check Origin on handshakes itself: without any CORS, any page opens it.
    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            await ws.send_str(f"echo: {msg.data}")
        return ws

    app = web.Application()
    app.router.add_get("/ws", ws_handler)
    api = servers.start(app)

    res = page.websocket(api.ws_url("/ws"), "anyone")

    res.assert_readable(101, "echo: anyone")
    assert_calls(api, [("GET", "/ws")], res)
    assert_seen_header(api.requests()[0], "Origin", page.origin, res)
