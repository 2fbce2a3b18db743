"""Replays dimitriiy/diploma-videochat: backend/app/add_cors.py

The most common shape in public code: ``setup`` with a single ``"*"`` entry allowing
credentials and every request and response header, then ``cors.add(route)`` for every route
the application has, WebSocket signalling route included.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (
    ("/rooms", ("GET", "POST", "DELETE")),
    ("/rooms/42", ("GET", "PUT")),
)
WEBSOCKETS = ("/ws",)


async def rooms(request: web.Request) -> web.Response:
    return web.json_response([], headers={"X-Room-Count": "0"})


async def signalling(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    await socket.close()
    return socket


def add_cors(app: web.Application) -> None:
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
    app.router.add_get("/rooms", rooms)
    app.router.add_post("/rooms", rooms)
    app.router.add_get("/rooms/{id}", rooms)
    app.router.add_get("/ws", signalling)
    add_cors(app)
    return app
