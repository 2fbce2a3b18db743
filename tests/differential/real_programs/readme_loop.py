"""Replays aio-libs/aiohttp-cors: README.rst

The README's "enable CORS for all added routes" example of 0.8.1: four routes of one path
registered with ``app.router.add_route`` (GET, PUT, POST, DELETE), ``setup`` with the
``"*"``/credentials/``"*"`` headers defaults, then every route of the router passed to
``cors.add``.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (("/hello", ("GET", "PUT", "POST", "DELETE", "PATCH")),)


async def handler(request: web.Request) -> web.Response:
    return web.Response(text=request.method, headers={"X-Custom-Server-Header": "1"})


def build() -> web.Application:
    app = web.Application()
    for method in ("GET", "PUT", "POST", "DELETE"):
        app.router.add_route(method, "/hello", handler)
    cors = aiohttp_cors.setup(
        app,
        defaults={
            "*": aiohttp_cors.ResourceOptions(
                allow_credentials=True, expose_headers="*", allow_headers="*"
            )
        },
    )
    for route in list(app.router.routes()):
        cors.add(route)
    return app
