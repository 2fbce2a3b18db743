"""Replays santolucito/santolucito.github.io: COMS3430/spring2026/phonecontrol/cors_helper.py

A helper ``enableCORS(app)`` called after the routes are registered: ``setup`` with the
``"*"``/credentials/``"*"`` headers entry and every route passed to ``cors.add``.  A phone
page posts sensor readings and a laptop page reads them.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (
    ("/", ("GET", "POST")),
    ("/sensor", ("POST", "GET", "PUT")),
)


async def page(request: web.Request) -> web.Response:
    return web.Response(text="<html></html>", content_type="text/html")


async def sensor(request: web.Request) -> web.Response:
    return web.json_response({"stored": True})


def enableCORS(app: web.Application) -> None:
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


def build() -> web.Application:
    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_post("/sensor", sensor)
    app.router.add_get("/sensor", sensor)
    enableCORS(app)
    return app
