"""aiohttp-cors 0.8.1 behaviour that existing code relies on, through real apps.

Each test runs against the three ways 0.8.1 users register a handler: a resource plus a
route, a plain route, and a ``web.View`` with ``CorsViewMixin`` on a ``'*'`` route.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions

from .helpers import (
    ACAC,
    ACAH,
    ACAM,
    ACAO,
    ACEH,
    ACMA,
    BODY,
    hello,
    no_cors_headers,
    preflight,
)

# The configurations drawn here include insecure ones on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp_cors.CorsSecurityWarning")

PAGE = "http://page.example"
OTHER = "http://other.example"

AppFactory = Callable[[Any, Any], web.Application]


class PayloadView(web.View, CorsViewMixin):
    async def get(self) -> web.Response:
        return await hello(self.request)


@pytest.fixture(params=["resource", "route", "view"])
def make_app(request: pytest.FixtureRequest) -> AppFactory:
    def build(defaults: Any, route_config: Any) -> web.Application:
        app = web.Application()
        cors = aiohttp_cors.setup(app, defaults=defaults)
        if request.param == "resource":
            resource = cors.add(app.router.add_resource("/data"))
            cors.add(resource.add_route("GET", hello), route_config)
        elif request.param == "route":
            cors.add(app.router.add_route("GET", "/data", hello), route_config)
        else:
            view = type("View", (PayloadView,), {"cors_config": route_config})
            cors.add(app.router.add_route("*", "/data", view))
        return app

    return build


async def test_plain_setup_changes_nothing(aiohttp_client: Any) -> None:
    app = web.Application()
    aiohttp_cors.setup(app)
    app.router.add_get("/", hello)
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.status == 200
    assert await response.text() == BODY
    assert no_cors_headers(response.headers)
    assert "Vary" not in response.headers


@pytest.mark.parametrize(
    ("origin", "readable"),
    [
        (None, False),
        (PAGE, True),
        (OTHER, False),
        ("http://page.example:80", False),  # origins compare as strings
        ("https://page.example", False),  # another scheme is another origin
    ],
)
async def test_actual_request(
    aiohttp_client: Any, make_app: AppFactory, origin: str | None, readable: bool
) -> None:
    client = await aiohttp_client(make_app(None, {PAGE: ResourceOptions()}))
    response = await client.get("/data", headers={"Origin": origin} if origin else {})
    assert response.status == 200
    assert await response.text() == BODY
    if readable:
        assert response.headers[ACAO] == PAGE
        assert ACAC not in response.headers
        assert ACEH not in response.headers
    else:
        assert no_cors_headers(response.headers)


@pytest.mark.parametrize("where", ["route", "defaults"])
async def test_credentials(aiohttp_client: Any, make_app: AppFactory, where: str) -> None:
    config = {PAGE: ResourceOptions(allow_credentials=True)}
    app = make_app(None, config) if where == "route" else make_app(config, None)
    client = await aiohttp_client(app)
    response = await client.get("/data", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    assert response.headers[ACAC] == "true"
    assert ACEH not in response.headers
    response = await client.get("/data", headers={"Origin": OTHER})
    assert no_cors_headers(response.headers)
    response = await client.get("/data")
    assert no_cors_headers(response.headers)


async def test_expose_headers(aiohttp_client: Any, make_app: AppFactory) -> None:
    client = await aiohttp_client(
        make_app(None, {PAGE: ResourceOptions(expose_headers=("X-Payload-Id",))})
    )
    response = await client.get("/data", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    assert response.headers[ACEH] == "X-Payload-Id"
    assert ACAC not in response.headers
    response = await client.get("/data", headers={"Origin": OTHER})
    assert no_cors_headers(response.headers)


@pytest.mark.parametrize(
    ("headers", "status", "text"),
    [
        ({}, 403, "CORS preflight request failed: origin header is not specified in the request"),
        (
            preflight(PAGE, None),
            403,
            "CORS preflight request failed: 'Access-Control-Request-Method' header is not "
            "specified",
        ),
        (
            preflight(OTHER, "GET"),
            403,
            "CORS preflight request failed: origin 'http://other.example' is not allowed",
        ),
        (
            preflight(PAGE, "POST"),
            403,
            "CORS preflight request failed: request method 'POST' is not allowed for "
            "'http://page.example' origin",
        ),
        (preflight(PAGE, "GET"), 200, ""),
    ],
)
async def test_preflight_verdicts(
    aiohttp_client: Any, make_app: AppFactory, headers: dict[str, str], status: int, text: str
) -> None:
    client = await aiohttp_client(make_app(None, {PAGE: ResourceOptions()}))
    response = await client.options("/data", headers=headers)
    assert response.status == status
    body = await response.text()
    if status == 200:
        assert body == ""
        assert response.headers[ACAO] == PAGE
        assert response.headers[ACAM] == "GET"
        for name in (ACAC, ACMA, ACEH, ACAH):
            assert name not in response.headers
    else:
        assert text in body
        assert response.content_type == "text/plain"
        assert no_cors_headers(response.headers)


async def test_no_origins_allowed(aiohttp_client: Any) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/data", hello))
    client = await aiohttp_client(app)
    response = await client.options("/data", headers=preflight(PAGE, "GET"))
    assert response.status == 403
    assert "CORS preflight request failed: no origins are allowed" in await response.text()


OPEN_DEFAULTS = {
    "*": ResourceOptions(allow_credentials=False, expose_headers="*", allow_headers="*")
}


async def test_same_dynamic_path_routes_share_one_preflight(aiohttp_client: Any) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=OPEN_DEFAULTS)
    cors.add(app.router.add_route("GET", "/{name}", hello))
    cors.add(app.router.add_route("PUT", "/{name}", hello))
    client = await aiohttp_client(app)
    for method in ("GET", "PUT"):
        response = await client.options("/user", headers=preflight(PAGE, method))
        assert response.status == 200
        assert await response.text() == ""
        assert response.headers[ACAM] == method


async def test_max_age(aiohttp_client: Any) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_headers="*", max_age=1200)})

    class View(web.View, CorsViewMixin):
        async def get(self) -> web.Response:
            return web.Response(text=BODY)

    resource = cors.add(app.router.add_resource("/res/{name}"))
    cors.add(resource.add_route("GET", hello))
    cors.add(app.router.add_route("*", "/view/{name}", View))
    client = await aiohttp_client(app)
    for path in ("/res/a", "/view/a"):
        response = await client.options(path, headers=preflight(PAGE, "GET"))
        assert response.status == 200
        assert response.headers[ACMA] == "1200"


@pytest.mark.parametrize("shape", ["view", "route", "resource"])
async def test_requested_headers(aiohttp_client: Any, shape: str) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(
        app, defaults={"*": ResourceOptions(allow_headers=("Content-Type", "X-Header"))}
    )

    class View(web.View, CorsViewMixin):
        async def put(self) -> web.Response:
            return web.Response(text=BODY)

    if shape == "view":
        cors.add(app.router.add_route("*", "/", View))
    elif shape == "route":
        cors.add(app.router.add_route("PUT", "/", hello))
    else:
        resource = cors.add(app.router.add_resource("/"))
        cors.add(resource.add_route("PUT", hello))
    client = await aiohttp_client(app)

    response = await client.options("/", headers=preflight(PAGE, "PUT", "content-type"))
    assert response.status == 200
    assert await response.text() == ""
    assert response.headers[ACAH].upper() == "CONTENT-TYPE"

    response = await client.options("/", headers=preflight(PAGE, "PUT", "X-Header,content-type"))
    assert response.status == 200
    assert set(response.headers[ACAH].upper().split(",")) == {"X-HEADER", "CONTENT-TYPE"}

    response = await client.options("/", headers=preflight(PAGE, "PUT", "content-type,Test"))
    assert response.status == 403
    assert ACAH not in response.headers
    assert "headers are not allowed: TEST" in await response.text()


async def test_static_resource(aiohttp_client: Any, tmp_path: Any) -> None:
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
        "/static/page.html", headers=preflight(PAGE, "OPTIONS", "content-type")
    )
    assert response.status == 200
    assert await response.text() == ""
    response = await client.get("/static/page.html", headers={"Origin": PAGE})
    assert response.status == 200
    assert response.headers[ACAO] == PAGE
    assert await response.text() == "<p>hi</p>"


def test_adding_cors_creates_no_named_routes() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions()})
    route = app.router.add_route("GET", "/{name}", hello, name="named")
    static = app.router.add_static("/files", "/", name="files")
    cors.add(route)
    cors.add(static)
    assert sorted(app.router.keys()) == ["files", "named"]


def test_webview_flag_is_deprecated() -> None:
    app = web.Application()
    cors = aiohttp_cors.CorsConfig(app, defaults={"*": ResourceOptions()})
    route = app.router.add_route("*", "/", PayloadView)
    with pytest.warns(DeprecationWarning):
        cors.add(route, webview=True)


def test_view_without_methods_is_refused() -> None:
    # 0.8.1 refused a bare web.View; a plain view with methods now uses the defaults like
    # any handler, and one that serves nothing is still refused.
    class Bare(web.View):
        pass

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions()})
    with pytest.raises(ValueError, match="defines no request method"):
        cors.add(app.router.add_route("*", "/", Bare))


def test_setup_stores_config_under_app_key() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    assert app[aiohttp_cors.APP_CONFIG_KEY] is cors
    assert isinstance(cors, aiohttp_cors.CorsConfig)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("not a mapping", "Config must be mapping, got 'not a mapping'"),
        ({1: ResourceOptions()}, "Origin must be string, got 1"),
        (
            {PAGE: 5},
            "Origin options must be either aiohttp_cors.ResourceOptions instance or mapping",
        ),
        (
            {PAGE: {"allow_credentials": True, "colour": 1, "age": 2}},
            "Unexpected keywords in resource options: age,colour",
        ),
    ],
)
def test_config_errors_keep_their_text(config: Any, message: str) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    with pytest.raises(ValueError) as caught:
        cors.add(app.router.add_get("/", hello), config)
    assert message in str(caught.value)


def test_mapping_options_accept_allow_methods() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/", hello), {PAGE: {"allow_methods": ["GET", "PUT"]}})


def test_registration_errors() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions()})
    resource = app.router.add_resource("/a")
    route = resource.add_route("GET", hello)
    cors.add(route)
    with pytest.raises(ValueError, match="already configured for route"):
        cors.add(route)
    with pytest.raises(ValueError, match="add the resource before its routes"):
        cors.add(resource)
    other = app.router.add_resource("/b")
    cors.add(other)
    with pytest.raises(ValueError, match="already configured for resource"):
        cors.add(other)
    with pytest.raises(ValueError, match="Resource or route expected"):
        cors.add("/c")


async def test_configuration_is_frozen_once_the_app_starts(aiohttp_client: Any) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    late = app.router.add_get("/late", hello)
    await aiohttp_client(app)
    with pytest.raises(RuntimeError, match="has started"):
        cors.add(late)
    with pytest.raises(RuntimeError, match="has started"):
        cors.defaults = {OTHER: ResourceOptions()}


async def test_configuring_from_a_later_startup_handler_is_refused(aiohttp_client: Any) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    late = app.router.add_get("/late", hello)
    refused: list[Exception] = []

    async def configure_late(app: web.Application) -> None:
        try:
            cors.add(late)
        except RuntimeError as exc:
            refused.append(exc)

    app.on_startup.append(configure_late)  # runs after the plugin compiled its policies
    await aiohttp_client(app)
    assert len(refused) == 1
    assert "has started" in str(refused[0])
