"""The aiohttp-cors 0.8.1 bugs we fix, and the CORS rules of the Fetch standard, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions

from .helpers import ACAC, ACAH, ACAM, ACAO, ACEH, ACRH, BODY, hello, no_cors_headers, preflight

PAGE = "https://page.example"
OTHER = "https://other.example"


def app_with(config: Any = None, **setup_kwargs: Any) -> tuple[web.Application, Any]:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=config, **setup_kwargs)
    return app, cors


# --- Vary ----------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [None, PAGE, OTHER])
async def test_vary_origin_on_every_response(aiohttp_client: Any, origin: str | None) -> None:
    app, cors = app_with({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", hello))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": origin} if origin else {})
    assert response.headers.getall("Vary") == ["Origin"]


async def test_vary_merges_with_handler_vary(aiohttp_client: Any) -> None:
    async def varying(request: web.Request) -> web.Response:
        return web.Response(text=BODY, headers={"Vary": "Accept-Encoding, Cookie"})

    async def already(request: web.Request) -> web.Response:
        return web.Response(text=BODY, headers={"Vary": "origin"})

    async def everything(request: web.Request) -> web.Response:
        return web.Response(text=BODY, headers={"Vary": "*"})

    app, cors = app_with({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/varying", varying))
    cors.add(app.router.add_get("/already", already))
    cors.add(app.router.add_get("/everything", everything))
    client = await aiohttp_client(app)
    response = await client.get("/varying", headers={"Origin": PAGE})
    assert response.headers.getall("Vary") == ["Accept-Encoding, Cookie, Origin"]
    response = await client.get("/already", headers={"Origin": PAGE})
    assert response.headers.getall("Vary") == ["origin"]
    response = await client.get("/everything")
    assert response.headers.getall("Vary") == ["*"]


async def test_preflight_answers_vary(aiohttp_client: Any) -> None:
    app, cors = app_with({PAGE: ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    for origin in (PAGE, OTHER):
        response = await client.options("/", headers=preflight(origin, "PUT", "x-a"))
        vary = response.headers["Vary"]
        assert {part.strip() for part in vary.split(",")} == {
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
            "Access-Control-Request-Private-Network",
        }


async def test_resources_without_cors_get_no_vary(aiohttp_client: Any) -> None:
    app, cors = app_with({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/cors", hello))
    app.router.add_get("/plain", hello)
    client = await aiohttp_client(app)
    response = await client.get("/plain", headers={"Origin": PAGE})
    assert "Vary" not in response.headers
    assert no_cors_headers(response.headers)


# --- handlers that set CORS headers themselves ---------------------------------------


async def self_serving(request: web.Request) -> web.Response:
    response = web.Response(text=BODY)
    response.headers.add(ACAO, "*")
    response.headers.add(ACAO, "https://evil.example")
    response.headers[ACAC] = "true"
    response.headers[ACEH] = "X-Secret"
    return response


async def test_handler_set_acao_is_replaced_for_allowed_origin(aiohttp_client: Any) -> None:
    app, cors = app_with({PAGE: ResourceOptions(expose_headers=("X-Payload-Id",))})
    cors.add(app.router.add_get("/", self_serving))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.status == 200
    assert await response.text() == BODY
    assert response.headers.getall(ACAO) == [PAGE]
    assert ACAC not in response.headers
    assert response.headers.getall(ACEH) == ["X-Payload-Id"]


async def test_handler_set_acao_is_removed_for_refused_origin(aiohttp_client: Any) -> None:
    app, cors = app_with({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", self_serving))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": OTHER})
    assert response.status == 200
    assert no_cors_headers(response.headers)


# --- the user's own OPTIONS handler ----------------------------------------------------


async def test_user_options_handler_kept_for_non_preflights(aiohttp_client: Any) -> None:
    async def my_options(request: web.Request) -> web.Response:
        return web.Response(text="my options", headers={"Allow": "GET, OPTIONS"})

    app, cors = app_with({PAGE: ResourceOptions()})
    resource = app.router.add_resource("/")
    cors.add(resource.add_route("GET", hello))
    resource.add_route("OPTIONS", my_options)
    client = await aiohttp_client(app)
    response = await client.options("/")
    assert response.status == 200
    assert await response.text() == "my options"
    response = await client.options("/", headers={"Origin": PAGE})
    assert await response.text() == "my options"
    assert response.headers[ACAO] == PAGE
    response = await client.options("/", headers=preflight(PAGE, "GET"))
    assert response.status == 200
    assert await response.text() == ""
    assert response.headers[ACAM] == "GET"


async def test_adding_resource_with_options_route_is_allowed(aiohttp_client: Any) -> None:
    async def my_options(request: web.Request) -> web.Response:
        return web.Response(text="mine")

    app, cors = app_with({PAGE: ResourceOptions(allow_methods="*")})
    route = app.router.add_route("OPTIONS", "/opt", my_options)
    cors.add(route.resource)
    client = await aiohttp_client(app)
    response = await client.options("/opt")
    assert await response.text() == "mine"
    response = await client.options("/opt", headers=preflight(PAGE, "OPTIONS"))
    assert response.status == 200
    assert response.headers[ACAM] == "OPTIONS"
    # A method the resource does not serve would get a 405: its preflight is refused.
    response = await client.options("/opt", headers=preflight(PAGE, "DELETE"))
    assert response.status == 403


# --- '*' routes and views ----------------------------------------------------------------


async def test_star_route(aiohttp_client: Any) -> None:
    async def anything(request: web.Request) -> web.Response:
        return web.Response(text=request.method)

    app, cors = app_with({PAGE: ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_route("*", "/any", anything))
    client = await aiohttp_client(app)
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        response = await client.options("/any", headers=preflight(PAGE, method, "x-token"))
        assert response.status == 200, await response.text()
        assert response.headers[ACAM] == method
        response = await client.request(method, "/any", headers={"Origin": PAGE})
        assert await response.text() == method
        assert response.headers[ACAO] == PAGE


async def test_view_without_mixin_gets_config_from_add(aiohttp_client: Any) -> None:
    class Plain(web.View):
        async def get(self) -> web.Response:
            return web.Response(text=BODY)

        async def post(self) -> web.Response:
            return web.Response(text="posted")

    app, cors = app_with()
    cors.add(app.router.add_view("/plain", Plain), {PAGE: ResourceOptions(allow_headers="*")})
    client = await aiohttp_client(app)
    response = await client.options("/plain", headers=preflight(PAGE, "POST", "content-type"))
    assert response.status == 200
    response = await client.post("/plain", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    assert await response.text() == "posted"


@pytest.mark.parametrize("mixin", [True, False])
async def test_view_preflight_for_missing_method_is_clean_403(
    aiohttp_client: Any, mixin: bool
) -> None:
    bases: tuple[type, ...] = (web.View, CorsViewMixin) if mixin else (web.View,)

    async def get(self: web.View) -> web.Response:
        return web.Response(text=BODY)

    view = type("OnlyGet", bases, {"get": get})
    app, cors = app_with({PAGE: ResourceOptions()})
    cors.add(app.router.add_view("/v", view), None if mixin else {PAGE: ResourceOptions()})
    client = await aiohttp_client(app)
    response = await client.options("/v", headers=preflight(PAGE, "DELETE"))
    assert response.status == 403
    assert "request method 'DELETE' is not allowed" in await response.text()
    response = await client.delete("/v", headers={"Origin": PAGE})
    assert response.status == 405


async def test_view_method_config_overrides_class_config(aiohttp_client: Any) -> None:
    class View(web.View, CorsViewMixin):
        cors_config = {PAGE: ResourceOptions()}

        async def get(self) -> web.Response:
            return web.Response(text=BODY)

        @aiohttp_cors.custom_cors({OTHER: ResourceOptions(allow_headers=("X-Extra",))})
        async def post(self) -> web.Response:
            return web.Response(text="posted")

    app, cors = app_with()
    cors.add(app.router.add_route("*", "/v", View))
    client = await aiohttp_client(app)
    response = await client.options("/v", headers=preflight(OTHER, "POST", "x-extra"))
    assert response.status == 200
    response = await client.options("/v", headers=preflight(OTHER, "GET"))
    assert response.status == 403
    response = await client.options("/v", headers=preflight(PAGE, "POST", "x-extra"))
    assert response.status == 403
    assert "headers are not allowed: X-EXTRA" in await response.text()


# --- methods and requested headers --------------------------------------------------------


async def test_requested_method_is_case_sensitive(aiohttp_client: Any) -> None:
    app, cors = app_with({PAGE: ResourceOptions(allow_methods=["PATCH", "put"])})
    cors.add(app.router.add_route("*", "/", hello))
    client = await aiohttp_client(app)
    response = await client.options("/", headers=preflight(PAGE, "PATCH"))
    assert response.status == 200
    assert response.headers[ACAM] == "PATCH"
    # A page that wrote fetch(url, {method: "patch"}) sends "patch": browsers compare it
    # case-sensitively with Access-Control-Allow-Methods, so must we.
    response = await client.options("/", headers=preflight(PAGE, "patch"))
    assert response.status == 403
    response = await client.options("/", headers=preflight(PAGE, "PUT"))
    assert response.status == 200


@pytest.mark.parametrize(
    "lines",
    [
        ["x-a,x-b"],
        ["X-A, X-B"],
        [" x-a ,, x-b ,"],
        ["x-a", "x-b"],
        ["x-b,x-a,X-A"],
    ],
)
async def test_requested_headers_parsed_leniently(aiohttp_client: Any, lines: list[str]) -> None:
    app, cors = app_with({PAGE: ResourceOptions(allow_headers=("X-A", "x-b"))})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    headers = [("Origin", PAGE), ("Access-Control-Request-Method", "PUT")]
    headers += [(ACRH, line) for line in lines]
    response = await client.options("/", headers=headers)
    assert response.status == 200, await response.text()
    assert set(response.headers[ACAH].split(",")) == {"x-a", "x-b"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (["," * 4000] * 3, "more than the limit of 8192"),
        (",".join(f"x-{i}" for i in range(300)), "more than 256 elements"),
        ("x-a,bad header", "not a header name"),
        ("x-a,bad:header", "not a header name"),
    ],
)
async def test_hostile_requested_headers_are_refused(
    aiohttp_client: Any, value: str | list[str], reason: str
) -> None:
    app, cors = app_with({PAGE: ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    # aiohttp itself refuses a single header line over 8190 bytes, so the oversized case
    # spreads its value over several lines, as a hostile client may.
    lines = value if isinstance(value, list) else [value]
    headers = [("Origin", PAGE), ("Access-Control-Request-Method", "PUT")]
    headers += [(ACRH, line) for line in lines]
    response = await client.options("/", headers=headers)
    assert response.status == 403
    assert reason in await response.text()
    assert no_cors_headers(response.headers)


async def test_allow_headers_star_echoes_authorization(aiohttp_client: Any) -> None:
    app, cors = app_with({PAGE: ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    response = await client.options("/", headers=preflight(PAGE, "PUT", "authorization,x-a"))
    assert response.status == 200
    # Named explicitly: browsers never let a literal "*" cover Authorization.
    assert response.headers[ACAH] == "authorization,x-a"


# --- exposing headers ------------------------------------------------------------------------


async def test_expose_all_lists_the_response_headers(aiohttp_client: Any) -> None:
    async def handler(request: web.Request) -> web.Response:
        response = web.Response(text=BODY, content_type="text/plain")
        response.headers["X-One"] = "1"
        response.headers["X-Two"] = "2"
        response.headers["Cache-Control"] = "no-store"
        response.set_cookie("session", "secret")
        return response

    app, cors = app_with({PAGE: ResourceOptions(expose_headers="*")})
    cors.add(app.router.add_get("/", handler))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    exposed = {name.lower() for name in response.headers[ACEH].split(",")}
    assert {"x-one", "x-two"} <= exposed
    # Already readable, never readable, or CORS's own: not listed.
    for name in ("cache-control", "content-type", "content-length", "set-cookie"):
        assert name not in exposed
    assert not any(name.startswith("access-control-") for name in exposed)


# --- errors raised by handlers ---------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 404, 500])
async def test_http_errors_carry_cors_headers(aiohttp_client: Any, status: int) -> None:
    async def failing(request: web.Request) -> web.Response:
        raise _error(status)

    app, cors = app_with({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", failing))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.status == status
    assert response.headers[ACAO] == PAGE


def _error(status: int) -> web.HTTPException:
    errors: dict[int, type[web.HTTPException]] = {
        401: web.HTTPUnauthorized,
        404: web.HTTPNotFound,
        500: web.HTTPInternalServerError,
    }
    return errors[status]()


async def test_unexpected_exception_gets_cors_headers(aiohttp_client: Any) -> None:
    async def crashing(request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    app, cors = app_with({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", crashing))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.status == 500


@pytest.mark.parametrize("method", ["", "G ET", "PUT,DELETE", "PUT;"])
async def test_requested_method_must_be_a_token(aiohttp_client: Any, method: str) -> None:
    app, cors = app_with({PAGE: ResourceOptions(allow_methods="*")})
    cors.add(app.router.add_get("/", hello))
    client = await aiohttp_client(app)
    response = await client.options("/", headers=preflight(PAGE, method))
    assert response.status == 403
    assert "is not a method name" in await response.text()
    assert no_cors_headers(response.headers)


async def test_resource_added_whole_enables_its_routes(aiohttp_client: Any, tmp_path: Any) -> None:
    (tmp_path / "file.txt").write_text("static")
    app, cors = app_with({PAGE: ResourceOptions(allow_headers=("X-Token",))})
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


async def test_view_405_is_readable(aiohttp_client: Any) -> None:
    class View(web.View, CorsViewMixin):
        cors_config = {PAGE: ResourceOptions()}

        async def get(self) -> web.Response:
            return web.Response(text=BODY)

    app, cors = app_with()
    cors.add(app.router.add_view("/v", View))
    client = await aiohttp_client(app)
    response = await client.delete("/v", headers={"Origin": PAGE})
    assert response.status == 405
    assert response.headers[ACAO] == PAGE
