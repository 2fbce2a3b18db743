"""Plumbing for the real-browser CORS scenarios.

The pieces:

* :class:`ServerLoop` -- one asyncio event loop running forever in a daemon thread.  Every aiohttp
  server of the session lives on it, so the (synchronous) tests can drive Selenium while the
  servers answer the browser.  Driving Selenium from inside the serving loop would deadlock.
* :class:`Server` -- one running aiohttp application on ``127.0.0.1:<fresh port>`` with a log of
  every request it answered (:class:`Seen`), recorded by an ``on_response_prepare`` hook that is
  appended last, so it also sees the final response headers and preflights answered early.
* :class:`ServerPool` -- starts servers for one test and stops them all afterwards.
* :class:`Page` -- the browser tab showing a page from origin A; runs ``fetch()``, XHR and
  WebSocket calls in that page and returns a :class:`JsResult`.

Every assertion helper puts the browser console (Chromium's CORS error text) and the request
logs of all servers of the test into its failure message.

The cross-checks: after every ``fetch()`` and XHR a scenario runs through :class:`Page`,
the CORS doctor (:func:`aiohttp_cors._tools.doctor.check`) makes the same request -- URL, page
origin, method, headers, body, credentials mode, the cookies Chromium holds for the URL, the
headers the scenario reads -- and so does :func:`aiohttp_cors.testing.check`, through a client
with the members of pytest-aiohttp's ``TestClient`` it uses (:class:`PoolClient`: the server's
URL, and a session whose cookie jar holds Chromium's cookies).  The call fails unless each
one's allowed/blocked verdict is Chromium's (readable vs TypeError / XHR error event) and, when
allowed, the headers the scenario reads are readable for both alike.  Their requests carry
aiohttp's client User-Agent, so the request log keeps them apart
(:meth:`Server.doctor_requests`): what scenarios assert about the log is exactly what the
browser sent.  The cases where the comparison means nothing are listed in
:func:`doctor_exclusion` (the one place for the rules, the same for both) or excluded at the
call site with ``doctor_skip="reason"``; all are counted in :class:`CrossCheckTally` (the
doctor's) and its ``testing`` tally, printed at the end of the session.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import aiohttp
from aiohttp import web
from aiohttp.http import SERVER_SOFTWARE
from multidict import CIMultiDict
from selenium.webdriver.chrome.webdriver import WebDriver as ChromeDriver
from yarl import URL

from aiohttp_cors._tools.browser import BrowserRequest, normalize_method
from aiohttp_cors._tools.doctor import CheckError, Report, check, format_report
from aiohttp_cors.testing import CorsVerdict
from aiohttp_cors.testing import check as testing_check

T = TypeVar("T")

# Request headers worth showing in failure messages.
SHOWN_REQUEST_HEADERS = (
    "Origin",
    "Access-Control-Request-Method",
    "Access-Control-Request-Headers",
    "Cookie",
    "Authorization",
    "Content-Type",
    "X-Custom",
    "Upgrade",
)
# Response headers worth showing in failure messages.
SHOWN_RESPONSE_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
    "Vary",
    "Location",
)

PAGE_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>CORS test page</title>
<link rel="icon" href="data:,"></head>
<body><p>origin A</p></body></html>
"""

SCRIPT_TIMEOUT_S = 10.0
SERVER_OP_TIMEOUT_S = 15.0

# The doctor's HTTP client never sets a User-Agent, so aiohttp sends its default; Chromium's
# starts with "Mozilla/5.0".  Requests carrying it go to the server's doctor log.
DOCTOR_USER_AGENT = SERVER_SOFTWARE


class ServerLoop:
    """An event loop running forever in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="cors-browser-servers", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = SERVER_OP_TIMEOUT_S) -> T:
        """Run *coro* on the server loop and wait for its result from the calling thread."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


