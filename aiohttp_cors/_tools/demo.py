"""``python -m aiohttp_cors demo``: two local origins and a page that shows CORS at work.

A *page* origin serves one HTML page; an *API* origin, configured with this package, answers
it. The page runs a battery of cross-origin ``fetch()`` calls and WebSocket handshakes and shows,
for each, whether the browser allowed or blocked it and why.

The page is package data in ``demo_page/``: ``index.html`` (the API origin is written into its
``<meta name="api-origin">``, HTML-escaped), ``demo.js`` (the battery) and ``demo.css``.

Each result row is ``<tr data-test="NAME" data-expected="allowed|blocked"
data-outcome="pending|allowed|blocked|error" data-seen="...">`` (``error``: the call failed in
a way that is neither outcome; ``data-seen``: what the page observed, such as ``rejected``,
``hidden`` or ``opened``), and its explanation is built from that observation; ``#summary``
gets ``data-state="done"`` and ``data-unexpected="N"`` when the battery has run, so a browser
test can read the results.  Opened on an origin other than the one the API allows, the page
runs nothing: ``#summary`` gets ``data-state="wrong-origin"`` and ``#wrong-origin`` names the
URL to open.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import importlib.resources
import secrets
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from aiohttp import WSMsgType, web

from aiohttp_cors import APP_CONFIG_KEY, Refusal, ResourceOptions, setup

from .routes import format_table

OTHER_ORIGIN = "https://other.example"
"""The only origin some API routes allow, so that the page's origin is refused there."""

SESSION_COOKIE = "demo_session"

DEMO_TESTS: dict[str, str] = {
    "simple-get": "allowed",
    "preflight-put": "allowed",
    "preflight-refused-header": "blocked",
    "credentials-cookie": "allowed",
    "credentials-not-allowed": "blocked",
    "exposed-header": "allowed",
    "hidden-header": "blocked",
    "refused-origin": "blocked",
    "websocket": "allowed",
    "websocket-refused-origin": "blocked",
}
"""Name of each test in the page -> the outcome a browser gives."""

_WEBSOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("demo_websockets")


# --------------------------------------------------------------------------------------------------
# The API origin
# --------------------------------------------------------------------------------------------------


async def _simple(request: web.Request) -> web.Response:
    return web.json_response({"message": "hello from the API origin"})


async def _put_item(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="expected a JSON body") from None
    return web.json_response(
        {
            "id": request.match_info["id"],
            "received": body,
            "token": request.headers.get("X-Demo-Token"),
        }
    )


async def _login(request: web.Request) -> web.Response:
    response = web.json_response({"logged_in": True})
    response.set_cookie(
        SESSION_COOKIE, secrets.token_hex(8), httponly=True, samesite="Lax", path="/"
    )
    return response


async def _whoami(request: web.Request) -> web.Response:
    return web.json_response({"session": request.cookies.get(SESSION_COOKIE)})


async def _headers(request: web.Request) -> web.Response:
    return web.json_response(
        {"see": "response headers"}, headers={"X-Exposed": "visible", "X-Hidden": "secret"}
    )


async def _websocket(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    request.app[_WEBSOCKETS].add(ws)
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await ws.send_str(f"echo: {message.data}")
    finally:
        request.app[_WEBSOCKETS].discard(ws)
    return ws


async def _close_websockets(app: web.Application) -> None:
    open_sockets = app[_WEBSOCKETS]
    for ws in list(open_sockets):
        await ws.close(code=1001, message=b"server shutdown")


async def _api_index(request: web.Request) -> web.Response:
    return web.Response(text="The API origin of the aiohttp_cors demo. Open the page origin.\n")


def build_api_app(page_origin: str) -> web.Application:
    """The API origin: CORS configured with this package for ``page_origin``."""
    app = web.Application()
    app[_WEBSOCKETS] = set()
    app.on_shutdown.append(_close_websockets)
    cors = setup(app)
    router = app.router
    router.add_get("/", _api_index)

    cors.add(router.add_get("/api/simple", _simple), {page_origin: ResourceOptions()})
    cors.add(
        router.add_put("/api/items/{id}", _put_item),
        {page_origin: ResourceOptions(allow_headers=("Content-Type", "X-Demo-Token"))},
    )
    cors.add(
        router.add_post("/api/login", _login),
        {page_origin: ResourceOptions(allow_credentials=True)},
    )
    cors.add(
        router.add_get("/api/whoami", _whoami),
        {page_origin: ResourceOptions(allow_credentials=True)},
    )
    cors.add(
        router.add_get("/api/headers", _headers),
        {page_origin: ResourceOptions(expose_headers=("X-Exposed",))},
    )
    cors.add(router.add_get("/api/refused", _simple), {OTHER_ORIGIN: ResourceOptions()})
    cors.add(router.add_get("/api/ws", _websocket), {page_origin: ResourceOptions()})
    cors.add(router.add_get("/api/ws-refused", _websocket), {OTHER_ORIGIN: ResourceOptions()})
    return app


# --------------------------------------------------------------------------------------------------
# The page origin
# --------------------------------------------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.Response]]

_PAGE_FILES = importlib.resources.files("aiohttp_cors._tools") / "demo_page"
_API_ORIGIN_PLACEHOLDER = "__API_ORIGIN__"
_PAGE_ORIGIN_PLACEHOLDER = "__PAGE_ORIGIN__"
_ASSETS = {"demo.js": "text/javascript", "demo.css": "text/css"}


def _page_file(name: str) -> str:
    return (_PAGE_FILES / name).read_text(encoding="utf-8")


def render_page(api_origin: str, page_origin: str) -> str:
    """The demo page (``demo_page/index.html``), calling the API at ``api_origin``, which
    allows the page on ``page_origin``.

    The origins go into HTML attributes, escaped; the script reads them from there, so no
    value is ever written into script text.  Opened on another origin (``localhost``
    instead of ``127.0.0.1``), the page says so, names ``page_origin`` and runs nothing.
    """
    return (
        _page_file("index.html")
        .replace(_API_ORIGIN_PLACEHOLDER, html.escape(api_origin, quote=True))
        .replace(_PAGE_ORIGIN_PLACEHOLDER, html.escape(page_origin, quote=True))
    )


def _static_text(text: str, content_type: str) -> Handler:
    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=text, content_type=content_type)

    return serve


