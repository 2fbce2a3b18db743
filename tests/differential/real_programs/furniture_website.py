"""Replays Glstnd/Furniture-website: Backend/services/furniture/app/web/cors.py

A ``setup_cors(app)`` function of a catalogue service: the ``"*"`` entry with credentials,
``expose_headers="*"`` and ``allow_headers="*"``, and every route passed to ``cors.add``
after the routes were registered.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (
    ("/furniture", ("GET", "POST")),
    ("/furniture/7", ("GET", "PATCH", "DELETE")),
)


async def catalogue(request: web.Request) -> web.Response:
    return web.json_response({"items": []}, headers={"X-Total": "0"})


def setup_cors(app: web.Application) -> None:
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
    app.router.add_get("/furniture", catalogue)
    app.router.add_post("/furniture", catalogue)
    app.router.add_get("/furniture/{id}", catalogue)
    app.router.add_patch("/furniture/{id}", catalogue)
    app.router.add_delete("/furniture/{id}", catalogue)
    setup_cors(app)
    return app
