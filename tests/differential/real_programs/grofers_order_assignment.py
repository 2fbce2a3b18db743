"""Replays madhukar01/grofers_order_assignment: rest_server/routes.py

Routes installed with ``app.add_routes``, ``setup`` with the ``"*"``/credentials/``"*"``
headers entry, then ``cors.add(route, webview=True)`` for every route (the deprecated
argument: both packages warn and ignore it).
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors

TARGETS = (
    ("/orders", ("POST", "GET")),
    ("/assignments", ("GET", "PUT")),
)


async def orders(request: web.Request) -> web.Response:
    return web.json_response({"order": 1}, status=201 if request.method == "POST" else 200)


async def assignments(request: web.Request) -> web.Response:
    return web.json_response([])


def build() -> web.Application:
    app = web.Application()
    app.add_routes([web.post("/orders", orders), web.get("/assignments", assignments)])
    cors = aiohttp_cors.setup(
        app,
        defaults={
            "*": aiohttp_cors.ResourceOptions(
                allow_credentials=True, expose_headers="*", allow_headers="*"
            )
        },
    )
    for route in list(app.router.routes()):
        cors.add(route, webview=True)
    return app
