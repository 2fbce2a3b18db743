"""A public, read-only API cached by a CDN: one cached copy for every origin.

Any web site may read ``/v1/rates``, without cookies.  ``send_wildcard=True`` under the
``"*"`` key answers with ``Access-Control-Allow-Origin: *`` instead of echoing each
page's origin, and, since the answer is then the same for every request, without
``Vary: Origin``: a shared cache keeps a single copy instead of one per origin.

``/v1/account`` is on the same server but reads the user's cookies, so it names the one
origin it trusts; its answers depend on the origin and carry ``Vary: Origin``.

Try it::

    python examples/public_api.py
    curl -i http://127.0.0.1:8080/v1/rates -H "Origin: https://any-site.example"
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

APP_ORIGIN = "https://app.example.com"

PUBLIC = {
    "*": ResourceOptions(
        send_wildcard=True,
        expose_headers=("X-Rates-Updated",),
        max_age=3600,
    ),
}


async def rates(request: web.Request) -> web.Response:
    return web.json_response(
        {"EUR": "1.00", "USD": "1.08"},
        headers={
            # Shared caches may keep it for five minutes.
            "Cache-Control": "public, max-age=300",
            "X-Rates-Updated": "2024-05-01T12:00:00Z",
        },
    )


async def account(request: web.Request) -> web.Response:
    return web.json_response({"signed_in": "session" in request.cookies})


def build_app() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/v1/rates", rates), PUBLIC)
    cors.add(
        app.router.add_get("/v1/account", account),
        {APP_ORIGIN: ResourceOptions(allow_credentials=True)},
    )
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
