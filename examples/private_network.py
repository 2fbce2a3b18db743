"""A device on the local network whose API a public web page may call.

Chromium's Private Network Access adds ``Access-Control-Request-Private-Network: true``
to the preflight when a public page calls a private or local address.  With
``allow_private_network=True`` the preflight answer carries
``Access-Control-Allow-Private-Network: true`` next to the usual CORS headers.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions


async def printer_status(request: web.Request) -> web.Response:
    return web.json_response({"paper": "ok", "toner": "low"})


def build_app() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_get("/status", printer_status),
        {
            "https://setup.printer-vendor.example": ResourceOptions(
                allow_private_network=True,
                allow_headers=("X-Setup-Token",),
            ),
        },
    )
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
