"""Quick start: a JSON API on one origin that a web page on another origin may call.

The page at https://app.example.com may read ``/api/items``, send cookies with its
requests, post JSON, and read the ``X-Total-Count`` response header.

Try it::

    python examples/quickstart.py
    curl -i http://127.0.0.1:8080/api/items -H "Origin: https://app.example.com"
    curl -i -X OPTIONS http://127.0.0.1:8080/api/items \\
         -H "Origin: https://app.example.com" \\
         -H "Access-Control-Request-Method: POST" \\
         -H "Access-Control-Request-Headers: content-type"
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

ITEMS = [{"id": 1, "name": "kettle"}, {"id": 2, "name": "teapot"}]


async def list_items(request: web.Request) -> web.Response:
    return web.json_response(ITEMS, headers={"X-Total-Count": str(len(ITEMS))})


async def create_item(request: web.Request) -> web.Response:
    try:
        item = await request.json()
    except ValueError:
        # Error responses get CORS headers too, so the page can read this message.
        raise web.HTTPBadRequest(text="expected a JSON body") from None
    return web.json_response(item, status=201)


def build_app() -> web.Application:
    app = web.Application()

    # One policy for every route handed to cors.add() below.
    cors = aiohttp_cors.setup(
        app,
        defaults={
            "https://app.example.com": ResourceOptions(
                allow_credentials=True,
                allow_headers=("Content-Type",),
                expose_headers=("X-Total-Count",),
                max_age=600,
            ),
        },
    )

    # GET and POST share one resource: a preflight may ask for either method.
    items = app.router.add_resource("/api/items")
    cors.add(items.add_route("GET", list_items))
    cors.add(items.add_route("POST", create_item))
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
