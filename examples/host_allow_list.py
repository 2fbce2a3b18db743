"""Answer only the host names the application serves (against DNS rebinding).

A page on ``https://evil.example`` can make its own name resolve to your server's
address (``127.0.0.1``, or an address on the user's private network) a moment after it
loaded.  For the browser the page is then same-origin with your server: no CORS check
applies, its requests and WebSocket handshakes carry ``Host: evil.example``, and the
plugin takes ``https://evil.example`` for the server's own origin.  No cookie of yours
goes along, but a service that trusts the network rather than a login is reached.

The defence is not CORS: refuse requests for host names you do not serve, before any
handler runs.  The middleware below answers them with 421 Misdirected Request.
"""

from __future__ import annotations

from aiohttp import WSMsgType, web
from aiohttp.typedefs import Handler

import aiohttp_cors
from aiohttp_cors import ResourceOptions

#: Every name (and port) this server is reached by: the public name, and the local ones
#: used in development.
ALLOWED_HOSTS = frozenset({"app.example.com", "localhost:8080", "127.0.0.1:8080"})


@web.middleware
async def host_allow_list(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.host.lower() not in ALLOWED_HOSTS:
        raise web.HTTPMisdirectedRequest(text="this server does not answer for that host name")
    return await handler(request)


async def status(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def control(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)  # outside the try: a refused handshake keeps its 403
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await ws.send_str(f"done: {message.data}")
    finally:
        await ws.close()
    return ws


def build_app() -> web.Application:
    app = web.Application(middlewares=[host_allow_list])
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/status", status), {"https://app.example.com": ResourceOptions()})
    cors.add(app.router.add_get("/control", control))  # own pages only
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
