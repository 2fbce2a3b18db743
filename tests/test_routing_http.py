"""Routing through real apps: every aiohttp routing shape (dynamic and '*' routes, static
files, route tables, views, sub-apps and domain sub-apps), per route and app-wide, exemptions
and per-handler configuration, and preflights answered ahead of the app's middlewares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions, cors_exempt, custom_cors

from .helpers import ACAH, ACAM, ACAO, BODY, hello, no_cors_headers, passthrough, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient, Client, CorsAppFactory, CorsMapping

PAGE = "https://page.example"
OTHER = "https://other.example"
OPEN = {PAGE: ResourceOptions(allow_headers="*")}
# The origin of the tests written against aiohttp-cors 0.8.1's behaviour, kept as it was.
HTTP_PAGE = "http://page.example"
OPEN_DEFAULTS = {
    "*": ResourceOptions(allow_credentials=False, expose_headers="*", allow_headers="*")
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ItemView(web.View, CorsViewMixin):
    async def get(self) -> web.Response:
        return web.Response(text="view get")

    async def put(self) -> web.Response:
        return web.Response(text="view put")


class PlainItemView(web.View):
    async def get(self) -> web.Response:
        return web.Response(text="view get")

    async def put(self) -> web.Response:
        return web.Response(text="view put")


async def assert_cors_ok(
    client: Client, path: str, method: str, body: str | None = None, host: str | None = None
) -> None:
    extra = {"Host": host} if host else {}
    response = await client.options(path, headers={**preflight(PAGE, method, "x-token"), **extra})
    assert response.status == 200, f"{method} {path}: {await response.text()}"
    assert response.headers[ACAO] == PAGE
    assert response.headers[ACAM] == method
    response = await client.request(method, path, headers={"Origin": PAGE, **extra})
    assert response.headers.get(ACAO) == PAGE, f"{method} {path} -> {response.status}"
    if body is not None:
        assert await response.text() == body
    response = await client.request(method, path, headers={"Origin": OTHER, **extra})
    assert ACAO not in response.headers


# --- per-route registration ----------------------------------------------------------------


async def test_same_dynamic_path_routes_share_one_preflight(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=OPEN_DEFAULTS)
    cors.add(app.router.add_route("GET", "/{name}", hello))
    cors.add(app.router.add_route("PUT", "/{name}", hello))
    client = await aiohttp_client(app)
    for method in ("GET", "PUT"):
        response = await client.options("/user", headers=preflight(HTTP_PAGE, method))
        assert response.status == 200
        assert await response.text() == ""
        assert response.headers[ACAM] == method


async def test_star_route(aiohttp_client: AiohttpClient, cors_app: CorsAppFactory) -> None:
    async def anything(request: web.Request) -> web.Response:
        return web.Response(text=request.method)

    app, cors = cors_app({PAGE: ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_route("*", "/any", anything))
    client = await aiohttp_client(app)
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        response = await client.options("/any", headers=preflight(PAGE, method, "x-token"))
        assert response.status == 200, await response.text()
        assert response.headers[ACAM] == method
        response = await client.request(method, "/any", headers={"Origin": PAGE})
        assert await response.text() == method
        assert response.headers[ACAO] == PAGE


async def test_static_resource(aiohttp_client: AiohttpClient, tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>hi</p>")
    app = web.Application()
    cors = aiohttp_cors.setup(
        app,
        defaults={
            "*": ResourceOptions(
                allow_methods="*", allow_headers=("Content-Type",), expose_headers="*"
            )
        },
    )
    cors.add(app.router.add_static("/static", tmp_path, name="static"))
    client = await aiohttp_client(app)
    response = await client.options(
        "/static/page.html", headers=preflight(HTTP_PAGE, "OPTIONS", "content-type")
    )
    assert response.status == 200
    assert await response.text() == ""
    response = await client.get("/static/page.html", headers={"Origin": HTTP_PAGE})
    assert response.status == 200
    assert response.headers[ACAO] == HTTP_PAGE
    assert await response.text() == "<p>hi</p>"


async def test_resource_added_whole_enables_its_routes(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory, tmp_path: Path
) -> None:
    (tmp_path / "file.txt").write_text("static")
    app, cors = cors_app({PAGE: ResourceOptions(allow_headers=("X-Token",))})
    resource = cors.add(app.router.add_resource("/whole"))
    resource.add_route("PUT", hello)  # added after cors.add: still covered
    cors.add(app.router.add_static("/static", tmp_path))
    client = await aiohttp_client(app)
    response = await client.options("/whole", headers=preflight(PAGE, "PUT", "x-token"))
    assert response.status == 200, await response.text()
    response = await client.options("/whole", headers=preflight(PAGE, "DELETE"))
    assert response.status == 403
    response = await client.options("/static/file.txt", headers=preflight(PAGE, "GET", "x-token"))
    assert response.status == 200, await response.text()
    response = await client.get("/static/file.txt", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE


async def test_route_table_def(aiohttp_client: AiohttpClient) -> None:
    routes = web.RouteTableDef()

    @routes.get("/items/{id}")
    async def get_item(request: web.Request) -> web.Response:
        return web.Response(text=request.match_info["id"])

    @routes.delete("/items/{id}")
    async def delete_item(request: web.Request) -> web.Response:
        return web.Response(text="deleted")

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=OPEN)
    for route in app.add_routes(routes):
        cors.add(route)
    client = await aiohttp_client(app)
    await assert_cors_ok(client, "/items/7", "GET", "7")
    await assert_cors_ok(client, "/items/7", "DELETE", "deleted")


async def test_same_path_as_several_resources(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=OPEN)
    cors.add(app.router.add_get("/same", hello, name="reader"))
    cors.add(app.router.add_post("/same", hello, name="writer"))
    cors.add(app.router.add_put("/same", hello, name="replacer"))
    assert len([r for r in app.router.resources() if r.canonical == "/same"]) == 3
    client = await aiohttp_client(app)
    for method in ("GET", "POST", "PUT"):
        await assert_cors_ok(client, "/same", method, BODY)
    response = await client.options("/same", headers=preflight(PAGE, "PATCH"))
    assert response.status == 403


@pytest.mark.parametrize("view", [ItemView, PlainItemView])
async def test_add_view(aiohttp_client: AiohttpClient, view: type[web.View]) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=OPEN)
    config = None if issubclass(view, CorsViewMixin) else OPEN
    cors.add(app.router.add_view("/view", view), config)
    client = await aiohttp_client(app)
    await assert_cors_ok(client, "/view", "GET", "view get")
    await assert_cors_ok(client, "/view", "PUT", "view put")


async def test_sub_app_routes_and_views_with_setup_on_parent(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=OPEN)
    api = web.Application()
    cors.add(api.router.add_get("/plain", hello))
    cors.add(api.router.add_view("/view", ItemView))
    cors.add(api.router.add_view("/bare", PlainItemView), OPEN)
    app.add_subapp("/api", api)
    client = await aiohttp_client(app)
    await assert_cors_ok(client, "/api/plain", "GET", BODY)
    await assert_cors_ok(client, "/api/view", "PUT", "view put")
    await assert_cors_ok(client, "/api/bare", "PUT", "view put")


async def test_nested_sub_apps(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=OPEN)
    outer, inner = web.Application(), web.Application()
    cors.add(inner.router.add_view("/deep", ItemView))
    outer.add_subapp("/inner", inner)
    app.add_subapp("/outer", outer)
    client = await aiohttp_client(app)
    await assert_cors_ok(client, "/outer/inner/deep", "PUT", "view put")


async def test_domain_sub_app(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=OPEN)
    tenant = web.Application()
    cors.add(tenant.router.add_put("/data", hello))
    app.add_domain("tenant.example", tenant)
    client = await aiohttp_client(app)
    await assert_cors_ok(client, "/data", "PUT", BODY, host="tenant.example")
    response = await client.put("/data", headers={"Origin": PAGE})
    assert response.status == 404  # another host: the domain's routes do not match


async def test_custom_cors_on_plain_handler(aiohttp_client: AiohttpClient) -> None:
    @custom_cors({OTHER: ResourceOptions(allow_headers=("X-Special",))})
    async def special(request: web.Request) -> web.Response:
        return web.Response(text="special")

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    cors.add(app.router.add_put("/special", special))
    client = await aiohttp_client(app)
    response = await client.options("/special", headers=preflight(OTHER, "PUT", "x-special"))
    assert response.status == 200
    assert response.headers[ACAH] == "X-SPECIAL"
    # The defaults still apply to origins the handler's config does not name.
    response = await client.options("/special", headers=preflight(PAGE, "PUT"))
    assert response.status == 200


# --- app-wide mode ----------------------------------------------------------------------


def app_wide() -> web.Application:
    app = web.Application()
    app.router.add_get("/before", hello)
    aiohttp_cors.setup(app, defaults=OPEN, all_routes=True)
    app.router.add_put("/after", hello)
    app.router.add_view("/view", ItemView)
    app.router.add_view("/plainview", PlainItemView)
    api = web.Application()
    api.router.add_view("/view", ItemView)
    api.router.add_delete("/thing", hello)

    @cors_exempt
    async def internal(request: web.Request) -> web.Response:
        return web.Response(text="internal")

    @custom_cors({OTHER: ResourceOptions()})
    async def partner(request: web.Request) -> web.Response:
        return web.Response(text="partner")

    app.router.add_post("/internal", internal)
    app.router.add_get("/partner", partner)
    app.add_subapp("/api", api)
    return app


async def test_app_wide_covers_every_route(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(app_wide())
    await assert_cors_ok(client, "/before", "GET", BODY)
    await assert_cors_ok(client, "/after", "PUT", BODY)
    await assert_cors_ok(client, "/view", "PUT", "view put")
    await assert_cors_ok(client, "/plainview", "PUT", "view put")
    await assert_cors_ok(client, "/api/view", "GET", "view get")
    await assert_cors_ok(client, "/api/thing", "DELETE", BODY)


async def test_app_wide_exempt_and_custom(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(app_wide())
    response = await client.post("/internal", headers={"Origin": PAGE})
    assert await response.text() == "internal"
    assert no_cors_headers(response.headers)
    response = await client.options("/internal", headers=preflight(PAGE, "POST"))
    assert ACAO not in response.headers
    response = await client.get("/partner", headers={"Origin": OTHER})
    assert response.headers[ACAO] == OTHER
    response = await client.get("/partner", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE  # defaults still apply


async def test_app_wide_router_errors_are_readable(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(app_wide())
    response = await client.get("/missing", headers={"Origin": PAGE})
    assert response.status == 404
    assert response.headers[ACAO] == PAGE
    response = await client.delete("/before", headers={"Origin": PAGE})
    assert response.status == 405
    assert response.headers[ACAO] == PAGE
    response = await client.get("/missing", headers={"Origin": OTHER})
    assert ACAO not in response.headers


# --- middlewares: preflights answered first; the plugin's own only where needed ------


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.headers.get("Authorization") != "Bearer good":
        raise web.HTTPUnauthorized(text="no token")
    return await handler(request)


@web.middleware
async def rate_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.headers.get("X-Flood"):
        return web.Response(status=429, text="slow down")
    return await handler(request)


@pytest.mark.parametrize("mode", ["per-route", "app-wide"])
async def test_preflight_answered_before_auth_middleware(
    aiohttp_client: AiohttpClient, mode: str
) -> None:
    app = web.Application(middlewares=[require_token, rate_limit])
    api = web.Application()
    if mode == "app-wide":
        aiohttp_cors.setup(app, defaults=OPEN, all_routes=True)
        app.router.add_put("/data", hello)
        api.router.add_view("/view", ItemView)
    else:
        cors = aiohttp_cors.setup(app, defaults=OPEN)
        cors.add(app.router.add_put("/data", hello))
        cors.add(api.router.add_view("/view", ItemView))
    app.add_subapp("/api", api)
    client = await aiohttp_client(app)
    for path, method in (("/data", "PUT"), ("/api/view", "PUT")):
        response = await client.options(path, headers=preflight(PAGE, method, "authorization"))
        assert response.status == 200, await response.text()
        assert response.headers[ACAH] == "AUTHORIZATION"
        # The actual request still goes through every middleware...
        response = await client.request(method, path, headers={"Origin": PAGE})
        assert response.status == 401
        # ...and what they answer is readable by the page.
        assert response.headers[ACAO] == PAGE
        response = await client.request(
            method, path, headers={"Origin": PAGE, "Authorization": "Bearer good", "X-Flood": "1"}
        )
        assert response.status == 429
        assert response.headers[ACAO] == PAGE
        response = await client.request(
            method, path, headers={"Origin": PAGE, "Authorization": "Bearer good"}
        )
        assert response.status == 200
        assert response.headers[ACAO] == PAGE


@pytest.mark.parametrize(
    ("shape", "kept"),
    [
        ("plain", False),
        ("user middleware", True),
        ("star route", True),
        ("sub-app middleware", True),
    ],
)
async def test_middleware_kept_only_where_needed(
    aiohttp_client: AiohttpClient, shape: str, kept: bool
) -> None:
    app = web.Application(middlewares=[passthrough] if shape == "user middleware" else [])
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    if shape == "star route":
        cors.add(app.router.add_route("*", "/", hello))
    else:
        cors.add(app.router.add_get("/", hello))
    if shape == "sub-app middleware":
        api = web.Application(middlewares=[passthrough])
        api.router.add_get("/x", hello)
        app.add_subapp("/api", api)
    client = await aiohttp_client(app)
    assert (len(app.middlewares) == (2 if shape == "user middleware" else 1)) is kept
    # Either way, preflights are answered and actual responses get their headers.
    response = await client.options("/", headers=preflight(PAGE, "GET"))
    assert response.status == 200
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE


# --- every shape in both modes -------------------------------------------------------


def build_shape(shape: str, mode: str, tmp_path: Path) -> tuple[web.Application, str, str]:
    """An app of one routing shape; returns it with the path and method to request."""
    app = web.Application()
    wide = mode == "app-wide"
    cors = aiohttp_cors.setup(app, defaults=OPEN, all_routes=wide)

    def enable(
        entity: web.AbstractResource | web.AbstractRoute, config: CorsMapping | None = None
    ) -> None:
        if not wide:
            cors.add(entity, config)

    if shape == "dynamic":
        enable(app.router.add_put("/users/{id}", hello, name="user"))
        return app, "/users/7", "PUT"
    if shape == "star":
        enable(app.router.add_route("*", "/any", hello))
        return app, "/any", "PATCH"
    if shape == "view":
        enable(app.router.add_view("/view", ItemView))
        return app, "/view", "PUT"
    if shape == "bare view":
        enable(app.router.add_view("/bare", PlainItemView), OPEN)
        return app, "/bare", "PUT"
    if shape == "static":
        (tmp_path / "f.txt").write_text(BODY)
        enable(app.router.add_static("/files", tmp_path))
        return app, "/files/f.txt", "GET"
    if shape == "route table":
        routes = web.RouteTableDef()
        routes.delete("/table")(hello)
        for route in app.add_routes(routes):
            enable(route)
        return app, "/table", "DELETE"
    if shape == "same path":
        enable(app.router.add_get("/same", hello, name="a"))
        enable(app.router.add_patch("/same", hello, name="b"))
        return app, "/same", "PATCH"
    if shape == "sub-app view":
        api = web.Application()
        enable(api.router.add_view("/view", ItemView))
        app.add_subapp("/api", api)
        return app, "/api/view", "PUT"
    if shape == "domain sub-app":
        tenant = web.Application()
        enable(tenant.router.add_view("/view", ItemView))
        app.add_domain("tenant.example", tenant)
        return app, "/view", "PUT"
    raise AssertionError(shape)


@pytest.mark.parametrize("mode", ["per-route", "app-wide"])
@pytest.mark.parametrize(
    "shape",
    [
        "dynamic",
        "star",
        "view",
        "bare view",
        "static",
        "route table",
        "same path",
        "sub-app view",
        "domain sub-app",
    ],
)
async def test_every_shape_in_both_modes(
    aiohttp_client: AiohttpClient, tmp_path: Path, shape: str, mode: str
) -> None:
    app, path, method = build_shape(shape, mode, tmp_path)
    client = await aiohttp_client(app)
    host = "tenant.example" if shape == "domain sub-app" else None
    await assert_cors_ok(client, path, method, host=host)


# --- exempt means exempt (issue "Compile CORS to answers", bug 1) -------------------------


async def test_an_exempt_method_never_falls_back_to_the_defaults(
    aiohttp_client: AiohttpClient,
) -> None:
    @cors_exempt
    async def admin_page(request: web.Request) -> web.Response:
        return web.Response(text="admin")

    app = web.Application()
    aiohttp_cors.setup(
        app,
        defaults={PAGE: ResourceOptions(allow_credentials=True, allow_methods="*")},
        all_routes=True,
    )
    app.router.add_get("/admin", admin_page)
    app.router.add_post("/admin", hello)
    client = await aiohttp_client(app)
    response = await client.get("/admin", headers={"Origin": PAGE})
    assert await response.text() == "admin"
    assert no_cors_headers(response.headers)
    assert "Vary" not in response.headers
    for method in ("GET", "HEAD"):
        response = await client.options("/admin", headers=preflight(PAGE, method))
        assert response.status == 403
        assert no_cors_headers(response.headers)
    response = await client.post("/admin", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    response = await client.options("/admin", headers=preflight(PAGE, "POST"))
    assert response.status == 200


def test_adding_an_exempt_handler_is_a_clear_error() -> None:
    @cors_exempt
    async def internal(request: web.Request) -> web.Response:
        return web.Response()

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=OPEN)
    with pytest.raises(ValueError, match="marked @cors_exempt"):
        cors.add(app.router.add_get("/internal", internal))
