"""App-wide mode, ``setup(app, defaults=..., all_routes=True)``: every route gets CORS,
including router 404/405 answers and sub-applications; preflights pass even when an
authentication middleware refuses everything without a token, and that middleware's 401 is
readable cross-origin; @cors_exempt and @custom_cors adjust single handlers."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.typedefs import Handler

import aiohttp_cors
from aiohttp_cors import ResourceOptions, cors_exempt, custom_cors

from .harness import EXPOSED_VALUE, Page, Server, ServerPool, assert_calls, echo

pytestmark = pytest.mark.browser

GOOD_TOKEN = "Bearer good-token"


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.headers.get("Authorization") != GOOD_TOKEN:
        return web.json_response({"error": "token required"}, status=401)
    return await handler(request)


def _start_authenticated_api(page: Page, servers: ServerPool) -> Server:
    app = web.Application(middlewares=[require_token])
    app.router.add_get("/me", echo)
    app.router.add_put("/me", echo)
    aiohttp_cors.setup(
        app,
        defaults={page.origin: ResourceOptions(allow_headers="*", max_age=600)},
        all_routes=True,
    )
    return servers.start(app)


def test_auth_middleware_does_not_block_preflight(page: Page, servers: ServerPool) -> None:
    api = _start_authenticated_api(page, servers)

    refused = page.fetch(api.url("/me"), headers={"Authorization": "Bearer wrong"})
    accepted = page.fetch(api.url("/me"), headers={"Authorization": GOOD_TOKEN})

    refused.assert_readable(401, '{"error": "token required"}')
    accepted.assert_readable(200, "GET /me")
    # The preflight (no credentials, no Authorization) passed; the second request reused it.
    assert_calls(api, [("OPTIONS", "/me"), ("GET", "/me"), ("GET", "/me")], accepted)
    statuses = [seen.status for seen in api.requests()]
    assert statuses == [200, 401, 200], accepted.describe()


def test_auth_401_on_simple_request_is_readable(page: Page, servers: ServerPool) -> None:
    api = _start_authenticated_api(page, servers)

    res = page.fetch(api.url("/me"))

    res.assert_readable(401, '{"error": "token required"}')
    assert_calls(api, [("GET", "/me")], res)


def test_auth_401_after_preflighted_put_is_readable(page: Page, servers: ServerPool) -> None:
    api = _start_authenticated_api(page, servers)

    res = page.fetch(api.url("/me"), method="PUT", headers={"X-Custom": "1"}, body="{}")

    res.assert_readable(401, '{"error": "token required"}')
    assert_calls(api, [("OPTIONS", "/me"), ("PUT", "/me")], res)
    assert api.requests()[0].status == 200, res.describe()


def _start_app_wide_api(page: Page, servers: ServerPool) -> Server:
    @cors_exempt
    async def internal(request: web.Request) -> web.Response:
        return web.Response(text="internal")

    @custom_cors({page.origin: ResourceOptions(expose_headers=("X-Exposed",))})
    async def custom(request: web.Request) -> web.Response:
        return web.Response(text="custom", headers={"X-Exposed": EXPOSED_VALUE})

    # The page loaded from "localhost" instead of "127.0.0.1": allowed on this handler only.
    @custom_cors({page.server.origin_for("localhost"): ResourceOptions()})
    async def partner(request: web.Request) -> web.Response:
        return web.Response(text="partner")

    sub = web.Application()
    sub.router.add_put("/item", echo)

    app = web.Application()
    app.router.add_get("/plain", echo)
    app.router.add_get("/internal", internal)
    app.router.add_get("/custom", custom)
    app.router.add_get("/partner", partner)
    aiohttp_cors.setup(app, defaults={page.origin: ResourceOptions()}, all_routes=True)
    app.add_subapp("/sub/", sub)
    return servers.start(app)


def test_app_wide_route_without_explicit_add(page: Page, servers: ServerPool) -> None:
    api = _start_app_wide_api(page, servers)

    res = page.fetch(api.url("/plain"), read_headers=["X-Exposed"])

    res.assert_readable(200, "GET /plain")
    res.assert_header("X-Exposed", None)
    assert_calls(api, [("GET", "/plain")], res)


def test_app_wide_router_404_is_readable(page: Page, servers: ServerPool) -> None:
    api = _start_app_wide_api(page, servers)

    res = page.fetch(api.url("/no/such/path"))

    res.assert_readable(404)
    assert_calls(api, [("GET", "/no/such/path")], res)


def test_app_wide_router_405_is_readable(page: Page, servers: ServerPool) -> None:
    api = _start_app_wide_api(page, servers)

    res = page.fetch(api.url("/plain"), method="POST", body="x")

    res.assert_readable(405)
    assert_calls(api, [("POST", "/plain")], res)


def test_app_wide_exempt_handler_gets_no_cors(page: Page, servers: ServerPool) -> None:
    api = _start_app_wide_api(page, servers)

    res = page.fetch(api.url("/internal"))

    res.assert_blocked()
    assert_calls(api, [("GET", "/internal")], res)
    assert "Access-Control-Allow-Origin" not in api.requests()[0].response_headers


def test_app_wide_custom_cors_overrides_defaults_for_origin(
    page: Page, servers: ServerPool
) -> None:
    api = _start_app_wide_api(page, servers)

    custom = page.fetch(api.url("/custom"), read_headers=["X-Exposed"])
    plain = page.fetch(api.url("/plain"), read_headers=["X-Exposed"])

    custom.assert_readable(200, "custom")
    custom.assert_header("X-Exposed", EXPOSED_VALUE)
    plain.assert_readable(200, "GET /plain")
    plain.assert_header("X-Exposed", None)
    assert_calls(api, [("GET", "/custom"), ("GET", "/plain")], plain)


def test_app_wide_custom_cors_adds_origin_to_one_handler(page: Page, servers: ServerPool) -> None:
    api = _start_app_wide_api(page, servers)
    page.goto("localhost")

    partner = page.fetch(api.url("/partner"))
    plain = page.fetch(api.url("/plain"))

    partner.assert_readable(200, "partner")
    plain.assert_blocked()
    assert_calls(api, [("GET", "/partner"), ("GET", "/plain")], plain)


def test_app_wide_covers_subapp(page: Page, servers: ServerPool) -> None:
    api = _start_app_wide_api(page, servers)

    res = page.fetch(api.url("/sub/item"), method="PUT", body="sub")

    res.assert_readable(200, "PUT /sub/item body=sub")
    assert_calls(api, [("OPTIONS", "/sub/item"), ("PUT", "/sub/item")], res)


def test_app_wide_refused_origin(page: Page, servers: ServerPool) -> None:
    app = web.Application()
    app.router.add_put("/api", echo)
    app.router.add_get("/api", echo)
    aiohttp_cors.setup(app, defaults={"http://other.example": ResourceOptions()}, all_routes=True)
    api = servers.start(app)

    simple = page.fetch(api.url("/api"))
    preflighted = page.fetch(api.url("/api"), method="PUT")

    simple.assert_blocked()
    preflighted.assert_blocked()
    assert_calls(api, [("GET", "/api"), ("OPTIONS", "/api")], preflighted)
    assert api.requests()[1].status == 403, preflighted.describe()
