"""Replays raisultan/aio-tg: app/routes.py

An ``async def setup_routes(app)`` that calls ``setup`` with the ``"*"``/credentials/``"*"``
headers entry and adds one route with ``cors.add(app.router.add_get("/hello", handler))``.
Replayed as called while the application is built (the usual way); aio_tg_on_startup.py
replays the call from ``on_startup``.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (("/hello", ("GET", "POST")),)


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


async def build() -> web.Application:
    # web.run_app accepts a coroutine that returns the application, like this one.
    app = web.Application()
    await setup_routes(app)
    return app
