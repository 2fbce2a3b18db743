"""Narrowing: ``inherit_defaults=False`` makes a config replace ``defaults`` (and the layers
below it) instead of being layered over them, as Quart-CORS's ``route_cors`` and
flask-cors's per-resource configs do; layering stays the default, as in 0.8.1."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions, custom_cors

from .helpers import ACAC, ACAO, hello, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient, Client

PARTNER = "https://partner.example"
ANYONE = "https://anyone.example"
PUBLIC = {"*": ResourceOptions(allow_methods="*")}
PARTNER_ONLY = {PARTNER: ResourceOptions(allow_credentials=True)}


async def readers(client: Client, path: str) -> set[str]:
    """Which of the two origins may read a GET of *path* (and pass its preflight)."""
    found = set()
    for origin in (PARTNER, ANYONE):
        response = await client.get(path, headers={"Origin": origin})
        preflight_response = await client.options(path, headers=preflight(origin, "GET"))
        if response.headers.get(ACAO) == origin:
            assert preflight_response.status == 200
            found.add(origin)
        else:
            assert preflight_response.status == 403
    return found


async def test_cors_add_route_narrows(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=PUBLIC)
    cors.add(app.router.add_get("/narrow", hello), PARTNER_ONLY, inherit_defaults=False)
    cors.add(app.router.add_get("/layered", hello), PARTNER_ONLY)
    client = await aiohttp_client(app)
    assert await readers(client, "/narrow") == {PARTNER}
    assert await readers(client, "/layered") == {PARTNER, ANYONE}
    response = await client.get("/narrow", headers={"Origin": PARTNER})
    assert response.headers[ACAC] == "true"


async def test_cors_add_resource_narrows(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=PUBLIC)
    resource = app.router.add_resource("/narrow")
    resource.add_route("GET", hello)
    cors.add(resource, PARTNER_ONLY, inherit_defaults=False)
    client = await aiohttp_client(app)
    assert await readers(client, "/narrow") == {PARTNER}


@pytest.mark.parametrize("all_routes", [False, True], ids=["per-route", "app-wide"])
async def test_custom_cors_narrows(aiohttp_client: AiohttpClient, all_routes: bool) -> None:
    @custom_cors(PARTNER_ONLY, inherit_defaults=False)
    async def narrow(request: web.Request) -> web.Response:
        return web.Response(text="narrow")

    @custom_cors(PARTNER_ONLY)
    async def layered(request: web.Request) -> web.Response:
        return web.Response(text="layered")

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=PUBLIC, all_routes=all_routes)
    routes = [app.router.add_get("/narrow", narrow), app.router.add_get("/layered", layered)]
    if not all_routes:
        for route in routes:
            cors.add(route)
    client = await aiohttp_client(app)
    assert await readers(client, "/narrow") == {PARTNER}
    assert await readers(client, "/layered") == {PARTNER, ANYONE}


class NarrowView(web.View, CorsViewMixin):
    cors_config = PARTNER_ONLY
    cors_inherit_defaults = False

    async def get(self) -> web.Response:
        return web.Response(text="view")


class LayeredView(web.View, CorsViewMixin):
    cors_config = PARTNER_ONLY

    async def get(self) -> web.Response:
        return web.Response(text="view")


@pytest.mark.parametrize("all_routes", [False, True], ids=["per-route", "app-wide"])
async def test_view_class_attribute_narrows(
    aiohttp_client: AiohttpClient, all_routes: bool
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=PUBLIC, all_routes=all_routes)
    routes = [
        app.router.add_view("/narrow", NarrowView),
        app.router.add_view("/layered", LayeredView),
    ]
    if not all_routes:
        for route in routes:
            cors.add(route)
    client = await aiohttp_client(app)
    assert await readers(client, "/narrow") == {PARTNER}
    assert await readers(client, "/layered") == {PARTNER, ANYONE}


async def test_a_narrowed_empty_config_closes_the_route(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=PUBLIC)
    cors.add(app.router.add_get("/closed", hello), {}, inherit_defaults=False)
    client = await aiohttp_client(app)
    assert await readers(client, "/closed") == set()
    response = await client.get("/closed", headers={"Origin": ANYONE})
    assert "Origin" in response.headers["Vary"]


def test_inherit_defaults_must_be_a_bool() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=PUBLIC)
    with pytest.raises(TypeError, match="inherit_defaults must be True or False"):
        cors.add(app.router.add_get("/", hello), PARTNER_ONLY, inherit_defaults="no")  # type: ignore[arg-type]
