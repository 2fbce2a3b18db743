"""Replays gmork2/vuegram: vuegram/routes.py

``setup_routes(app)`` configures CORS with the ``"*"``/credentials/``"*"`` headers entry,
registers a named static resource (``add_static("/static/", ..., name="static")``) and the
API routes, and passes every route to ``cors.add``, the static resource's route included.
"""

from __future__ import annotations

import pathlib

from aiohttp import web

import aiohttp_cors

TARGETS = (
    ("/api/posts", ("GET", "POST")),
    ("/api/posts/3/like", ("POST", "DELETE")),
    ("/static/__init__.py", ("GET", "POST")),
)


async def posts(request: web.Request) -> web.Response:
    return web.json_response([], headers={"X-Page": "1"})


def setup_routes(app: web.Application) -> None:
    cors = aiohttp_cors.setup(
        app,
        defaults={
            "*": aiohttp_cors.ResourceOptions(
                allow_credentials=True, expose_headers="*", allow_headers="*"
            )
        },
    )
    app.router.add_static("/static/", path=pathlib.Path(web.__file__).parent, name="static")
    app.router.add_get("/api/posts", posts)
    app.router.add_post("/api/posts", posts)
    app.router.add_post("/api/posts/{id}/like", posts)
    for route in list(app.router.routes()):
        cors.add(route)


def build() -> web.Application:
    app = web.Application()
    setup_routes(app)
    return app