@dataclass(frozen=True)
class Seen:
    """One request a server answered, as recorded when its response was prepared."""

    method: str
    path: str
    query_string: str
    headers: CIMultiDict[str]
    status: int
    response_headers: CIMultiDict[str]
    response_text: str | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def is_preflight(self) -> bool:
        return (
            self.method == "OPTIONS"
            and "Origin" in self.headers
            and "Access-Control-Request-Method" in self.headers
        )

    def describe(self) -> str:
        req = ", ".join(
            f"{name}={self.headers[name]!r}"
            for name in SHOWN_REQUEST_HEADERS
            if name in self.headers
        )
        resp = ", ".join(
            f"{name}={self.response_headers[name]!r}"
            for name in SHOWN_RESPONSE_HEADERS
            if name in self.response_headers
        )
        target = self.path + (f"?{self.query_string}" if self.query_string else "")
        text = f" {self.response_text!r}" if self.status >= 400 and self.response_text else ""
        return f"{self.method} {target} [{req}] -> {self.status}{text} [{resp}]"


class Server:
    """A running aiohttp application with a request log."""

    def __init__(
        self,
        name: str,
        runner: web.AppRunner,
        port: int,
        log: list[Seen],
        doctor_log: list[Seen] | None = None,
    ) -> None:
        self.name = name
        self.runner = runner
        self.port = port
        self._log = log
        self._doctor_log = doctor_log if doctor_log is not None else []

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def origin_for(self, host: str) -> str:
        return f"http://{host}:{self.port}"

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def ws_url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"ws://{host}:{self.port}{path}"

    def requests(self, path: str | None = None) -> list[Seen]:
        log = list(self._log)
        return [seen for seen in log if path is None or seen.path == path]

    def doctor_requests(self) -> list[Seen]:
        """The requests the doctor's cross-checks made (never in :meth:`requests`)."""
        return list(self._doctor_log)

    def calls(self, path: str | None = None) -> list[tuple[str, str]]:
        return [(seen.method, seen.path) for seen in self.requests(path)]

    def clear(self) -> None:
        self._log.clear()

    def describe(self) -> str:
        lines = [f"server {self.name} ({self.origin}) saw {len(self._log)} request(s):"]
        lines.extend(f"    {seen.describe()}" for seen in list(self._log))
        return "\n".join(lines)


def _body_excerpt(response: web.StreamResponse) -> str | None:
    """The start of a plain in-memory response body (e.g. the package's 403 explanation)."""
    if isinstance(response, web.Response) and isinstance(response.body, bytes):
        return response.body[:300].decode("utf-8", "replace")
    return None


class ServerPool:
    """Starts aiohttp servers (fresh ports) for one test and stops them afterwards."""

    def __init__(self, loop: ServerLoop) -> None:
        self._loop = loop
        self.servers: list[Server] = []
        self._unnamed = 0

    @property
    def loop(self) -> ServerLoop:
        return self._loop

    def start(self, app: web.Application, name: str | None = None) -> Server:
        log: list[Seen] = []
        doctor_log: list[Seen] = []

        async def record(request: web.Request, response: web.StreamResponse) -> None:
            by_doctor = request.headers.get("User-Agent") == DOCTOR_USER_AGENT
            (doctor_log if by_doctor else log).append(
                Seen(
                    method=request.method,
                    path=request.path,
                    query_string=request.query_string,
                    headers=CIMultiDict(request.headers),
                    status=response.status,
                    response_headers=CIMultiDict(response.headers),
                    response_text=_body_excerpt(response),
                )
            )

        # Appended last, so the final response headers (added by earlier hooks) are recorded.
        app.on_response_prepare.append(record)

        async def boot() -> tuple[web.AppRunner, int]:
            runner = web.AppRunner(app, shutdown_timeout=0.5, handle_signals=False)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            addresses = runner.addresses
            return runner, int(addresses[0][1])

        runner, port = self._loop.run(boot())
        server = Server(name or chr(ord("B") + self._unnamed), runner, port, log, doctor_log)
        if name is None:
            self._unnamed += 1
        self.servers.append(server)
        return server

    def describe(self) -> str:
        return "\n".join(server.describe() for server in self.servers)

    def close(self) -> None:
        servers, self.servers = self.servers, []
        for server in reversed(servers):
            self._loop.run(server.runner.cleanup())


def make_page_app() -> web.Application:
    """Origin A: serves the HTML page the scripts run in (any Host name)."""

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE_HTML, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    return app


