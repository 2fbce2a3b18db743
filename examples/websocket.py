"""A WebSocket endpoint that only the application's own pages may open.

Browsers send an Origin header with the WebSocket handshake but do not apply CORS to
it: without a check, any site a signed-in user visits could open a socket carrying the
user's cookies (cross-site WebSocket hijacking).  When the route is added with
``cors.add``, a handshake from an origin that is neither allowed by the config nor the
server's own is refused with 403.

The plugin checks the handshake when the handler calls ``ws.prepare()``, whatever
middlewares the app has: for a refused origin that call raises ``HTTPForbidden`` and
no 101 goes out.  What the handler did before ``prepare()`` has run, so it calls
``prepare()`` before doing anything else.
"""

from __future__ import annotations

from aiohttp import WSMsgType, web

import aiohttp_cors
from aiohttp_cors import ResourceOptions


async def chat(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    # First: for a refused origin this raises HTTPForbidden (a 403), so nothing below
    # runs.  Let it propagate.
    await ws.prepare(request)
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            await ws.send_str(f"echo: {message.data}")
    return ws


def build_app() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_get("/ws", chat),
        {"https://chat.example.com": ResourceOptions(allow_credentials=True)},
    )
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
