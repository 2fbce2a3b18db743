"""Fixtures shared by the tests; their types, and the names and helpers the tests share, are
in tests/helpers.py.  With pytest-aiohttp's ``aiohttp_client`` (typed ``AiohttpClient``):

    async def test_x(aiohttp_client: AiohttpClient, cors_app: CorsAppFactory) -> None:
        app, cors = cors_app({PAGE: ResourceOptions()})
        cors.add(app.router.add_get("/", hello))
        client = await aiohttp_client(app)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors

from .helpers import CorsAppFactory, PayloadView, ShapedAppFactory, hello

if TYPE_CHECKING:
    from aiohttp.typedefs import Middleware

    from .helpers import CorsMapping


@pytest.fixture
def cors_app() -> CorsAppFactory:
    def build(
        defaults: CorsMapping | None = None,
        *,
        all_routes: bool = False,
        strict: bool = False,
        middlewares: Iterable[Middleware] = (),
    ) -> tuple[web.Application, aiohttp_cors.CorsConfig]:
        app = web.Application(middlewares=middlewares)
        cors = aiohttp_cors.setup(app, defaults=defaults, all_routes=all_routes, strict=strict)
        return app, cors

    return build


@pytest.fixture(params=["resource", "route", "view"])
def shaped_app(request: pytest.FixtureRequest) -> ShapedAppFactory:
    """The three ways aiohttp-cors 0.8.1 users register a handler; a test using this fixture
    runs once for each."""

    def build(defaults: CorsMapping | None, route_config: CorsMapping | None) -> web.Application:
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
