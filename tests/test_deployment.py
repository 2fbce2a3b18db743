"""examples/deployment.py as docs/deployment.rst describes it: under real gunicorn with
aiohttp's worker and two worker processes, and behind a TLS-terminating proxy whose
forwarded headers aiohttp-remotes' middleware applies."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from .helpers import ACAC, ACAH, ACAM, ACAO, ACEH, ACMA, ACRH, ACRM, ORIGIN
from .test_examples import load

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
deployment = load(EXAMPLES / "deployment.py")

PAGE = deployment.PAGE_ORIGIN
OTHER = "https://other.example"
# What a proxy that terminates TLS for https://public.example adds to each request.
PUBLIC = "https://public.example"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "public.example"}

ClientFactory = Callable[[web.Application], Awaitable[Any]]


async def handshake(session: Any, url: str, headers: Mapping[str, str]) -> int:
    """The status of a WebSocket handshake: 101 once the socket echoes, else the refusal's."""
    try:
        async with session.ws_connect(url, headers=headers) as ws:
            await ws.send_str("ping")
            assert await ws.receive_str(timeout=5) == "echo: ping"
            return 101
    except aiohttp.WSServerHandshakeError as error:
        return error.status


# --- the WebSocket own-origin rule behind a TLS-terminating proxy, in process ------------

HANDSHAKES = [
    # (case, with aiohttp-remotes' middleware, request headers, status)
    # A page of the API's own public site: the server's own origin is the forwarded one.
    ("own public origin, forwarded", True, {ORIGIN: PUBLIC, **FORWARDED}, 101),
    # Without the middleware the server sees http and its internal host: not its own.
    ("own public origin, not forwarded", False, {ORIGIN: PUBLIC, **FORWARDED}, 403),
    # The forwarded values do not vouch for another origin.
    ("foreign origin, forwarded", True, {ORIGIN: OTHER, **FORWARDED}, 403),
    ("public origin without forwarded headers", True, {ORIGIN: PUBLIC}, 403),
    # The configured page origin is admitted either way.
    ("page origin, forwarded", True, {ORIGIN: PAGE, **FORWARDED}, 101),
    ("page origin, not forwarded", False, {ORIGIN: PAGE}, 101),
]


@pytest.mark.parametrize(
    ("forwarding", "headers", "status"),
    [case[1:] for case in HANDSHAKES],
    ids=[case[0] for case in HANDSHAKES],
)
async def test_websocket_own_origin_behind_a_proxy(
    aiohttp_client: ClientFactory, forwarding: bool, headers: dict[str, str], status: int
) -> None:
    app = await deployment.create_app() if forwarding else deployment.build_app()
    client = await aiohttp_client(app)
    assert await handshake(client, "/api/live", headers) == status


async def test_websocket_own_origin_without_a_proxy(aiohttp_client: ClientFactory) -> None:
    # Served directly, the server's own origin is the address the client connected to.
    client = await aiohttp_client(deployment.build_app())
    own = f"http://{client.host}:{client.port}"
    assert await handshake(client, "/api/live", {ORIGIN: own}) == 101


# --- the example under gunicorn ------------------------------------------------------------


@dataclass(frozen=True)
class Gunicorn:
    url: str
    master: subprocess.Popen[bytes]
    workers: frozenset[int]
    log: Path


