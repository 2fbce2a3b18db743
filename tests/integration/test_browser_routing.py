"""CORS on the other routing shapes aiohttp offers: class-based views with CorsViewMixin
(and per-method @custom_cors), sub-applications, static files and '*' routes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions, custom_cors

from .harness import EXPOSED_VALUE, Page, Server, ServerPool, assert_calls, echo

pytestmark = pytest.mark.browser


def _start_view_api(page: Page, servers: ServerPool) -> Server:
    class ItemView(web.View, CorsViewMixin):
        cors_config: ClassVar[Mapping[Any, ResourceOptions]] = {
            page.origin: ResourceOptions(allow_headers=("X-Custom",))
        }

        async def get(self) -> web.Response:
            return web.Response(text="view GET")

        async def put(self) -> web.Response:
            return web.Response(text=f"view PUT {await self.request.text()}")

        @custom_cors(
            {
                page.origin: ResourceOptions(
                    allow_headers=("X-Special",), expose_headers=("X-Exposed",)
                )
            }
        )
        async def delete(self) -> web.Response:
            return web.Response(text="view DELETE", headers={"X-Exposed": EXPOSED_VALUE})

    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_view("/item", ItemView))
    return servers.start(app)


def test_view_simple_get(page: Page, servers: ServerPool) -> None:
    api = _start_view_api(page, servers)

    res = page.fetch(api.url("/item"))

    res.assert_readable(200, "view GET")
    assert_calls(api, [("GET", "/item")], res)


def test_view_preflighted_put_with_class_config(page: Page, servers: ServerPool) -> None:
    api = _start_view_api(page, servers)

    res = page.fetch(api.url("/item"), method="PUT", headers={"X-Custom": "1"}, body="data")

    res.assert_readable(200, "view PUT data")
    assert_calls(api, [("OPTIONS", "/item"), ("PUT", "/item")], res)


def test_view_method_with_custom_cors(page: Page, servers: ServerPool) -> None:
    api = _start_view_api(page, servers)

    allowed = page.fetch(
        api.url("/item"), method="DELETE", headers={"X-Special": "1"}, read_headers=["X-Exposed"]
    )
    # @custom_cors on delete() replaces the class config for that origin: X-Custom is not
    # allowed there, and X-Special is not allowed for PUT.
    refused_delete = page.fetch(api.url("/item"), method="DELETE", headers={"X-Custom": "1"})
    refused_put = page.fetch(api.url("/item"), method="PUT", headers={"X-Special": "1"})

    allowed.assert_readable(200, "view DELETE")
    allowed.assert_header("X-Exposed", EXPOSED_VALUE)
    refused_delete.assert_blocked()
    refused_put.assert_blocked()
    assert_calls(
        api,
        [("OPTIONS", "/item"), ("DELETE", "/item"), ("OPTIONS", "/item"), ("OPTIONS", "/item")],
        refused_put,
    )


def test_subapp_with_its_own_setup(page: Page, servers: ServerPool) -> None:
    sub = web.Application()
    cors = aiohttp_cors.setup(sub)
    cors.add(sub.router.add_put("/api", echo), {page.origin: ResourceOptions()})
    app = web.Application()
    app.add_subapp("/sub/", sub)
    api = servers.start(app)

    res = page.fetch(api.url("/sub/api"), method="PUT", body="x")

    res.assert_readable(200, "PUT /sub/api body=x")
    assert_calls(api, [("OPTIONS", "/sub/api"), ("PUT", "/sub/api")], res)


def test_subapp_routes_added_to_parent_config(page: Page, servers: ServerPool) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    sub = web.Application()
    route = sub.router.add_put("/api", echo)
    cors.add(route, {page.origin: ResourceOptions()})
    app.add_subapp("/sub/", sub)
    api = servers.start(app)

    res = page.fetch(api.url("/sub/api"), method="PUT", body="y")

    res.assert_readable(200, "PUT /sub/api body=y")
    assert_calls(api, [("OPTIONS", "/sub/api"), ("PUT", "/sub/api")], res)


@pytest.mark.parametrize("routes_first", [True, False], ids=["routes-then-add", "add-then-routes"])
def test_resource_added_wholesale_allows_methods_of_its_routes(
    page: Page, servers: ServerPool, routes_first: bool
) -> None:
    # allow_methods=None: the methods of the resource's routes (GET, PUT here).
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    resource = app.router.add_resource("/res")
    if routes_first:
        resource.add_route("GET", echo)
        resource.add_route("PUT", echo)
        cors.add(resource, {page.origin: ResourceOptions()})
    else:
        cors.add(resource, {page.origin: ResourceOptions()})
        resource.add_route("GET", echo)
        resource.add_route("PUT", echo)
    api = servers.start(app)

    put = page.fetch(api.url("/res"), method="PUT", body="r")
    delete = page.fetch(api.url("/res"), method="DELETE")

    put.assert_readable(200, "PUT /res body=r")
    delete.assert_blocked()
    assert_calls(api, [("OPTIONS", "/res"), ("PUT", "/res"), ("OPTIONS", "/res")], delete)


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    (tmp_path / "hello.txt").write_text("static hello\n")
    return tmp_path


def _start_static_api(page: Page, servers: ServerPool, static_dir: Path) -> Server:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_static("/static/", static_dir),
        {page.origin: ResourceOptions(allow_headers=("X-Custom",))},
    )
    return servers.start(app)


def test_static_file_simple_get(page: Page, servers: ServerPool, static_dir: Path) -> None:
    api = _start_static_api(page, servers, static_dir)

    res = page.fetch(api.url("/static/hello.txt"))

    res.assert_readable(200, "static hello\n")
    assert_calls(api, [("GET", "/static/hello.txt")], res)


def test_static_file_range_request_needs_no_preflight(
    page: Page, servers: ServerPool, static_dir: Path
) -> None:
    api = _start_static_api(page, servers, static_dir)

    res = page.fetch(api.url("/static/hello.txt"), headers={"Range": "bytes=0-5"})

    res.assert_readable(206, "static")
    assert_calls(api, [("GET", "/static/hello.txt")], res)


def test_static_file_preflighted_get(page: Page, servers: ServerPool, static_dir: Path) -> None:
    api = _start_static_api(page, servers, static_dir)

    res = page.fetch(api.url("/static/hello.txt"), headers={"X-Custom": "1"})

    res.assert_readable(200, "static hello\n")
    assert_calls(api, [("OPTIONS", "/static/hello.txt"), ("GET", "/static/hello.txt")], res)


def test_static_missing_file_404_is_readable(
    page: Page, servers: ServerPool, static_dir: Path
) -> None:
    api = _start_static_api(page, servers, static_dir)

    res = page.fetch(api.url("/static/missing.txt"))

    res.assert_readable(404)
    assert_calls(api, [("GET", "/static/missing.txt")], res)


def test_static_file_refused_origin(page: Page, servers: ServerPool, static_dir: Path) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_static("/static/", static_dir),
        {"http://other.example": ResourceOptions()},
    )
    api = servers.start(app)

    res = page.fetch(api.url("/static/hello.txt"))

    res.assert_blocked()
    assert_calls(api, [("GET", "/static/hello.txt")], res)


def test_star_route_allows_any_method(page: Page, servers: ServerPool) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_route("*", "/any", echo), {page.origin: ResourceOptions()})
    api = servers.start(app)

    results = {
        method: page.fetch(api.url("/any"), method=method)
        for method in ("GET", "PUT", "PATCH", "DELETE")
    }

    for method, res in results.items():
        res.assert_readable(200, f"{method} /any")
    assert_calls(
        api,
        [
            ("GET", "/any"),
            ("OPTIONS", "/any"),
            ("PUT", "/any"),
            ("OPTIONS", "/any"),
            ("PATCH", "/any"),
            ("OPTIONS", "/any"),
            ("DELETE", "/any"),
        ],
        results["DELETE"],
    )
