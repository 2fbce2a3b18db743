"""Deployment: gunicorn workers behind a TLS-terminating reverse proxy and a CDN.

Run it with gunicorn and aiohttp's worker class, from this folder (or add
``--chdir examples``), on the address the proxy forwards to::

    gunicorn deployment:create_app --worker-class aiohttp.GunicornWebWorker \\
        --workers 2 --bind 127.0.0.1:8080

Each worker process imports this module and awaits ``create_app()``: it builds its own
application, and the plugin compiles that application's CORS configuration when it
starts.  The plugin keeps no state outside the application, so the workers share
nothing and need no coordination; any worker may answer any request, the preflight
and the request that follows it included.

The proxy terminates TLS and forwards plain HTTP, saying in ``X-Forwarded-Proto`` and
``X-Forwarded-Host`` what the browser asked for.  aiohttp-remotes' middleware hands
the handlers, and the plugin's response hook, a request with that public scheme and
host.  The CORS answers themselves depend only on the ``Origin`` header, which the
proxy passes through unchanged.

Try it without a proxy (the forwarded headers play its part)::

    curl -i http://127.0.0.1:8080/api/items -H "Origin: https://app.example.com" \
        -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: api.example.com"
    curl -i http://127.0.0.1:8080/api/status -H "Origin: https://anyone.example" \
        -H "X-Forwarded-Proto: https" -H "X-Forwarded-Host: api.example.com"

The first answer echoes the page's origin with ``Vary: Origin``; the second, public and
cacheable, carries ``Access-Control-Allow-Origin: *`` and no ``Vary: Origin``, so a CDN
keeps one copy of it for every site.
"""

from __future__ import annotations

import aiohttp_remotes
from aiohttp import WSMsgType, web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

# The site whose pages call this API with the user's cookies.
PAGE_ORIGIN = "https://app.example.com"

ITEMS = [{"id": 1, "name": "kettle"}, {"id": 2, "name": "teapot"}]


async def list_items(request: web.Request) -> web.Response:
    return web.json_response(ITEMS, headers={"X-Total-Count": str(len(ITEMS))})


async def create_item(request: web.Request) -> web.Response:
    try:
        item = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON body") from None
    return web.json_response(item, status=201)


async def status(request: web.Request) -> web.Response:
    # Public data, the same for everyone: a CDN may keep it for a minute.
    return web.json_response({"status": "ok"}, headers={"Cache-Control": "public, max-age=60"})


async def live(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    # First: for a refused origin this raises HTTPForbidden (a 403).
    await ws.prepare(request)
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            await ws.send_str(f"echo: {message.data}")
    return ws


async def health(request: web.Request) -> web.Response:
    # For the proxy's or the orchestrator's health check: not called from pages.
    return web.Response(text="ok")


def build_app() -> web.Application:
    """The routes and the CORS policy, the same in every worker."""
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    for_the_page = {
        PAGE_ORIGIN: ResourceOptions(
            allow_credentials=True,
            allow_headers=("Content-Type",),
            expose_headers=("X-Total-Count",),
            max_age=600,
        ),
    }
    items = app.router.add_resource("/api/items")
    cors.add(items.add_route("GET", list_items), for_the_page)
    cors.add(items.add_route("POST", create_item), for_the_page)
    # Handshakes from PAGE_ORIGIN and from the API's own public origin are admitted.
    cors.add(app.router.add_get("/api/live", live), for_the_page)
    # Any site may read this, without cookies.  A literal "*" (send_wildcard) instead of
    # the echoed origin: the answer is the same for everyone, so the CDN keeps one copy.
    cors.add(app.router.add_get("/api/status", status), {"*": ResourceOptions(send_wildcard=True)})
    app.router.add_get("/healthz", health)
    return app


async def create_app() -> web.Application:
    """What each gunicorn worker awaits at start: the app behind the proxy.

    ``XForwardedRelaxed`` believes the forwarded headers of the nearest hop, so the
    app's port must be reachable only through the proxy (here it listens on
    127.0.0.1), and the proxy must set these headers, not pass on what clients send.
    Where other hosts can reach the port, use ``XForwardedStrict`` with the proxy's
    addresses; for the standard ``Forwarded`` header, ``ForwardedRelaxed`` or
    ``ForwardedStrict``.
    """
    app = build_app()
    await aiohttp_remotes.setup(app, aiohttp_remotes.XForwardedRelaxed())
    return app


if __name__ == "__main__":
    web.run_app(create_app(), host="127.0.0.1", port=8080)
