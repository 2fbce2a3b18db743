"""How the layers of a config combine, as aiohttp-cors 0.8.1 itself answers (measured by
running the same programs under ``aiohttp-cors==0.8.1``; docs/configuration.rst, "How
layers combine", states the rules once).  Each test names the 0.8.1 behaviour it keeps
(``compat:``) and, where a real program relies on it, the program."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions, custom_cors

from .helpers import ACAC, ACAH, ACAO, ACEH, hello, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient

PAGE = "https://page.example"
CAST = "https://cast.example"
OTHER = "https://other.example"
PARTNER = "https://partner.example"
STRANGER = "https://stranger.example"
API_HEADERS = ["Origin", "Accept", "X-Requested-With", "Content-Type", "Authorization"]


async def test_the_method_of_an_added_route_is_admitted_whatever_allow_methods_lists(
    aiohttp_client: AiohttpClient,
) -> None:
    """compat: 0.8.1 admits the method of a route passed to ``cors.add`` even when an
    ``allow_methods`` list leaves it out (the list adds methods).  A real program added
    a DELETE route under ``allow_methods=["GET", "POST", "OPTIONS"]`` defaults."""
    app = web.Application()
    cors = aiohttp_cors.setup(
        app, defaults={"*": ResourceOptions(allow_headers="*", allow_methods=["GET", "POST"])}
    )
    cors.add(app.router.add_delete("/stream", hello))
    cors.add(app.router.add_route("*", "/anything", hello))
    client = await aiohttp_client(app)
    response = await client.options("/stream", headers=preflight(PAGE, "DELETE"))
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Methods"] == "DELETE"
    response = await client.delete("/stream", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    # A '*' route serves every method: there the list is what limits the preflight.
    response = await client.options("/anything", headers=preflight(PAGE, "POST"))
    assert response.status == 200
    response = await client.options("/anything", headers=preflight(PAGE, "PUT"))
    assert response.status == 403
    assert "request method 'PUT' is not allowed" in await response.text()


async def test_home_assistant_first_route_config_serves_the_whole_path(
    aiohttp_client: AiohttpClient,
) -> None:
    """compat: ``cors.add(route, config)`` on a resource without a config of its own
    makes *config* the resource's too, so the path's other methods answer with it.

    Replays home-assistant/core, homeassistant/components/http/cors.py: it passes only
    the first route of each path, with ``{"*": ResourceOptions(allow_headers=...,
    allow_methods="*")}`` for views open to all, or with no config for the others.
    """
    app = web.Application()
    only_cast = {CAST: ResourceOptions(allow_headers=API_HEADERS, allow_methods="*")}
    cors = aiohttp_cors.setup(app, defaults=only_cast)
    open_to_all = {"*": ResourceOptions(allow_headers=API_HEADERS, allow_methods="*")}
    states = app.router.add_resource("/api/states")
    first = states.add_route("GET", hello)
    states.add_route("POST", hello)
    states.add_route("DELETE", hello)
    cors.add(first, open_to_all)
    config = app.router.add_resource("/api/config")
    cors.add(config.add_route("GET", hello))
    config.add_route("POST", hello)
    client = await aiohttp_client(app)
    for method in ("GET", "POST", "DELETE"):
        response = await client.options(
            "/api/states", headers=preflight(OTHER, method, "content-type,authorization")
        )
        assert response.status == 200, method
        assert response.headers[ACAH] == "CONTENT-TYPE,AUTHORIZATION"
        response = await client.request(method, "/api/states", headers={"Origin": OTHER})
        assert response.headers[ACAO] == OTHER, method
    for method in ("GET", "POST"):
        response = await client.options("/api/config", headers=preflight(CAST, method))
        assert response.status == 200, method
        response = await client.options("/api/config", headers=preflight(OTHER, method))
        assert response.status == 403, method
        response = await client.request(method, "/api/config", headers={"Origin": CAST})
        assert response.headers[ACAO] == CAST


async def test_later_routes_layer_over_the_first_routes_config(
    aiohttp_client: AiohttpClient,
) -> None:
    """compat: a second route's config layers over the resource's (the first route's);
    a method never added answers with the resource's, and ``allow_methods=None`` admits
    it on preflight only if its route was added."""
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    resource = app.router.add_resource("/x")
    get = resource.add_route("GET", hello)
    post = resource.add_route("POST", hello)
    resource.add_route("PUT", hello)
    cors.add(get, {PAGE: ResourceOptions(expose_headers=["X-Custom"])})
    cors.add(post, {PARTNER: ResourceOptions()})
    client = await aiohttp_client(app)
    expected = {
        # (origin, method): (preflight status, readable)
        (PAGE, "GET"): (200, True),
        (PAGE, "POST"): (200, True),
        (PAGE, "PUT"): (403, True),
        (PARTNER, "GET"): (403, False),
        (PARTNER, "POST"): (200, True),
        (PARTNER, "PUT"): (403, False),
    }
    for (origin, method), (status, readable) in expected.items():
        response = await client.options("/x", headers=preflight(origin, method))
        assert response.status == status, (origin, method)
        response = await client.request(method, "/x", headers={"Origin": origin})
        assert (response.headers.get(ACAO) == origin) is readable, (origin, method)
    response = await client.put("/x", headers={"Origin": PAGE})
    assert response.headers[ACEH] == "X-Custom"


class TrustedOnlyView(web.View, CorsViewMixin):
    """A view choosing its config per request, as 0.8.1's users were told to."""

    @classmethod
    def get_request_config(cls, request: web.Request, request_method: str) -> Mapping[Any, Any]:
        if request.headers.get("Origin") == PARTNER:
            return {PARTNER: ResourceOptions(allow_credentials=True)}
        return {}

    async def get(self) -> web.Response:
        return web.Response(text="v")

    async def post(self) -> web.Response:
        return web.Response(text="v")


class InstanceOverrideView(web.View, CorsViewMixin):
    """The same decision written as a plain method (0.8.1 called it on the class for
    actual responses, so only a classmethod worked there; both work here)."""

    def get_request_config(  # type: ignore[override]
        self, request: web.Request, request_method: str
    ) -> Mapping[Any, Any]:
        return TrustedOnlyView.get_request_config(request, request_method)

    async def get(self) -> web.Response:
        return web.Response(text="v")


@pytest.mark.parametrize("view", [TrustedOnlyView, InstanceOverrideView])
async def test_an_overridden_get_request_config_decides(
    aiohttp_client: AiohttpClient, view: type[web.View]
) -> None:
    """compat: an override of ``CorsViewMixin.get_request_config`` is honoured.  What it
    returns is the whole config of the request: ``{}`` refuses a stranger even under
    ``"*"`` defaults with credentials (0.8.1 refused the preflight but still admitted a
    simple request by its defaults; see migration.rst)."""
    app = web.Application()
    with pytest.warns(aiohttp_cors.CorsSecurityWarning):
        cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_credentials=True)})
    cors.add(app.router.add_route("*", "/v", view))
    client = await aiohttp_client(app)
    response = await client.options("/v", headers=preflight(PARTNER, "GET"))
    assert response.status == 200
    assert response.headers[ACAC] == "true"
    response = await client.get("/v", headers={"Origin": PARTNER})
    assert response.headers[ACAO] == PARTNER
    response = await client.options("/v", headers=preflight(STRANGER, "GET"))
    assert response.status == 403
    assert "no origins are allowed" in await response.text()
    response = await client.get("/v", headers={"Origin": STRANGER})
    assert response.status == 200
    assert ACAO not in response.headers


