"""Replays home-assistant/core: homeassistant/components/http/cors.py

The shape of Home Assistant's CORS set-up: ``setup`` with one entry per configured origin
(the listed request headers, ``allow_methods="*"``), and a helper through which every view
registration passes its routes.  The helper ignores what is not a resource, a resource route
or a static resource, skips the ingress paths, and calls ``cors.add(route, config)`` only for
the *first* route of each path (remembered by ``resource.canonical``): a view serving several
methods on one path gets its first route added and the others not.  "Allow all" views pass
``{"*": ResourceOptions(<same headers>, allow_methods="*")}``; the others pass no config.
"""

from __future__ import annotations

import pathlib
from typing import Any

from aiohttp import web

import aiohttp_cors

HEADERS = ["Origin", "Accept", "X-Requested-With", "Content-Type", "Authorization"]
ORIGINS = ["https://cast.home-assistant.io", "https://a.example", "http://b.example:8080"]
TARGETS = (
    ("/api/states", ("GET", "POST", "DELETE")),
    ("/api/services/{domain}", ("POST", "GET")),
    ("/auth/token", ("POST", "DELETE", "GET")),
    ("/api/hassio_ingress/abc", ("GET", "POST")),
    ("/local/__init__.py", ("GET", "POST")),
)
WEBSOCKETS = ("/api/websocket",)


async def answer(request: web.Request) -> web.Response:
    return web.json_response({"method": request.method}, headers={"X-HA": "1"})


async def websocket(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    await socket.close()
    return socket


def build() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(
        app,
        defaults={
            origin: aiohttp_cors.ResourceOptions(allow_headers=HEADERS, allow_methods="*")
            for origin in ORIGINS
        },
    )
    added: set[str] = set()

    def allow_cors(entity: Any, config: Any = None) -> None:
        resource = entity.resource if isinstance(entity, web.AbstractRoute) else entity
        if not isinstance(resource, (web.Resource, web.StaticResource)):
            return
        if resource.canonical.startswith("/api/hassio_ingress/") or resource.canonical in added:
            return
        cors.add(entity, config)
        added.add(resource.canonical)

    allow_all = {"*": aiohttp_cors.ResourceOptions(allow_headers=HEADERS, allow_methods="*")}

    # A view registers one route per method it implements, then passes each to the helper.
    for method in ("GET", "POST"):
        allow_cors(app.router.add_route(method, "/api/states", answer))
    allow_cors(app.router.add_route("POST", "/api/services/{domain}", answer))
    for method in ("POST", "DELETE"):
        allow_cors(app.router.add_route(method, "/auth/token", answer), allow_all)
    allow_cors(app.router.add_route("GET", "/api/hassio_ingress/{token}", answer))
    allow_cors(app.router.add_route("GET", "/api/websocket", websocket))
    allow_cors(app.router.add_static("/local", pathlib.Path(web.__file__).parent))
    return app
