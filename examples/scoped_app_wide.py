"""App-wide mode for the API only: every route under ``/api`` gets CORS, nothing else.

``all_routes="/api"`` gives every route whose path is ``/api`` or under it the
``defaults`` policy, including routes added later, and the router's 404 and 405
answers under ``/api`` carry CORS headers too, so a page can tell "not found" from
"blocked".  The web pages, the login form and the health check outside ``/api`` get
no CORS headers.  A sequence of prefixes (``["/api", "/feeds"]``) works the same way.

Inside the scope, decorators adjust single handlers:

* ``@custom_cors(config, inherit_defaults=False)``: this handler's own policy instead
  of the defaults (here: only the admin console);
* ``@cors_exempt``: no CORS at all (here: a webhook called by a server, not a page).
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions, cors_exempt, custom_cors

APP_ORIGIN = "https://app.example.com"
ADMIN_ORIGIN = "https://admin.example.com"


async def list_items(request: web.Request) -> web.Response:
    return web.json_response([{"id": 1}])


async def create_item(request: web.Request) -> web.Response:
    return web.json_response(await request.json(), status=201)


@custom_cors({ADMIN_ORIGIN: ResourceOptions(allow_credentials=True)}, inherit_defaults=False)
async def audit_log(request: web.Request) -> web.Response:
    return web.json_response([{"event": "login", "user": "ada"}])


@cors_exempt
async def payment_webhook(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def home(request: web.Request) -> web.Response:
    return web.Response(text="<h1>Shop</h1>", content_type="text/html")


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


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
        all_routes="/api",
    )
    app.router.add_get("/api/items", list_items)
    app.router.add_post("/api/items", create_item)
    app.router.add_get("/api/audit", audit_log)
    app.router.add_post("/api/webhooks/payment", payment_webhook)
    app.router.add_get("/", home)
    app.router.add_get("/healthz", health)
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