class BrokenOverrideView(web.View, CorsViewMixin):
    @classmethod
    def get_request_config(cls, request: web.Request, request_method: str) -> Mapping[Any, Any]:
        if request.headers.get("Origin") == OTHER:
            return ["not", "a", "mapping"]  # type: ignore[return-value]
        raise RuntimeError("the partner database is down")

    async def get(self) -> web.Response:
        return web.Response(text="v")


async def test_a_failing_override_refuses_cleanly(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    """An override that raises or returns garbage refuses the request (logged), never a
    500 or a dropped connection (0.8.1 answered 500)."""
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions()})
    cors.add(app.router.add_route("*", "/v", BrokenOverrideView))
    client = await aiohttp_client(app)
    for origin in (PARTNER, OTHER):
        response = await client.options("/v", headers=preflight(origin, "GET"))
        assert response.status == 403
        response = await client.get("/v", headers={"Origin": origin})
        assert response.status == 200
        assert ACAO not in response.headers
    assert "the request is refused" in caplog.text


class SubAppView(web.View, CorsViewMixin):
    cors_config = {PARTNER: ResourceOptions(allow_credentials=True)}

    @classmethod
    def get_request_config(cls, request: web.Request, request_method: str) -> Mapping[Any, Any]:
        return super().get_request_config(request, request_method)

    @custom_cors({OTHER: ResourceOptions()})
    async def get(self) -> web.Response:
        return web.Response(text="w")


