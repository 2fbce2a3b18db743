"""What the page can read of a cross-origin response: exposed vs hidden headers, error
statuses, and redirects (same-origin, cross-origin with the Origin turning "null")."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

from .apps import start_cors_api
from .harness import (
    EXPOSED_VALUE,
    HIDDEN_VALUE,
    Page,
    ServerPool,
    assert_calls,
    assert_seen_header,
    echo,
)

pytestmark = pytest.mark.browser

READ = ("X-Exposed", "X-Hidden", "Content-Type")


def test_only_exposed_headers_are_readable(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions(expose_headers=("X-Exposed",))})

    res = page.fetch(api.url("/api"), read_headers=READ)

    res.assert_readable(200, "GET /api")
    res.assert_header("X-Exposed", EXPOSED_VALUE)
    res.assert_header("X-Hidden", None)
    res.assert_header("Content-Type", "text/plain; charset=utf-8")
    assert "x-hidden" not in res.visible_headers, res.describe()


def test_custom_headers_hidden_by_default(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions()})

    res = page.fetch(api.url("/api"), read_headers=READ)

    res.assert_readable(200, "GET /api")
    res.assert_header("X-Exposed", None)
    res.assert_header("X-Hidden", None)
    res.assert_header("Content-Type", "text/plain; charset=utf-8")


@pytest.mark.parametrize("credentials", [False, True], ids=["anonymous", "credentialed"])
@pytest.mark.filterwarnings("ignore::aiohttp_cors.CorsSecurityWarning")
def test_expose_star_exposes_every_header(
    page: Page, servers: ServerPool, credentials: bool
) -> None:
    # A literal "ACEH: *" exposes nothing on a credentialed response; the package has to list
    # the response's header names for the star to mean "all".
    api = start_cors_api(
        servers,
        {page.origin: ResourceOptions(expose_headers="*", allow_credentials=credentials)},
    )

    res = page.fetch(
        api.url("/api"),
        credentials="include" if credentials else "same-origin",
        read_headers=READ,
    )

    res.assert_readable(200, "GET /api")
    res.assert_header("X-Exposed", EXPOSED_VALUE)
    res.assert_header("X-Hidden", HIDDEN_VALUE)


async def _unauthorized(request: web.Request) -> web.Response:
    raise web.HTTPUnauthorized(text="login first")


async def _not_found(request: web.Request) -> web.Response:
    raise web.HTTPNotFound(text="no such item")


async def _server_error(request: web.Request) -> web.Response:
    return web.Response(status=500, text="database down")


async def _crash(request: web.Request) -> web.Response:
    raise RuntimeError("handler bug")


@pytest.mark.parametrize(
    ("handler", "status", "body"),
    [
        (_unauthorized, 401, "login first"),
        (_not_found, 404, "no such item"),
        (_server_error, 500, "database down"),
        (_crash, 500, None),
    ],
    ids=["raised-401", "raised-404", "returned-500", "unhandled-exception-500"],
)
def test_error_response_is_readable(
    page: Page,
    servers: ServerPool,
    handler: Callable[[web.Request], Awaitable[web.Response]],
    status: int,
    body: str | None,
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/api", handler), {page.origin: ResourceOptions()})
    api = servers.start(app)

    res = page.fetch(api.url("/api"))

    res.assert_readable(status, body)
    assert_calls(api, [("GET", "/api")], res)


def test_error_after_passed_preflight_is_readable(page: Page, servers: ServerPool) -> None:
    async def conflict(request: web.Request) -> web.Response:
        raise web.HTTPConflict(text="version mismatch")

    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_put("/api", conflict),
        {page.origin: ResourceOptions(allow_headers=("X-Custom",))},
    )
    api = servers.start(app)

    res = page.fetch(api.url("/api"), method="PUT", headers={"X-Custom": "v2"})

    res.assert_readable(409, "version mismatch")
    assert_calls(api, [("OPTIONS", "/api"), ("PUT", "/api")], res)


def _redirecting_app(
    target: str, config: Mapping[Any, ResourceOptions], cors_on_redirect: bool = True
) -> web.Application:
    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(target)

    app = web.Application()
    cors = aiohttp_cors.setup(app)
    route = app.router.add_get("/redirect", redirect)
    if cors_on_redirect:
        cors.add(route, config)
    cors.add(app.router.add_get("/target", echo), config)
    return app


def test_same_origin_redirect_is_followed(page: Page, servers: ServerPool) -> None:
    app = _redirecting_app("/target", {page.origin: ResourceOptions()})
    api = servers.start(app)

    res = page.fetch(api.url("/redirect"))

    res.assert_readable(200, "GET /target")
    assert res.redirected, res.describe()
    assert res.final_url == api.url("/target"), res.describe()
    assert_calls(api, [("GET", "/redirect"), ("GET", "/target")], res)
    for seen in api.requests():
        assert_seen_header(seen, "Origin", page.origin, res)


def test_redirect_without_cors_headers_is_blocked(page: Page, servers: ServerPool) -> None:
    app = _redirecting_app("/target", {page.origin: ResourceOptions()}, cors_on_redirect=False)
    api = servers.start(app)

    res = page.fetch(api.url("/redirect"))

    res.assert_blocked()
    assert_calls(api, [("GET", "/redirect")], res)


def test_redirect_to_a_response_without_cors_is_blocked(page: Page, servers: ServerPool) -> None:
    # Issue 19: the redirect itself passes the CORS check, the response it leads to has
    # no CORS headers.  The harness's cross-check holds the doctor and
    # aiohttp_cors.testing to Chromium's verdict (they said "allowed" before).
    async def plain(request: web.Request) -> web.Response:
        return web.Response(text="no cors here")

    app = _redirecting_app("/plain", {page.origin: ResourceOptions()})
    app.router.add_get("/plain", plain)
    api = servers.start(app)

    res = page.fetch(api.url("/redirect"))

    res.assert_blocked()
    assert_calls(api, [("GET", "/redirect"), ("GET", "/plain")], res)


def test_cross_origin_redirect_to_server_allowing_null(page: Page, servers: ServerPool) -> None:
    # After a redirect to yet another origin the browser sends "Origin: null".
    target = start_cors_api(servers, {"null": ResourceOptions()}, path="/target", name="C")
    api = servers.start(_redirecting_app(target.url("/target"), {page.origin: ResourceOptions()}))

    res = page.fetch(api.url("/redirect"))

    res.assert_readable(200, "GET /target")
    assert res.final_url == target.url("/target"), res.describe()
    assert_calls(api, [("GET", "/redirect")], res)
    assert_calls(target, [("GET", "/target")], res)
    assert_seen_header(target.requests()[0], "Origin", "null", res)


def test_cross_origin_redirect_null_origin_not_trusted(page: Page, servers: ServerPool) -> None:
    # The target trusts the page's origin, but the browser presents "null" there.
    target = start_cors_api(servers, {page.origin: ResourceOptions()}, path="/target", name="C")
    api = servers.start(_redirecting_app(target.url("/target"), {page.origin: ResourceOptions()}))

    res = page.fetch(api.url("/redirect"))

    res.assert_blocked()
    assert_calls(target, [("GET", "/target")], res)
    seen = target.requests()[0]
    assert_seen_header(seen, "Origin", "null", res)
    assert "Access-Control-Allow-Origin" not in seen.response_headers, res.describe()
