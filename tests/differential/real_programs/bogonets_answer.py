"""Replays bogonets/answer: core/recc/http/http_cors.py

``from aiohttp_cors import CorsConfig, ResourceOptions, setup``; a ``create_cors(app)`` that
calls ``setup`` with a ``"*"`` entry spelling out every option (credentials,
``expose_headers="*"``, ``allow_headers="*"``, ``max_age=None``, ``allow_methods=None``),
passes every route to ``cors.add`` and returns the configuration.
"""

from __future__ import annotations

from aiohttp import web

from aiohttp_cors import CorsConfig, ResourceOptions, setup

TARGETS = (
    ("/api/v2/public/heartbeat", ("GET", "POST")),
    ("/api/v2/user/login", ("POST", "GET", "DELETE")),
)


async def endpoint(request: web.Request) -> web.Response:
    return web.json_response({}, headers={"X-Request-Id": "1"})


def create_cors(app: web.Application) -> CorsConfig:
    cors = setup(
        app,
        defaults={
            "*": ResourceOptions(
                allow_credentials=True,
                expose_headers="*",
                allow_headers="*",
                max_age=None,
                allow_methods=None,
            )
        },
    )
    for route in list(app.router.routes()):
        cors.add(route)
    return cors


def build() -> web.Application:
    app = web.Application()
    app.router.add_get("/api/v2/public/heartbeat", endpoint)
    app.router.add_post("/api/v2/user/login", endpoint)
    app.router.add_delete("/api/v2/user/login", endpoint)
    create_cors(app)
    return app
