"""CORS inside a sub-application mounted under a prefix.

Each application that has routes needing CORS gets its own ``setup()`` call, with its
own defaults.  Here only the ``/api/v1`` sub-application is open to the web page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions

APP_ORIGIN = "https://app.example.com"


async def list_users(request: web.Request) -> web.Response:
    return web.json_response([{"name": "ada"}, {"name": "grace"}])


class ProfileView(web.View, CorsViewMixin):
    cors_config: ClassVar[Mapping[str, ResourceOptions]] = {
        APP_ORIGIN: ResourceOptions(allow_credentials=True)
    }

    async def get(self) -> web.Response:
        return web.json_response({"name": self.request.match_info["name"]})


async def home(request: web.Request) -> web.Response:
    return web.Response(text="the main application; no CORS here")


def build_api() -> web.Application:
    api = web.Application()
    cors = aiohttp_cors.setup(api, defaults={APP_ORIGIN: ResourceOptions(allow_credentials=True)})
    cors.add(api.router.add_get("/users", list_users))
    cors.add(api.router.add_view("/users/{name}", ProfileView))
    return api


def build_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/", home)
    app.add_subapp("/api/v1", build_api())
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
