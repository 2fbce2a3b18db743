"""The demo (``python -m aiohttp_cors demo``): its apps, the doctor against it, and the command.

The page itself runs in a real browser in tests/integration/test_browser_demo.py.
"""

from __future__ import annotations

import asyncio
import configparser
import fnmatch
import importlib.resources
import io
import re
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from aiohttp_cors._tools.browser import BrowserRequest
from aiohttp_cors._tools.demo import (
    DEMO_TESTS,
    OTHER_ORIGIN,
    DemoError,
    bind_socket,
    build_demo_apps,
    render_page,
    run_demo,
    serve_demo,
)
from aiohttp_cors._tools.doctor import check, format_report

if TYPE_CHECKING:
    from .helpers import AiohttpClient

PAGE = "http://127.0.0.1:9"  # the demo page's origin, as the API is configured for it
API = "http://127.0.0.1:10"
ROOT = Path(__file__).resolve().parent.parent

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


@pytest.fixture
async def api(aiohttp_client: AiohttpClient) -> TestClient[web.Request, web.Application]:
    return await aiohttp_client(build_demo_apps(PAGE, API)[1])


def preflight(method: str, headers: str | None = None, origin: str = PAGE) -> dict[str, str]:
    result = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        result["Access-Control-Request-Headers"] = headers
    return result


async def test_api_answers_preflights(api: TestClient[web.Request, web.Application]) -> None:
    response = await api.options(
        "/api/items/1", headers=preflight("PUT", "content-type,x-demo-token")
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == PAGE
    assert "PUT" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "x-demo-token" in allowed
    assert "content-type" in allowed


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/items/1", preflight("PUT", "x-not-allowed")),
        ("/api/items/1", preflight("DELETE")),
        ("/api/items/1", preflight("PUT", origin="http://evil.example")),
        ("/api/refused", preflight("GET", "x-a")),
    ],
)
async def test_api_refuses_preflights(
    api: TestClient[web.Request, web.Application], path: str, headers: dict[str, str]
) -> None:
    response = await api.options(path, headers=headers)
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_api_actual_responses(api: TestClient[web.Request, web.Application]) -> None:
    simple = await api.get("/api/simple", headers={"Origin": PAGE})
    assert simple.headers["Access-Control-Allow-Origin"] == PAGE
    assert "Access-Control-Allow-Credentials" not in simple.headers
    assert await simple.json() == {"message": "hello from the API origin"}

    login = await api.post("/api/login", headers={"Origin": PAGE})
    assert login.headers["Access-Control-Allow-Origin"] == PAGE
    assert login.headers["Access-Control-Allow-Credentials"] == "true"
    assert "demo_session=" in login.headers["Set-Cookie"]

    session = login.cookies["demo_session"].value
    whoami = await api.get("/api/whoami", headers={"Origin": PAGE})  # the client's jar has it
    assert whoami.headers["Access-Control-Allow-Credentials"] == "true"
    assert await whoami.json() == {"session": session}

    exposed = await api.get("/api/headers", headers={"Origin": PAGE})
    assert exposed.headers["Access-Control-Expose-Headers"].lower() == "x-exposed"
    assert exposed.headers["X-Hidden"] == "secret"

    refused = await api.get("/api/refused", headers={"Origin": PAGE})
    assert refused.status == 200
    assert "Access-Control-Allow-Origin" not in refused.headers
    other = await api.get("/api/refused", headers={"Origin": OTHER_ORIGIN})
    assert other.headers["Access-Control-Allow-Origin"] == OTHER_ORIGIN


async def test_api_websockets(api: TestClient[web.Request, web.Application]) -> None:
    async with api.ws_connect("/api/ws", headers={"Origin": PAGE}) as ws:
        await ws.send_str("ping")
        assert await ws.receive_str() == "echo: ping"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await api.ws_connect("/api/ws-refused", headers={"Origin": PAGE})
    assert refused.value.status == 403