@dataclass
class JsResult:
    """Outcome of one fetch()/XHR/WebSocket call made by the page."""

    kind: str
    url: str
    ok: bool
    status: int | None = None
    body: str | None = None
    headers: dict[str, str | None] = field(default_factory=dict)
    visible_headers: list[str] = field(default_factory=list)
    error: str | None = None
    redirected: bool = False
    final_url: str | None = None
    console: list[str] = field(default_factory=list)
    page_origin: str = ""
    pool: ServerPool | None = field(default=None, repr=False)

    def describe(self) -> str:
        if self.ok:
            outcome = (
                f"readable, status={self.status}, body={self.body!r}, headers={self.headers!r}"
            )
        else:
            outcome = f"FAILED with {self.error!r}"
        console = "\n".join(f"    {line}" for line in self.console) or "    (nothing)"
        return (
            f"{self.kind} {self.url}: {outcome}\n"
            f"browser console during the call:\n{console}\n"
            f"page origin {self.page_origin}\n"
            f"{self.pool.describe() if self.pool is not None else ''}"
        )

    @property
    def cors_console_errors(self) -> list[str]:
        return [line for line in self.console if "CORS policy" in line]

    def assert_readable(self, status: int = 200, body: str | None = None) -> None:
        """The script could read the response (no CORS error)."""
        assert self.ok, f"expected a readable response\n{self.describe()}"
        assert self.status == status, f"expected status {status}\n{self.describe()}"
        if body is not None:
            assert self.body == body, f"expected body {body!r}\n{self.describe()}"
        assert not self.cors_console_errors, f"unexpected CORS console error\n{self.describe()}"

    def assert_blocked(self) -> None:
        """The browser refused to hand the response to the script because of CORS."""
        assert not self.ok, f"expected the browser to block the response\n{self.describe()}"
        if self.kind == "fetch":
            assert self.error is not None, self.describe()
            assert self.error.startswith("TypeError"), f"expected a TypeError\n{self.describe()}"
        if self.kind in ("fetch", "xhr"):
            assert self.cors_console_errors, (
                f"expected a CORS error in the browser console\n{self.describe()}"
            )

    def assert_header(self, name: str, value: str | None) -> None:
        assert name in self.headers, f"header {name!r} was not read by the script"
        assert self.headers[name] == value, (
            f"expected header {name!r} to read as {value!r}\n{self.describe()}"
        )


def assert_calls(
    server: Server,
    expected: Sequence[tuple[str, str]],
    result: JsResult | None = None,
    path: str | None = None,
) -> None:
    """The server saw exactly these (method, path) requests, in this order."""
    actual = server.calls(path)
    context = result.describe() if result is not None else server.describe()
    assert actual == list(expected), (
        f"server {server.name} saw {actual}, expected {list(expected)}\n{context}"
    )


def assert_seen_header(
    seen: Seen, name: str, value: str | None, result: JsResult | None = None
) -> None:
    """A request the server saw carried header *name* with *value* (None: absent)."""
    context = result.describe() if result is not None else seen.describe()
    assert seen.header(name) == value, (
        f"{seen.method} {seen.path}: expected request header {name}={value!r}, "
        f"got {seen.header(name)!r}\n{context}"
    )


# --- the doctor cross-check --------------------------------------------------------------

EXCLUDED_WEBSOCKET = "WebSocket handshake (browsers apply no CORS check; the doctor models fetch)"
EXCLUDED_SAME_ORIGIN = "same-origin request (no CORS check at all)"
EXCLUDED_AUTHORIZATION_STAR = (
    "Chromium deviation: 'Access-Control-Allow-Headers: *' lets Authorization through "
    "(the Fetch standard and the doctor refuse it)"
)