def children(pid: int) -> frozenset[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return frozenset(found)


def wait_until_serving(master: subprocess.Popen[bytes], url: str, log: Path) -> frozenset[int]:
    """The worker pids, once two workers run and the app answers its health check."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if master.poll() is not None:
            pytest.fail(f"gunicorn exited with {master.returncode}:\n{log.read_text()}")
        workers = children(master.pid)
        if len(workers) == 2:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return workers
            except (urllib.error.URLError, OSError):
                pass  # no worker serving yet
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not start serving within 60 s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gunicorn]:
    # A listening socket bound here and inherited by gunicorn (fd://): a free port, and
    # no race for it between choosing and binding.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    # The workers import this checkout's aiohttp_cors, whatever is installed.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "-m", "gunicorn", "deployment:create_app",
        "--chdir", str(EXAMPLES),
        "--worker-class", "aiohttp.GunicornWebWorker",
        "--workers", "2",
        "--bind", f"fd://{listener.fileno()}",
        "--graceful-timeout", "10",
        # No control socket in $HOME, shared with any other gunicorn on the machine.
        "--no-control-socket",
    ]  # fmt: skip
    with log.open("wb") as output:
        master = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()],
            env=env,
        )
    listener.close()  # gunicorn has its own copy
    try:
        workers = wait_until_serving(master, url, log)
        yield Gunicorn(url, master, workers, log)
        # No worker died and was replaced while the tests ran.
        assert children(master.pid) == workers, log.read_text()
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(timeout=30)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait()
    output_text = log.read_text()
    assert master.returncode == 0, output_text
    assert "Traceback" not in output_text, output_text
    assert "[ERROR]" not in output_text, output_text


def tokens(value: str, *, fold_case: bool = True) -> set[str]:
    found = {token.strip() for token in value.split(",") if token.strip()}
    return {token.lower() for token in found} if fold_case else found


@dataclass(frozen=True)
class Exchange:
    """A request to the example and the CORS answer it must get, whatever worker answers."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    status: int
    # Header -> exact value, or None for "absent".
    exact: dict[str, str | None]
    # Header -> names its comma-separated list must contain; case-insensitively, except
    # methods, which browsers compare case-sensitively.
    listed: dict[str, set[str]]
    vary_origin: bool = True
    body_contains: str = ""


PREFLIGHT = {ORIGIN: PAGE, ACRM: "POST", ACRH: "content-type"}
EXCHANGES = [
    Exchange(
        "allowed", "GET", "/api/items", {ORIGIN: PAGE}, 200,
        {ACAO: PAGE, ACAC: "true", ACEH: "X-Total-Count"}, {},
    ),
    Exchange(
        "allowed behind the proxy", "GET", "/api/items", {ORIGIN: PAGE, **FORWARDED}, 200,
        {ACAO: PAGE, ACAC: "true"}, {},
    ),
    Exchange("refused", "GET", "/api/items", {ORIGIN: OTHER}, 200, {ACAO: None, ACAC: None}, {}),
    Exchange("no origin", "GET", "/api/items", {}, 200, {ACAO: None, ACAC: None}, {}),
    Exchange(
        "preflight", "OPTIONS", "/api/items", PREFLIGHT, 200,
        {ACAO: PAGE, ACAC: "true", ACMA: "600"}, {ACAM: {"POST"}, ACAH: {"content-type"}},
    ),
    Exchange(
        "preflight, refused origin", "OPTIONS", "/api/items", {**PREFLIGHT, ORIGIN: OTHER}, 403,
        {ACAO: None, ACAM: None}, {},
        body_contains=f"CORS preflight request failed: origin '{OTHER}' is not allowed",
    ),
    Exchange(
        # A literal "*" and no Vary: Origin, as the CDN section advises for cached data.
        "public resource", "GET", "/api/status", {ORIGIN: "https://anyone.example"}, 200,
        {ACAO: "*", ACAC: None, "Cache-Control": "public, max-age=60"}, {},
        vary_origin=False,
    ),
    Exchange(
        "health check", "GET", "/healthz", {ORIGIN: OTHER}, 200, {ACAO: None}, {},
        vary_origin=False,
    ),
]  # fmt: skip


@pytest.mark.parametrize("exchange", EXCHANGES, ids=[e.name for e in EXCHANGES])
async def test_cors_answers_under_gunicorn(gunicorn: Gunicorn, exchange: Exchange) -> None:
    # A new connection per request, so that both workers get to answer.
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(4):
            async with session.request(
                exchange.method, gunicorn.url + exchange.path, headers=exchange.headers
            ) as response:
                body = await response.text()
                assert response.status == exchange.status, body
                for name, value in exchange.exact.items():
                    assert response.headers.get(name) == value, name
                for name, wanted in exchange.listed.items():
                    found = tokens(response.headers.get(name, ""), fold_case=name != ACAM)
                    assert wanted <= found, name
                vary = tokens(",".join(response.headers.getall("Vary", [])))
                assert ("origin" in vary) is exchange.vary_origin
                assert exchange.body_contains in body


@pytest.mark.parametrize(
    ("origin", "status"), [(PAGE, 101), (OTHER, 403)], ids=["page origin", "other origin"]
)
async def test_websocket_under_gunicorn(gunicorn: Gunicorn, origin: str, status: int) -> None:
    async with aiohttp.ClientSession() as session:
        assert await handshake(session, gunicorn.url + "/api/live", {ORIGIN: origin}) == status


def _docstring_curls() -> list[list[str]]:
    """The curl commands of the example's docstring, each as its words."""
    doc = (deployment.__doc__ or "").replace("\\\n", " ")
    return [line.split() for line in doc.splitlines() if line.strip().startswith("curl ")]


def test_docstring_curls_send_the_forwarded_headers() -> None:
    # The docstring says the forwarded headers play the proxy's part: its commands send them.
    curls = _docstring_curls()
    assert len(curls) == 2
    for words in curls:
        command = " ".join(words)
        assert '-H "X-Forwarded-Proto: https"' in command, command
        assert '-H "X-Forwarded-Host: api.example.com"' in command, command


async def test_docstring_curls_get_what_it_says(aiohttp_client: ClientFactory) -> None:
    client = await aiohttp_client(await deployment.create_app())
    answers = []
    for words in _docstring_curls():
        url = next(w for w in words if w.startswith("http://"))
        command = " ".join(words)
        headers = dict(re.findall(r'-H "([^:"]+): ([^"]*)"', command))
        response = await client.get(url.removeprefix("http://127.0.0.1:8080"), headers=headers)
        assert response.status == 200
        vary = response.headers.get("Vary", "").lower()
        answers.append((response.headers.get(ACAO), "origin" in vary))
    # Echoed with Vary: Origin for the page; a literal "*" without it for the public route.
    assert answers == [(PAGE, True), ("*", False)]
