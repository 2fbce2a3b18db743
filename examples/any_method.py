"""A route registered for every method (``"*"``), such as a proxy or a catch-all handler.

A preflight may ask for any method the handler answers; ``allow_methods`` narrows
that down to the methods a browser page may use.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions


async def echo(request: web.Request) -> web.Response:
    return web.json_response({"method": request.method, "path": request.match_info["tail"]})


def build_app() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(app)

    route = app.router.add_route("*", "/echo/{tail:.*}", echo)
    cors.add(
        route,
        {
            "https://app.example.com": ResourceOptions(
                allow_methods=("GET", "POST", "PUT", "DELETE"),
                allow_headers=("Content-Type",),
            ),
        },
    )
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
