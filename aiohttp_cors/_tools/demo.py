"""``python -m aiohttp_cors demo``: two local origins and a page that shows CORS at work.

A *page* origin serves one HTML page; an *API* origin, configured with this package, answers
it. The page runs a battery of cross-origin ``fetch()`` calls and WebSocket handshakes and shows,
for each, whether the browser allowed or blocked it and why.

Each result row is ``<tr data-test="NAME" data-expected="allowed|blocked"
data-outcome="pending|allowed|blocked">``; ``#summary`` gets ``data-state="done"`` and
``data-unexpected="N"`` when the battery has run, so a browser test can read the results.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import signal
import socket
import sys
from typing import TextIO

from aiohttp import WSMsgType, web

from aiohttp_cors import ResourceOptions, setup

__all__ = [
    "DEMO_TESTS",
    "DemoError",
    "bind_socket",
    "build_api_app",
    "build_demo_apps",
    "build_page_app",
    "render_page",
    "run_demo",
    "serve_demo",
]

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

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>aiohttp_cors demo</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2em; max-width: 70em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border: 1px solid #ccc; padding: .4em .6em; text-align: left; vertical-align: top; }
  td.name, td.outcome { white-space: nowrap; }
  td.outcome { font-weight: bold; }
  tr[data-outcome="allowed"] td.outcome { color: #176117; }
  tr[data-outcome="blocked"] td.outcome { color: #9b1c1c; }
  tr.unexpected { background: #fff0c0; }
  code { background: #f3f3f3; padding: 0 .2em; }
</style>
</head>
<body>
<h1>aiohttp_cors demo</h1>
<p>This page is on <code id="page-origin"></code>; it calls the API on
<code id="api-origin"></code>, a different origin configured with <code>aiohttp_cors</code>.
Each row is one cross-origin call; the browser decides whether the page may read the answer.
Open the developer tools' console to see the browser's own CORS messages.</p>
<p><button id="rerun" type="button">Run again</button></p>
<table id="results">
<thead><tr><th>Test</th><th>What the page does</th><th>Expected</th><th>Outcome</th>
<th>Explanation</th></tr></thead>
<tbody></tbody>
</table>
<p id="summary" data-state="running" data-unexpected="0">Running...</p>
<script>
"use strict";
const API = __API_ORIGIN__;
const WS = API.replace(/^http/, "ws");

function fetchFailed(error) {
  return `fetch() rejected (${error}): the browser hid the response from the page.`;
}

function websocket(path) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(WS + path);
    const timer = setTimeout(() => { ws.close(); reject(new Error("timed out")); }, 5000);
    ws.onopen = () => ws.send("ping");
    ws.onmessage = (event) => { clearTimeout(timer); ws.close(); resolve(event.data); };
    ws.onerror = () => { clearTimeout(timer); reject(new Error("handshake failed")); };
  });
}

// Each test returns [outcome, explanation]; a thrown error means the browser blocked it.
const TESTS = [
  {
    name: "simple-get", expected: "allowed",
    does: "GET /api/simple, no custom headers: a simple request, no preflight",
    blocked: "The response had no matching Access-Control-Allow-Origin.",
    async run() {
      const body = await (await fetch(API + "/api/simple")).json();
      return ["allowed", `Read ${JSON.stringify(body)}: the API answered with ` +
        "Access-Control-Allow-Origin set to this page's origin."];
    },
  },
  {
    name: "preflight-put", expected: "allowed",
    does: "PUT /api/items/1 with a JSON body and X-Demo-Token: needs a preflight",
    blocked: "The preflight (OPTIONS) did not allow PUT, Content-Type and X-Demo-Token.",
    async run() {
      const response = await fetch(API + "/api/items/1", {
        method: "PUT",
        headers: {"Content-Type": "application/json", "X-Demo-Token": "abc123"},
        body: JSON.stringify({name: "demo"}),
      });
      const body = await response.json();
      return ["allowed", `Read ${JSON.stringify(body)}: the preflight allowed PUT and the ` +
        "headers content-type and x-demo-token, then the PUT itself was allowed."];
    },
  },
  {
    name: "preflight-refused-header", expected: "blocked",
    does: "PUT /api/items/1 with X-Not-Allowed, a header the route does not allow",
    blocked: "The API answered the preflight with 403 (x-not-allowed is not in " +
      "allow_headers), so the browser never sent the PUT.",
    async run() {
      await fetch(API + "/api/items/1", {
        method: "PUT",
        headers: {"Content-Type": "application/json", "X-Not-Allowed": "1"},
        body: "{}",
      });
      return ["allowed", "The preflight allowed x-not-allowed."];
    },
  },
  {
    name: "credentials-cookie", expected: "allowed",
    does: "POST /api/login then GET /api/whoami, both with credentials: 'include'",
    blocked: "A credentialed response needs Access-Control-Allow-Origin equal to this " +
      "origin (never '*') and Access-Control-Allow-Credentials: true.",
    async run() {
      await (await fetch(API + "/api/login", {method: "POST", credentials: "include"})).json();
      const body = await (await fetch(API + "/api/whoami", {credentials: "include"})).json();
      if (!body.session) {
        return ["blocked", "The calls were allowed, but the cookie did not come back " +
          "(the browser refused to store or send it)."];
      }
      return ["allowed", `The API set a cookie and saw it again (session ${body.session}): ` +
        "both answers carried Access-Control-Allow-Credentials: true."];
    },
  },
  {
    name: "credentials-not-allowed", expected: "blocked",
    does: "GET /api/simple with credentials: 'include', on a route without allow_credentials",
    blocked: "The response had no Access-Control-Allow-Credentials: true, so the browser " +
      "refused to show a credentialed response.",
    async run() {
      await fetch(API + "/api/simple", {credentials: "include"});
      return ["allowed", "The response allowed credentials."];
    },
  },
  {
    name: "exposed-header", expected: "allowed",
    does: "GET /api/headers and read X-Exposed (listed in expose_headers)",
    blocked: "X-Exposed was not readable.",
    async run() {
      const value = (await fetch(API + "/api/headers")).headers.get("X-Exposed");
      if (value === null) return ["blocked", this.blocked];
      return ["allowed", `Read X-Exposed: ${value}; it is listed in ` +
        "Access-Control-Expose-Headers."];
    },
  },
  {
    name: "hidden-header", expected: "blocked",
    does: "GET /api/headers and read X-Hidden (not exposed)",
    blocked: "headers.get('X-Hidden') returned null: the header is in the response, but not " +
      "in Access-Control-Expose-Headers, so the browser hides it.",
    async run() {
      const value = (await fetch(API + "/api/headers")).headers.get("X-Hidden");
      if (value === null) return ["blocked", this.blocked];
      return ["allowed", `Read X-Hidden: ${value}.`];
    },
  },
  {
    name: "refused-origin", expected: "blocked",
    does: "GET /api/refused, a route configured only for https://other.example",
    blocked: "This page's origin is not allowed there, so the response had no " +
      "Access-Control-Allow-Origin and the browser hid it.",
    async run() {
      await fetch(API + "/api/refused");
      return ["allowed", "The response allowed this origin."];
    },
  },
  {
    name: "websocket", expected: "allowed",
    does: "new WebSocket(ws://.../api/ws), a route that allows this origin",
    blocked: "The handshake was refused.",
    async run() {
      const reply = await websocket("/api/ws");
      return ["allowed", `Got '${reply}'. Browsers apply no CORS check to WebSockets; the ` +
        "server checked the Origin of the handshake and accepted it."];
    },
  },
  {
    name: "websocket-refused-origin", expected: "blocked",
    does: "new WebSocket(ws://.../api/ws-refused), configured only for https://other.example",
    blocked: "The server answered the handshake with 403 because this origin is not " +
      "allowed: that is what stops cross-site WebSocket hijacking.",
    async run() {
      await websocket("/api/ws-refused");
      return ["allowed", "The handshake was accepted."];
    },
  },
];

function cell(row, className, text) {
  const td = document.createElement("td");
  td.className = className;
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function buildTable() {
  const tbody = document.querySelector("#results tbody");
  tbody.textContent = "";
  for (const test of TESTS) {
    const row = document.createElement("tr");
    row.id = "result-" + test.name;
    row.dataset.test = test.name;
    row.dataset.expected = test.expected;
    row.dataset.outcome = "pending";
    cell(row, "name", test.name);
    cell(row, "does", test.does);
    cell(row, "expected", test.expected);
    cell(row, "outcome", "running...");
    cell(row, "explanation", "");
    tbody.appendChild(row);
  }
}

async function runAll() {
  const summary = document.getElementById("summary");
  summary.dataset.state = "running";
  summary.textContent = "Running...";
  buildTable();
  let unexpected = 0;
  for (const test of TESTS) {
    let outcome, explanation;
    try {
      [outcome, explanation] = await test.run();
    } catch (error) {
      outcome = "blocked";
      explanation = test.blocked + " " + fetchFailed(error);
    }
    const row = document.getElementById("result-" + test.name);
    row.dataset.outcome = outcome;
    row.querySelector(".outcome").textContent = outcome;
    row.querySelector(".explanation").textContent = explanation;
    if (outcome !== test.expected) {
      row.classList.add("unexpected");
      unexpected += 1;
    }
  }
  summary.dataset.unexpected = String(unexpected);
  summary.dataset.state = "done";
  summary.textContent = unexpected === 0
    ? `All ${TESTS.length} outcomes are as expected.`
    : `${unexpected} of ${TESTS.length} outcomes differ from what was expected.`;
}

document.getElementById("page-origin").textContent = location.origin;
document.getElementById("api-origin").textContent = API;
document.getElementById("rerun").addEventListener("click", runAll);
runAll();
</script>
</body>
</html>
"""


def render_page(api_origin: str) -> str:
    """The demo page, calling the API at ``api_origin``."""
    literal = json.dumps(api_origin).replace("</", "<\\/")
    return _PAGE.replace("__API_ORIGIN__", literal)


def build_page_app(api_origin: str) -> web.Application:
    """The page origin: serves the page that calls ``api_origin``."""
    html = render_page(api_origin)

    async def index(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    async def no_favicon(request: web.Request) -> web.Response:
        return web.Response(status=204)

    app = web.Application()
    app.router.add_get("/", index)
    app.router.add_get("/favicon.ico", no_favicon)
    return app


def build_demo_apps(page_origin: str, api_origin: str) -> tuple[web.Application, web.Application]:
    """``(page_app, api_app)`` for a page served on ``page_origin`` and an API on ``api_origin``."""
    return build_page_app(api_origin), build_api_app(page_origin)


# --------------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------------


class DemoError(Exception):
    """The demo cannot start; the message says why."""


def _origin(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def bind_socket(host: str, port: int) -> socket.socket:
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
        print("Press Ctrl-C to stop.", file=out, flush=True)
        await stop.wait()
    finally:
        for runner in runners:
            await runner.cleanup()


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