async def test_get_request_config_in_a_sub_application(aiohttp_client: AiohttpClient) -> None:
    """FIX: ``get_request_config`` reads the configuration that decides for the request
    (a parent's setup for a view in a sub-application without one); 0.8.1 read
    ``request.app`` and answered 500."""
    app = web.Application()
    sub = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    cors.add(sub.router.add_route("*", "/w", SubAppView))
    app.add_subapp("/sub", sub)
    client = await aiohttp_client(app)
    for origin, credentials in ((PARTNER, "true"), (OTHER, None), (PAGE, None)):
        response = await client.options("/sub/w", headers=preflight(origin, "GET"))
        assert response.status == 200, origin
        assert response.headers.get(ACAC) == credentials
        response = await client.get("/sub/w", headers={"Origin": origin})
        assert response.headers[ACAO] == origin
    response = await client.get("/sub/w", headers={"Origin": STRANGER})
    assert ACAO not in response.headers


async def test_setup_in_an_on_startup_handler_is_a_clear_error(
    aiohttp_client: AiohttpClient,
) -> None:
    """``setup()`` called from ``on_startup`` raises the plugin's RuntimeError, not
    aiohttp's "Cannot modify frozen list." (aiohttp 3.14 has not frozen the app yet)."""
    app = web.Application()
    raised: list[BaseException] = []

    async def configure_late(app: web.Application) -> None:
        try:
            aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
        except RuntimeError as exc:
            raised.append(exc)

    app.on_startup.append(configure_late)
    await aiohttp_client(app)
    assert len(raised) == 1
    assert re.search(r"must run before the application starts", str(raised[0]))


def test_cors_add_returns_what_it_was_given_with_its_type() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    route = cors.add(app.router.add_get("/r", hello))
    resource = cors.add(app.router.add_resource("/res"))
    static = cors.add(app.router.add_static("/static", "."))
    if TYPE_CHECKING:
        from typing_extensions import assert_type

        assert_type(route, web.AbstractRoute)
        assert_type(resource, web.Resource)
        assert_type(static, web.AbstractResource)
    assert isinstance(route, web.AbstractRoute)
    assert isinstance(resource, web.Resource)
    assert isinstance(static, web.StaticResource)


class PlainView(web.View, CorsViewMixin):
    async def get(self) -> web.Response:
        return web.Response(text="v")


async def test_a_view_works_with_corsconfig_made_without_setup(
    aiohttp_client: AiohttpClient,
) -> None:
    """FIX: with ``CorsConfig(app)`` made directly (no ``APP_CONFIG_KEY``), 0.8.1's views
    answered 500; here they answer, and a plain ``OPTIONS`` keeps 0.8.1's 403 texts."""
    app = web.Application()
    cors = aiohttp_cors.CorsConfig(app, defaults={PAGE: ResourceOptions()})
    cors.add(app.router.add_route("*", "/v", PlainView))
    client = await aiohttp_client(app)
    response = await client.options("/v")
    assert response.status == 403
    assert await response.text() == (
        "CORS preflight request failed: origin header is not specified in the request"
    )
    response = await client.options("/v", headers={"Origin": PAGE})
    assert "'Access-Control-Request-Method' header is not specified" in await response.text()
    response = await client.options("/v", headers=preflight(PAGE, "GET"))
    assert response.status == 200
    response = await client.get("/v", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE


class GetOnlyOverrideView(web.View, CorsViewMixin):
    """An override that says, as 0.8.1's own did, that it does not serve a method."""

    @classmethod
    def get_request_config(cls, request: web.Request, request_method: str) -> Mapping[Any, Any]:
        if request_method != "GET":
            raise KeyError(request_method)
        return {PARTNER: ResourceOptions()}

    async def get(self) -> web.Response:
        return web.Response(text="v")

    async def post(self) -> web.Response:
        return web.Response(text="v")


async def test_an_override_raising_key_error_refuses_the_method(
    aiohttp_client: AiohttpClient,
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_route("*", "/v", GetOnlyOverrideView))
    client = await aiohttp_client(app)
    response = await client.options("/v", headers=preflight(PARTNER, "GET"))
    assert response.status == 200
    response = await client.options("/v", headers=preflight(PARTNER, "POST"))
    assert response.status == 403
    assert "request method 'POST' is not allowed" in await response.text()
