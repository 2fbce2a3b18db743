"""Replays RonanMM/TRIG: backend/server/start.py

Routes declared on a ``web.RouteTableDef`` in another module and installed with
``app.add_routes``, then ``setup`` with the ``"*"``/credentials/``"*"`` headers entry and a
loop passing every route of the router to ``cors.add``.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (
    ("/", ("GET", "POST")),
    ("/api/generate", ("POST", "GET")),
)

routes = web.RouteTableDef()


@routes.get("/")
async def index(request: web.Request) -> web.Response:
    return web.Response(text="trig")


@routes.post("/api/generate")
async def generate(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


def build() -> web.Application:
    app = web.Application()
    app.add_routes(routes)
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