async def test_page(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(build_demo_apps(PAGE, API)[0])
    response = await client.get("/")
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert f'<meta name="api-origin" content="{API}">' in html
    # The origin the API allows: the page compares it with its own (location.origin).
    assert f'<meta name="page-origin" content="{PAGE}">' in html
    assert 'id="wrong-origin"' in html
    assert 'id="summary"' in html
    assert '<script src="demo.js" defer></script>' in html
    assert '<link rel="stylesheet" href="demo.css">' in html

    script = await client.get("/demo.js")
    assert script.status == 200
    assert script.content_type == "text/javascript"
    js = await script.text()
    # The battery in the page is the one DEMO_TESTS describes, with the same expectations.
    battery = dict(
        re.findall(r'name: "([a-z-]+)", kind: "[a-z]+", expected: "(allowed|blocked)"', js)
    )
    assert battery == DEMO_TESTS
    assert "document.querySelector('meta[name=\"api-origin\"]').content" in js
    assert "document.querySelector('meta[name=\"page-origin\"]').content" in js

    style = await client.get("/demo.css")
    assert style.status == 200
    assert style.content_type == "text/css"
    assert (await client.get("/favicon.ico")).status == 204
    assert (await client.get("/index.html")).status == 404


def test_render_page_escapes_the_origins() -> None:
    hostile = 'http://x"><script>alert(1)</script>'
    for html in (render_page(hostile, PAGE), render_page(API, hostile)):
        assert "<script>alert" not in html
        assert 'content="http://x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "__API_ORIGIN__" not in render_page(API, PAGE)
    assert "__PAGE_ORIGIN__" not in render_page(API, PAGE)


def test_the_page_is_package_data() -> None:
    """Every file of the page is in the package and named by setup.cfg's package_data."""
    page_files = importlib.resources.files("aiohttp_cors._tools") / "demo_page"
    names = sorted(entry.name for entry in page_files.iterdir())
    assert names == ["demo.css", "demo.js", "index.html"]
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    patterns = [p.strip() for p in config["options.package_data"]["aiohttp_cors"].split(",")]
    for name in names:
        assert any(fnmatch.fnmatch(f"_tools/demo_page/{name}", p) for p in patterns), name


async def test_doctor_agrees_with_the_demo(aiohttp_server: ServerFactory) -> None:
    """The doctor reaches, over HTTP, the outcomes the browser shows in the demo page."""
    server = await aiohttp_server(build_demo_apps(PAGE, API)[1])

    def url(path: str) -> str:
        return str(server.make_url(path))

    json_put = (("Content-Type", "application/json"), ("X-Demo-Token", "abc"))
    checks = {
        "simple-get": (url("/api/simple"), BrowserRequest(PAGE), None),
        "preflight-put": (url("/api/items/1"), BrowserRequest(PAGE, "PUT", json_put), "{}"),
        "preflight-refused-header": (
            url("/api/items/1"),
            BrowserRequest(PAGE, "PUT", (("X-Not-Allowed", "1"),)),
            "{}",
        ),
        "credentials-cookie": (url("/api/whoami"), BrowserRequest(PAGE, credentials=True), None),
        "credentials-not-allowed": (
            url("/api/simple"),
            BrowserRequest(PAGE, credentials=True),
            None,
        ),
        "exposed-header": (
            url("/api/headers"),
            BrowserRequest(PAGE, read_headers=("X-Exposed",)),
            None,
        ),
        "hidden-header": (
            url("/api/headers"),
            BrowserRequest(PAGE, read_headers=("X-Hidden",)),
            None,
        ),
        "refused-origin": (url("/api/refused"), BrowserRequest(PAGE), None),
    }
    for name, (target, request_, body) in checks.items():
        report = await check(target, request_, body=body)
        outcome = "allowed" if report.ok else "blocked"
        assert outcome == DEMO_TESTS[name], f"{name}:\n{format_report(report)}"
    assert not (set(DEMO_TESTS) - set(checks)) - {"websocket", "websocket-refused-origin"}


async def test_the_demo_prints_the_api_surface_and_each_refusal() -> None:
    """Where a user of the demo looks, the terminal: the API's CORS surface (what
    ``routes`` prints for an app) and a line per refused request (``cors.on_refusal``)."""
    out = io.StringIO()
    stop = asyncio.Event()
    page_sock, api_sock = bind_socket("127.0.0.1", 0), bind_socket("127.0.0.1", 0)
    serving = asyncio.ensure_future(serve_demo(page_sock, api_sock, "127.0.0.1", stop, out))
    try:
        while "Press Ctrl-C" not in out.getvalue():
            await asyncio.sleep(0.01)
        page = f"http://127.0.0.1:{page_sock.getsockname()[1]}"
        api = f"http://127.0.0.1:{api_sock.getsockname()[1]}"
        async with (
            aiohttp.ClientSession() as session,
            session.options(
                api + "/api/items/1", headers=preflight("PUT", "x-forbidden", origin=page)
            ) as response,
        ):
            assert response.status == 403
    finally:
        stop.set()
        await serving
        page_sock.close()
        api_sock.close()
    printed = out.getvalue()
    assert "APP  PATH" in printed
    assert re.search(rf"/api/ws\s+GET\s+{re.escape(page)}\s+exact", printed)
    assert (
        f"refused preflight: PUT /api/items/{{id}} from {page}: headers are not allowed: "
        "X-FORBIDDEN" in printed
    )


def test_bind_socket_errors() -> None:
    for host in ("0.0.0.0", "::", ""):
        with pytest.raises(DemoError, match="not an address a browser can open"):
            bind_socket(host, 0)
    with pytest.raises(DemoError, match="out of range"):
        bind_socket("127.0.0.1", 70000)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(DemoError, match=f"cannot listen on 127.0.0.1 port {port}"):
            bind_socket("127.0.0.1", port)


# --------------------------------------------------------------------------------------------------
# python -m aiohttp_cors demo
# --------------------------------------------------------------------------------------------------


async def _start_demo(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aiohttp_cors",
        "demo",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )


async def _read_origins(process: asyncio.subprocess.Process) -> tuple[str, str]:
    assert process.stdout is not None
    page = api = ""
    while not (page and api):
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        assert line, "the demo exited before printing its URLs"
        if match := re.match(r"\s*page: (http://\S+)/", line):
            page = match.group(1)
        if match := re.match(r"\s*api:\s+(http://\S+)/", line):
            api = match.group(1)
    return page, api


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_demo_command_serves_and_stops_cleanly(signum: signal.Signals) -> None:
    process = await _start_demo("--host", "127.0.0.1")
    try:
        page, api = await _read_origins(process)
        assert page != api
        async with aiohttp.ClientSession() as session:
            async with session.get(page + "/") as response:
                assert response.status == 200
                assert f'<meta name="api-origin" content="{api}">' in await response.text()
            async with session.options(
                api + "/api/items/1", headers=preflight("PUT", "content-type", origin=page)
            ) as response:
                assert response.status == 200
                assert response.headers["Access-Control-Allow-Origin"] == page
            # With an open WebSocket too, the demo must stop promptly.
            ws = await session.ws_connect(api.replace("http", "ws") + "/api/ws", origin=page)
            process.send_signal(signum)
            stdout, stderr = await asyncio.wait_for(process.communicate(), 20)
            await ws.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert b"Traceback" not in stderr
    assert b"Stopped." in stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--host", "0.0.0.0"), "not an address a browser can open"),
        (("--page-port", "70000"), "out of range"),
        (("--api-port", "http"), "not a port number"),
    ],
)
async def test_demo_command_bad_arguments(args: tuple[str, ...], message: str) -> None:
    process = await _start_demo(*args)
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 2
    assert message in stderr.decode()
    assert b"Traceback" not in stderr


@pytest.mark.parametrize("option", ["--page-port", "--api-port"])
async def test_demo_command_port_in_use(option: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await _start_demo(option, str(port))
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 2
    assert stderr.decode() == (
        f"error: cannot listen on 127.0.0.1 port {port}: Address already in use\n"
    )


async def test_demo_command_same_port_twice() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await _start_demo("--page-port", str(port), "--api-port", str(port))
    _, stderr = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 2
    text = stderr.decode()
    assert text.count("\n") == 1, text  # one line, no traceback
    assert text.startswith(
        f"error: the page and the API need two ports (two origins), but both are {port}"
    )


def test_bound_sockets_are_listening() -> None:
    """A port is taken as soon as bind_socket returns, even for a socket with SO_REUSEADDR."""
    first = bind_socket("127.0.0.1", 0)
    try:
        port = first.getsockname()[1]
        with pytest.raises(DemoError, match=f"cannot listen on 127.0.0.1 port {port}"):
            bind_socket("127.0.0.1", port)
    finally:
        first.close()


def test_run_demo_refuses_one_port_for_both_origins() -> None:
    with pytest.raises(DemoError, match="need two ports"):
        run_demo("127.0.0.1", 8123, 8123)