def doctor_exclusion(result: JsResult, report: Report) -> str | None:
    """Why the doctor's verdict on *result*'s request cannot be compared with Chromium's, if it
    cannot: the one place for the rules (WebSockets and same-origin URLs are never sent to the
    doctor, and scenarios can exclude a call with ``doctor_skip``).

    * Chromium still lets Authorization through when a preflight answers
      'Access-Control-Allow-Headers: *' without credentials; the Fetch standard says '*' never
      covers Authorization, and the doctor follows the standard on purpose (its message says
      the browsers differ).  Excluded only when that rule is the doctor's sole objection and
      Chromium allowed the request.
    """
    preflight = report.preflight
    blocking = [p.rule for p in report.problems if p.kind == "blocked"]
    if (
        result.ok
        and preflight is not None
        and blocking == ["authorization-not-listed"]
        and any(
            name.lower() == "access-control-allow-headers"
            and "*" in (item.strip() for item in value.split(","))
            for name, value in preflight.response_headers
        )
    ):
        return EXCLUDED_AUTHORIZATION_STAR
    return None


def chromium_verdict(result: JsResult) -> str | None:
    """Chromium's verdict: "allowed" when the script could read the response, "blocked" for a
    fetch() TypeError or an XHR error event, None for anything else (a timeout, a script
    error)."""
    if result.ok:
        return "allowed"
    error = result.error or ""
    if (result.kind == "fetch" and error.startswith("TypeError")) or (
        result.kind == "xhr" and error.startswith("NetworkError")
    ):
        return "blocked"
    return None


TESTING_CHECK = "aiohttp_cors.testing.check"


@dataclass
class CheckerTally:
    """How the cross-checks of one checker went."""

    name: str = "doctor"
    agreed: int = 0
    disagreed: int = 0
    excluded: Counter[str] = field(default_factory=Counter)

    def exclude(self, reason: str) -> None:
        self.excluded[reason] += 1

    def line(self) -> str:
        text = (
            f"{self.name} cross-checks: {self.agreed} agreed, "
            f"{sum(self.excluded.values())} excluded"
        )
        if self.excluded:
            reasons = "; ".join(f"{count} x {reason}" for reason, count in self.excluded.items())
            text += f" ({reasons})"
        if self.disagreed:
            text += f", {self.disagreed} DISAGREED"
        return text


@dataclass
class CrossCheckTally(CheckerTally):
    """The doctor's cross-checks of a session, and in ``testing`` those of
    :func:`aiohttp_cors.testing.check`; :meth:`summary` ends the terminal summary."""

    testing: CheckerTally = field(default_factory=lambda: CheckerTally(TESTING_CHECK))

    def exclude_both(self, reason: str) -> None:
        self.exclude(reason)
        self.testing.exclude(reason)

    def summary(self) -> str:
        return f"{self.line()}\n{self.testing.line()}"


def _indent(text: str, prefix: str = "    ") -> str:
    return "\n".join(prefix + line for line in text.rstrip("\n").splitlines())


def _checker(tally: CheckerTally) -> str:
    """How messages name the checker of ``tally``: "the doctor" or the testing function."""
    return "the doctor" if tally.name == "doctor" else tally.name


def _disagreement(
    result: JsResult, report: Report, chromium: str | None, tally: CheckerTally
) -> str:
    console = "\n".join(f"    {line}" for line in result.cors_console_errors) or "    (none)"
    failed = [p for p in report.problems if p.kind != "warning"]
    rules = "\n".join(f"    [{p.stage}] {p.rule}: {p.message}" for p in failed) or "    (none)"
    said = chromium or f"no CORS verdict ({result.error!r})"
    who = _checker(tally)
    return (
        f"{tally.name} cross-check: Chromium says {said}, {who} says {report.verdict}\n"
        f"Chromium's CORS console message(s):\n{console}\n"
        f"{who}'s failed rules:\n{rules}\n"
        f"{who}'s report:\n{_indent(format_report(report))}\n"
        f"the browser call: {result.describe()}"
    )


@dataclass
class PoolClient:
    """The members of pytest-aiohttp's ``TestClient`` that :func:`aiohttp_cors.testing.check`
    uses, for a server of the pool: ``make_url`` and a ``session``."""

    root: URL
    session: aiohttp.ClientSession

    def make_url(self, path: str) -> URL:
        return self.root.join(URL(path))