def build_page_app(api_origin: str, page_origin: str) -> web.Application:
    """The page origin (``page_origin``): serves the page that calls ``api_origin``."""

    async def no_favicon(request: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_get("/", _static_text(render_page(api_origin, page_origin), "text/html"))
    for name, content_type in _ASSETS.items():
        app.router.add_get(f"/{name}", _static_text(_page_file(name), content_type))
    app.router.add_get("/favicon.ico", no_favicon)
    return app


def build_demo_apps(page_origin: str, api_origin: str) -> tuple[web.Application, web.Application]:
    """``(page_app, api_app)`` for a page served on ``page_origin`` and an API on ``api_origin``."""
    return build_page_app(api_origin, page_origin), build_api_app(page_origin)


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------


class DemoError(Exception):
    """The demo cannot start; the message says why."""


def _origin(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


_BACKLOG = 128


def bind_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host`` and ``port`` (0: any free port), or :class:`DemoError`."""
    if host in ("", "0.0.0.0", "::"):
        raise DemoError(
            f"--host {host!r} is not an address a browser can open; use 127.0.0.1 or localhost"
        )
    if not 0 <= port <= 65535:
        raise DemoError(f"port {port} is out of range 0-65535")
    try:
        family, type_, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[
            0
        ]
    except (OSError, UnicodeError) as exc:
        raise DemoError(f"cannot resolve host {host!r}: {exc}") from None
    sock = socket.socket(family, type_, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        # Listening now, not when the server starts: with SO_REUSEADDR a second bind to a port
        # can succeed, and only listen() says that the port is taken.
        sock.listen(_BACKLOG)
    except OSError as exc:
        sock.close()
        raise DemoError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    return sock


async def serve_demo(
    page_sock: socket.socket,
    api_sock: socket.socket,
    host: str,
    stop: asyncio.Event,
    out: TextIO = sys.stdout,
) -> None:
    """Serve the demo on two bound sockets until ``stop`` is set."""
    page_origin = _origin(host, page_sock.getsockname()[1])
    api_origin = _origin(host, api_sock.getsockname()[1])
    page_app, api_app = build_demo_apps(page_origin, api_origin)
    _print_refusals(api_app, out)
    runners = [
        web.AppRunner(page_app, shutdown_timeout=2.0),
        web.AppRunner(api_app, shutdown_timeout=2.0),
    ]
    try:
        for runner, sock in zip(runners, (page_sock, api_sock), strict=True):
            await runner.setup()
            await web.SockSite(runner, sock).start()
        print("aiohttp_cors demo", file=out)
        print(f"  page: {page_origin}/   <- open this in a browser", file=out)
        print(f"  api:  {api_origin}/", file=out)
        _show_surface(api_app, out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        await stop.wait()
    finally:
        for runner in runners:
            await runner.cleanup()


def _print_refusals(api_app: web.Application, out: TextIO) -> None:
    """One line per refused request, from a ``cors.on_refusal`` receiver (added before the
    app starts: the signal freezes then)."""

    async def print_refusal(request: web.Request, refusal: Refusal) -> None:
        print(
            f"refused {refusal.kind}: {refusal.method} {refusal.route} from "
            f"{refusal.origin}: {refusal.reason}",
            file=out,
            flush=True,
        )

    api_app[APP_CONFIG_KEY].on_refusal.append(print_refusal)


def _show_surface(api_app: web.Application, out: TextIO) -> None:
    """The API's CORS surface, as ``python -m aiohttp_cors routes`` prints an app's."""
    print("\nThe API's CORS surface (cors.describe(); for your app:", file=out)
    print("python -m aiohttp_cors routes MODULE:ATTR):", file=out)
    for line in format_table(api_app[APP_CONFIG_KEY].describe()).splitlines():
        print(f"  {line}", file=out)
    print("Refused requests appear below as they happen (cors.on_refusal).", file=out)


async def _main(page_sock: socket.socket, api_sock: socket.socket, host: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not available on Windows: there Ctrl-C raises KeyboardInterrupt, caught in run_demo.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    await serve_demo(page_sock, api_sock, host, stop)
    print("Stopped.", flush=True)


def run_demo(host: str = "127.0.0.1", page_port: int = 0, api_port: int = 0) -> int:
    """Run the demo until SIGINT or SIGTERM. Returns the process exit code.

    Port 0 picks a free port. Raises :class:`DemoError` when it cannot start.
    """
    if page_port == api_port != 0:
        raise DemoError(
            f"the page and the API need two ports (two origins), but both are {page_port}: "
            "give --page-port and --api-port different values, or leave one out"
        )
    page_sock = bind_socket(host, page_port)
    try:
        api_sock = bind_socket(host, api_port)
    except DemoError:
        page_sock.close()
        raise
    try:
        asyncio.run(_main(page_sock, api_sock, host))
    except KeyboardInterrupt:  # pragma: no cover - where signal handlers are unsupported
        print("Stopped.", flush=True)
    finally:
        page_sock.close()
        api_sock.close()
    return 0
