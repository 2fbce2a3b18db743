"""Class-based views through real apps: where a view's configuration comes from (the
``CorsViewMixin`` class, a method's ``custom_cors``, or ``cors.add``), and the answers for
methods the view does not have."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions

from .helpers import ACAO, BODY, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient, CorsAppFactory

PAGE = "https://page.example"
OTHER = "https://other.example"


def test_view_without_methods_is_refused() -> None:
    # 0.8.1 refused a bare web.View; a plain view with methods now uses the defaults like
    # any handler, and one that serves nothing is still refused.
    class Bare(web.View):
        pass

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions()})
    with pytest.raises(ValueError, match="defines no request method"):
        cors.add(app.router.add_route("*", "/", Bare))


async def test_view_without_mixin_gets_config_from_add(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    class Plain(web.View):
        async def get(self) -> web.Response:
            return web.Response(text=BODY)

        async def post(self) -> web.Response:
            return web.Response(text="posted")

    app, cors = cors_app()
    cors.add(app.router.add_view("/plain", Plain), {PAGE: ResourceOptions(allow_headers="*")})
    client = await aiohttp_client(app)
    response = await client.options("/plain", headers=preflight(PAGE, "POST", "content-type"))
    assert response.status == 200
    response = await client.post("/plain", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    assert await response.text() == "posted"


async def test_view_method_config_overrides_class_config(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    class View(web.View, CorsViewMixin):
        cors_config = {PAGE: ResourceOptions()}

        async def get(self) -> web.Response:
            return web.Response(text=BODY)

        @aiohttp_cors.custom_cors({OTHER: ResourceOptions(allow_headers=("X-Extra",))})
        async def post(self) -> web.Response:
            return web.Response(text="posted")

    app, cors = cors_app()
    cors.add(app.router.add_route("*", "/v", View))
    client = await aiohttp_client(app)
    response = await client.options("/v", headers=preflight(OTHER, "POST", "x-extra"))
    assert response.status == 200
    response = await client.options("/v", headers=preflight(OTHER, "GET"))
    assert response.status == 403
    response = await client.options("/v", headers=preflight(PAGE, "POST", "x-extra"))
    assert response.status == 403
    assert "headers are not allowed: X-EXTRA" in await response.text()


@pytest.mark.parametrize("mixin", [True, False])
async def test_view_preflight_for_missing_method_is_clean_403(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory, mixin: bool
) -> None:
    bases: tuple[type, ...] = (web.View, CorsViewMixin) if mixin else (web.View,)

    async def get(self: web.View) -> web.Response:
        return web.Response(text=BODY)

    view = type("OnlyGet", bases, {"get": get})
    app, cors = cors_app({PAGE: ResourceOptions()})
    cors.add(app.router.add_view("/v", view), None if mixin else {PAGE: ResourceOptions()})
    client = await aiohttp_client(app)
    response = await client.options("/v", headers=preflight(PAGE, "DELETE"))
    assert response.status == 403
    assert "request method 'DELETE' is not allowed" in await response.text()
    response = await client.delete("/v", headers={"Origin": PAGE})
    assert response.status == 405


async def test_view_405_is_readable(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    class View(web.View, CorsViewMixin):
        cors_config = {PAGE: ResourceOptions()}

        async def get(self) -> web.Response:
            return web.Response(text=BODY)

    app, cors = cors_app()
    cors.add(app.router.add_view("/v", View))
    client = await aiohttp_client(app)
    response = await client.delete("/v", headers={"Origin": PAGE})
    assert response.status == 405
    assert response.headers[ACAO] == PAGE
