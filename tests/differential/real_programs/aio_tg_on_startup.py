"""Replays raisultan/aio-tg: app/routes.py

The same ``setup_routes(app)`` as aio_tg.py, registered as an ``on_startup`` handler: CORS
is configured after the application started, which both packages refuse when the server
starts (0.8.1 with aiohttp's "Cannot modify frozen list.", ours with its own message).
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (("/hello", ("GET",)),)


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="Hello")


async def setup_routes(app: web.Application) -> None:
    cors = aiohttp_cors.setup(
        app,
        defaults={
            "*": aiohttp_cors.ResourceOptions(
                allow_credentials=True, expose_headers="*", allow_headers="*"
            )
        },
    )
    cors.add(app.router.add_get("/hello", hello))


def build() -> web.Application:
    app = web.Application()
    app.on_startup.append(setup_routes)
    return app
