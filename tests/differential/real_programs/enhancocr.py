"""Replays DemonXD/AIOHttp-enhancOCR: router/urls.py

``init_urls(app)``: ``setup`` with the ``"*"``/credentials/``"*"`` headers entry, then each
route added as it is registered: a GET health check, a GET WebSocket echo and two POST
upload endpoints.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (
    ("/ping", ("GET", "POST")),
    ("/api/ocr/fromfile", ("POST", "GET")),
    ("/api/ocr/fromb64", ("POST", "PUT")),
)
WEBSOCKETS = ("/echo",)


async def ping(request: web.Request) -> web.Response:
    return web.Response(text="pong")


async def echo(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    await socket.close()
    return socket


async def recognise(request: web.Request) -> web.Response:
    return web.json_response({"text": ""})


def init_urls(app: web.Application) -> web.Application:
    cors = aiohttp_cors.setup(
        app,
        defaults={
            "*": aiohttp_cors.ResourceOptions(
                allow_credentials=True, expose_headers="*", allow_headers="*"
            )
        },
    )
    cors.add(app.router.add_get("/ping", ping))
    cors.add(app.router.add_get("/echo", echo))
    cors.add(app.router.add_post("/api/ocr/fromfile", recognise))
    cors.add(app.router.add_post("/api/ocr/fromb64", recognise))
    return app


def build() -> web.Application:
    return init_urls(web.Application())