async def _testing_verdict(
    target: URL, request: BrowserRequest, body: str | None, cookies: Sequence[tuple[str, str]]
) -> CorsVerdict:
    """:func:`aiohttp_cors.testing.check` on ``request``, with Chromium's cookies in the jar."""
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: the servers are on IP addresses
    jar.update_cookies(list(cookies), response_url=target)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        return await testing_check(
            PoolClient(target.origin(), session),
            str(target.relative()),
            origin=request.origin,
            method=request.method,
            headers=request.headers,
            credentials=request.credentials,
            read_headers=request.read_headers,
            body=body,
        )


_FETCH_JS = """
const [url, init, readHeaders, done] = arguments;
fetch(url, init).then(
  async (r) => {
    let body = null;
    try { body = await r.text(); } catch (e) { body = null; }
    const headers = {};
    for (const name of readHeaders) headers[name] = r.headers.get(name);
    done({ok: true, status: r.status, body, headers, visible: [...r.headers.keys()],
          redirected: r.redirected, finalUrl: r.url});
  },
  (e) => done({ok: false, error: `${e.name}: ${e.message}`}),
);
"""

_XHR_JS = """
const [url, opts, done] = arguments;
const xhr = new XMLHttpRequest();
xhr.open(opts.method, url, true);
xhr.withCredentials = opts.withCredentials;
for (const [k, v] of Object.entries(opts.headers)) xhr.setRequestHeader(k, v);
xhr.onload = () => {
  const headers = {};
  for (const name of opts.readHeaders) headers[name] = xhr.getResponseHeader(name);
  const visible = xhr.getAllResponseHeaders().trim().split(/\\r?\\n/)
    .filter((l) => l).map((l) => l.split(':')[0].trim().toLowerCase());
  done({ok: true, status: xhr.status, body: xhr.responseText, headers, visible,
        redirected: false, finalUrl: xhr.responseURL});
};
xhr.onerror = () => done({ok: false, error: `NetworkError: XHR error event, status ${xhr.status}`});
xhr.send(opts.body);
"""

_WS_JS = """
const [url, message, done] = arguments;
let finished = false;
const finish = (value) => { if (!finished) { finished = true; clearTimeout(timer); done(value); } };
const timer = setTimeout(() => finish({ok: false, error: 'timeout'}), 5000);
let opened = false;
let ws;
try {
  ws = new WebSocket(url);
} catch (e) {
  finish({ok: false, error: `${e.name}: ${e.message}`});
}
if (ws) {
  ws.onopen = () => { opened = true; ws.send(message); };
  ws.onmessage = (ev) => {
    finish({ok: true, status: 101, body: String(ev.data)});
    ws.close(1000);
  };
  ws.onclose = (ev) => finish({ok: false,
      error: `closed (opened=${opened}) code=${ev.code} reason=${ev.reason}`});
}
"""

Credentials = Literal["omit", "same-origin", "include"]


