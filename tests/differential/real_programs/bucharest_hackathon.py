"""Replays Ilie-Cristi/Bucharest-Hackathon-2024: server.py

Two ``app.add_routes`` calls (``web.get("/")`` and ``web.post("/enhance")``, a JSON POST),
then ``setup`` with the ``"*"``/credentials/``"*"`` headers entry and every route passed to
``cors.add``.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (
    ("/", ("GET", "POST")),
    ("/enhance", ("POST", "GET", "PUT")),
)


async def index(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def enhance(request: web.Request) -> web.Response:
    return web.json_response({"enhanced": ""})


def build() -> web.Application:
    app = web.Application()
    app.add_routes([web.get("/", index)])
    app.add_routes([web.post("/enhance", enhance)])
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
