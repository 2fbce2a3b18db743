"""Narrowing: one route or view open to fewer origins than the application's defaults.

``defaults`` let the public site and the admin console call every route added with
``cors.add``.  A route's own config normally adds to the defaults; with
``inherit_defaults=False`` it replaces them, so the admin-only routes below refuse the
public site although the defaults allow it.

* ``cors.add(route, config, inherit_defaults=False)`` narrows a route (or a resource);
* ``cors_inherit_defaults = False`` narrows a ``CorsViewMixin`` view to its
  ``cors_config``;
* ``@custom_cors(config, inherit_defaults=False)`` narrows one handler (see
  examples/scoped_app_wide.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions

SITE_ORIGIN = "https://www.example.com"
ADMIN_ORIGIN = "https://admin.example.com"

ADMIN_ONLY = {ADMIN_ORIGIN: ResourceOptions(allow_credentials=True)}


async def list_products(request: web.Request) -> web.Response:
    return web.json_response([{"sku": "T-1", "name": "teapot"}])


async def list_users(request: web.Request) -> web.Response:
    return web.json_response([{"name": "ada"}])


class SettingsView(web.View, CorsViewMixin):
    # Only the admin console, whatever the defaults allow.
    cors_config: ClassVar[Mapping[str, ResourceOptions]] = {
        ADMIN_ORIGIN: ResourceOptions(allow_credentials=True, allow_headers=("Content-Type",)),
    }
    cors_inherit_defaults: ClassVar[bool] = False

    async def get(self) -> web.Response:
        return web.json_response({"theme": "dark"})

    async def put(self) -> web.Response:
        return web.json_response(await self.request.json())


def build_app() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(
        app,
        defaults={
            SITE_ORIGIN: ResourceOptions(),
            ADMIN_ORIGIN: ResourceOptions(allow_credentials=True),
        },
    )
    cors.add(app.router.add_get("/products", list_products))
    cors.add(app.router.add_get("/users", list_users), ADMIN_ONLY, inherit_defaults=False)
    cors.add(app.router.add_view("/settings", SettingsView))
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