class Page:
    """The browser tab, showing the test page served by origin A."""

    def __init__(
        self,
        driver: ChromeDriver,
        pool: ServerPool,
        page_server: Server,
        tally: CrossCheckTally | None = None,
    ) -> None:
        self.driver = driver
        self.pool = pool
        self.server = page_server
        self.host = "127.0.0.1"
        self.tally = tally if tally is not None else CrossCheckTally()
        # True while the doctor repeats a call: handlers and origin callables that keep state
        # a scenario asserts on can leave the doctor's requests out.
        self.doctor_running = False

    @property
    def origin(self) -> str:
        return self.server.origin_for(self.host)

    def goto(self, host: str = "127.0.0.1", server: Server | None = None) -> None:
        """Load ``http://<host>:<port>/`` (*host* may be e.g. app.localhost) from the page
        server, or from *server* (which must then serve the page at ``/``)."""
        if server is not None:
            self.server = server
        self.host = host
        self.driver.get(self.server.url("/", host=host))
        actual = self.driver.execute_script("return location.origin")
        assert actual == self.origin, f"page origin is {actual!r}, expected {self.origin!r}"
        self.drain_console()

    def drain_console(self) -> list[str]:
        entries: Iterable[Mapping[str, Any]] = self.driver.get_log("browser")  # type: ignore[no-untyped-call]
        return [f"{entry.get('level')}: {entry.get('message')}" for entry in entries]

    def set_cookie(self, name: str, value: str) -> None:
        """A host-only cookie for the page's host (cookies ignore ports, so every API port on
        that host receives it)."""
        self.driver.add_cookie({"name": name, "value": value, "path": "/", "sameSite": "Lax"})

    def cookies_for(self, url: str) -> list[tuple[str, str]]:
        """The cookies Chromium holds for *url* (what a credentialed request there carries; the
        order may differ from the Cookie header Chromium writes, which no CORS rule reads)."""
        found = self.driver.execute_cdp_cmd("Network.getCookies", {"urls": [url]})
        return [(str(c["name"]), str(c["value"])) for c in found.get("cookies", [])]

    def _absolute(self, url: str) -> URL:
        return URL(self.server.url("/", host=self.host)).join(URL(url))

    def _cross_check(
        self,
        result: JsResult,
        *,
        method: str,
        headers: Mapping[str, str],
        body: str | None,
        credentials: bool,
        cookies: Sequence[tuple[str, str]],
        read_headers: Sequence[str],
        skip: str | None,
    ) -> None:
        """Make the same request with the doctor, then with aiohttp_cors.testing.check, after
        the browser made it; fail the call when an allowed/blocked verdict differs from
        Chromium's, or (both allowed) the readable ones among the headers the scenario reads.
        See the module docstring."""
        if skip is not None:
            self.tally.exclude_both(f"excluded by the scenario: {skip}")
            return
        target = self._absolute(result.url)
        if target.origin() == URL(self.origin).origin():
            self.tally.exclude_both(EXCLUDED_SAME_ORIGIN)
            return
        request = BrowserRequest(
            self.origin,
            method,
            tuple(headers.items()),
            credentials=credentials,
            read_headers=tuple(read_headers),
        )
        cookies = cookies if credentials else ()
        self._compare(
            self.tally,
            result,
            read_headers,
            lambda: check(str(target), request, body=body, cookies=cookies),
        )
        self._compare(
            self.tally.testing,
            result,
            read_headers,
            lambda: self._report_of(_testing_verdict(target, request, body, cookies)),
        )

    @staticmethod
    async def _report_of(verdict: Coroutine[Any, Any, CorsVerdict]) -> Report:
        return (await verdict).report

    def _compare(
        self,
        tally: CheckerTally,
        result: JsResult,
        read_headers: Sequence[str],
        checking: Callable[[], Coroutine[Any, Any, Report]],
    ) -> None:
        """Run one checker on the server loop and compare its verdict with Chromium's."""
        logged = [len(server.requests()) for server in self.pool.servers]
        self.doctor_running = True
        try:
            report = self.pool.loop.run(checking())
        except CheckError as exc:
            tally.disagreed += 1
            raise AssertionError(
                f"{tally.name} cross-check: {_checker(tally)} could not check the request: "
                f"{exc}\nthe browser call: {result.describe()}"
            ) from None
        finally:
            self.doctor_running = False
        assert [len(server.requests()) for server in self.pool.servers] == logged, (
            f"{tally.name} cross-check: its requests leaked into the request log "
            f"(User-Agent is not {DOCTOR_USER_AGENT!r}?)\n{self.pool.describe()}"
        )
        reason = doctor_exclusion(result, report)
        if reason is not None:
            tally.exclude(reason)
            return
        chromium = chromium_verdict(result)
        if chromium != report.verdict:
            tally.disagreed += 1
            raise AssertionError(_disagreement(result, report, chromium, tally))
        if chromium == "allowed" and report.actual is not None and read_headers:
            # Allowed by both: the headers the scenario reads must be readable for both alike.
            readable = {h.lower() for h in report.actual.verdict.readable_headers}
            checker_reads = sorted(h for h in read_headers if h.lower() in readable)
            chromium_reads = sorted(h for h in read_headers if result.headers.get(h) is not None)
            if checker_reads != chromium_reads:
                tally.disagreed += 1
                raise AssertionError(
                    f"{tally.name} cross-check: of {sorted(read_headers)}, Chromium lets the "
                    f"page read {chromium_reads}, {_checker(tally)} {checker_reads}\n"
                    + _disagreement(result, report, chromium, tally)
                )
        tally.agreed += 1

    def _finish(self, kind: str, url: str, raw: Mapping[str, Any] | None) -> JsResult:
        if raw is None:
            raw = {"ok": False, "error": "script returned nothing"}
        # Console messages are emitted before the promise settles; a tiny grace period catches
        # ones that race with the callback.
        console = self.drain_console()
        if not raw.get("ok") and not console:
            time.sleep(0.05)
            console = self.drain_console()
        return JsResult(
            kind=kind,
            url=url,
            ok=bool(raw.get("ok")),
            status=raw.get("status"),
            body=raw.get("body"),
            headers=dict(raw.get("headers") or {}),
            visible_headers=list(raw.get("visible") or []),
            error=raw.get("error"),
            redirected=bool(raw.get("redirected")),
            final_url=raw.get("finalUrl"),
            console=console,
            page_origin=self.origin,
            pool=self.pool,
        )

    def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
        credentials: Credentials = "same-origin",
        redirect: Literal["follow", "error", "manual"] = "follow",
        cache: Literal["default", "no-store", "reload", "no-cache"] = "default",
        read_headers: Sequence[str] = (),
        doctor_skip: str | None = None,
    ) -> JsResult:
        """Run ``fetch(url, init)`` in the page, then the doctor cross-check (*doctor_skip*:
        why this call must not be compared, e.g. a handler whose answer changes on every
        call).  Note that Chromium bypasses its preflight cache too when *cache* is
        "no-store" or "reload"."""
        include = credentials == "include"
        cookies = self.cookies_for(str(self._absolute(url))) if include else []
        init: dict[str, Any] = {
            "method": method,
            "headers": dict(headers or {}),
            "credentials": credentials,
            "redirect": redirect,
            "mode": "cors",
            "cache": cache,
        }
        if body is not None:
            init["body"] = body
        raw = self.driver.execute_async_script(_FETCH_JS, url, init, list(read_headers))
        result = self._finish("fetch", url, raw)
        self._cross_check(
            result,
            method=method,
            headers=init["headers"],
            body=body,
            credentials=include,
            cookies=cookies,
            read_headers=read_headers,
            skip=doctor_skip,
        )
        return result

    def xhr(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Mapping[str, str] | None = None,
        body: str | None = None,
        with_credentials: bool = False,
        read_headers: Sequence[str] = (),
        doctor_skip: str | None = None,
    ) -> JsResult:
        """Run an XMLHttpRequest in the page, then the doctor cross-check (see :meth:`fetch`)."""
        cookies = self.cookies_for(str(self._absolute(url))) if with_credentials else []
        opts = {
            "method": method,
            "headers": dict(headers or {}),
            "body": body,
            "withCredentials": with_credentials,
            "readHeaders": list(read_headers),
        }
        raw = self.driver.execute_async_script(_XHR_JS, url, opts)
        result = self._finish("xhr", url, raw)
        self._cross_check(
            result,
            method=method,
            headers=dict(headers or {}),
            # send() ignores a body for GET and HEAD.
            body=None if normalize_method(method) in ("GET", "HEAD") else body,
            credentials=with_credentials,
            cookies=cookies,
            read_headers=read_headers,
            skip=doctor_skip,
        )
        return result

    def websocket(self, url: str, message: str = "ping") -> JsResult:
        raw = self.driver.execute_async_script(_WS_JS, url, message)
        self.tally.exclude_both(EXCLUDED_WEBSOCKET)
        return self._finish("websocket", url, raw)


# --- small building blocks for the API servers of the scenarios ---------------------------

EXPOSED_VALUE = "exposed-value"
HIDDEN_VALUE = "hidden-value"


async def echo(request: web.Request) -> web.Response:
    """Answers ``"<METHOD> <path>"`` plus the request body and X-Custom, if any; sets two
    custom response headers (X-Exposed, X-Hidden) for the expose-headers scenarios."""
    text = f"{request.method} {request.path}"
    body = await request.text()
    if body:
        text += f" body={body}"
    if "X-Custom" in request.headers:
        text += f" x-custom={request.headers['X-Custom']}"
    return web.Response(text=text, headers={"X-Exposed": EXPOSED_VALUE, "X-Hidden": HIDDEN_VALUE})
