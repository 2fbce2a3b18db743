"""App-wide mode: every route of the application gets CORS from ``defaults``.

With ``all_routes=True`` there is no ``cors.add`` to call.  Routes added later, the
routes of sub-applications, and the 404 and 405 answers all carry CORS headers.
Two decorators adjust single handlers:

* ``@cors_exempt`` takes a handler out of CORS entirely (no headers, no preflight);
* ``@custom_cors({...})`` gives a handler its own origins and options.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions, cors_exempt, custom_cors

APP_ORIGIN = "https://app.example.com"


async def list_orders(request: web.Request) -> web.Response:
    return web.json_response([{"id": 7, "total": "12.50"}])


async def create_order(request: web.Request) -> web.Response:
    try:
        item = await request.json()
    except ValueError:
        # Error responses get CORS headers too, so the page can read this message.
        raise web.HTTPBadRequest(text="expected a JSON body") from None
    return web.json_response(item, status=201)


@cors_exempt
async def health(request: web.Request) -> web.Response:
    # Probed by the load balancer only; no page needs to read it.
    return web.Response(text="ok")


@custom_cors({"*": ResourceOptions()})
async def public_prices(request: web.Request) -> web.Response:
    # Readable by any site, without cookies.
    return web.json_response({"tea": "3.20", "coffee": "2.80"})


def build_app() -> web.Application:
    app = web.Application()
    aiohttp_cors.setup(
        app,
        defaults={
            APP_ORIGIN: ResourceOptions(
                allow_credentials=True,
                allow_headers=("Content-Type",),
                max_age=600,
            ),
        },
        all_routes=True,
    )
    app.router.add_get("/orders", list_orders)
    app.router.add_post("/orders", create_order)
    app.router.add_get("/health", health)
    app.router.add_get("/prices", public_prices)
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
