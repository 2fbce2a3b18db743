"""Replays aio-libs/aiohttp-cors: README.rst

What users copy from aiohttp-cors 0.8.1's README (its version as published with 0.8.1):
``setup`` with the ``"*"``/credentials/``"*"`` headers defaults; a resource passed to
``cors.add`` and each of its routes passed too; the "old routes API" example, a GET route
added with a configuration naming one client origin (credentials, an exposed header, two
allowed headers, ``max_age=3600``); and the ``CorsViewMixin`` view with ``cors_config`` and
``@custom_cors`` on ``post``, added through a ``"*"`` route with ``webview=True``.  The
README writes the view's ``allow_headers`` as a bare string, which 0.8.1 refuses; users who
got it working wrote a tuple, as here.  readme_loop.py replays the "every route" example.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions, custom_cors

CLIENT = "https://a.example"
TARGETS = (
    ("/hello", ("GET", "PUT", "POST", "DELETE", "PATCH")),
    ("/greeting", ("GET", "PUT")),
    ("/resource", ("GET", "POST", "DELETE")),
)


async def handler(request: web.Request) -> web.Response:
    return web.Response(text="Hello!", headers={"X-Custom-Server-Header": "Custom data"})


class CorsView(web.View, CorsViewMixin):
    cors_config = {
        "*": ResourceOptions(allow_credentials=True, allow_headers=("X-Request-ID",)),
    }

    async def get(self) -> web.Response:
        return web.Response(text="Done")

    @custom_cors({"*": ResourceOptions(allow_credentials=True, allow_headers="*")})
    async def post(self) -> web.Response:
        return web.Response(text="Done")


def build() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(
        app,
        defaults={
            "*": aiohttp_cors.ResourceOptions(
                allow_credentials=True, expose_headers="*", allow_headers="*"
            )
        },
    )
    resource = cors.add(app.router.add_resource("/hello"))
    cors.add(resource.add_route("GET", handler))
    cors.add(resource.add_route("PUT", handler))
    cors.add(resource.add_route("POST", handler))
    cors.add(resource.add_route("DELETE", handler))
    cors.add(
        app.router.add_route("GET", "/greeting", handler),
        {
            CLIENT: ResourceOptions(
                allow_credentials=True,
                expose_headers=("X-Custom-Server-Header",),
                allow_headers=("X-Requested-With", "Content-Type"),
                max_age=3600,
            )
        },
    )
    cors.add(app.router.add_route("*", "/resource", CorsView), webview=True)
    return app
