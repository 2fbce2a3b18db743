"""CORS assertions for your own pytest-aiohttp tests: what would a browser do with this request?

:func:`check` runs the CORS doctor of ``python -m aiohttp_cors check`` against a test client:
it sends the preflight when a browser would send one, checks it like a browser, then sends the
request itself and checks that, and returns a :class:`CorsVerdict`. :func:`assert_allowed` and
:func:`assert_blocked` fail with the doctor's explanation: what was sent, what came back, which
rule failed and the fix.

:func:`check_websocket` does what a browser does for ``new WebSocket(url)`` from a page on
another origin (browsers check no CORS header there; the server's own check of ``Origin``
decides) and returns a :class:`WebSocketVerdict`; :func:`assert_websocket_allowed` and
:func:`assert_websocket_blocked` fail with its explanation.

The browser model is the doctor's own, not the plugin's: it shares no code with the decisions
it judges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.cookies import BaseCookie
from typing import Protocol

import aiohttp
from aiohttp import web
from yarl import URL

from ._tools.app_mode import config_mode
from ._tools.browser import BrowserRequest, Header, Problem, origin_problem
from ._tools.doctor import (
    CheckError,
    CheckInputError,
    Report,
    format_report,
)
from ._tools.doctor import (
    check as _doctor_check,
)
from ._tools.websocket import WebSocketCheckError, WebSocketVerdict, open_websocket

__all__ = [
    "CheckError",
    "ClientLike",
    "CorsVerdict",
    "Headers",
    "Problem",
    "WebSocketCheckError",
    "WebSocketVerdict",
    "assert_allowed",
    "assert_blocked",
    "assert_websocket_allowed",
    "assert_websocket_blocked",
    "check",
    "check_websocket",
]

Headers = Mapping[str, str] | Sequence[tuple[str, str]] | None
"""Request headers: a mapping, or a sequence of ``(name, value)`` pairs (a name may repeat)."""


class _CookieJarLike(Protocol):
    def filter_cookies(self, request_url: URL) -> BaseCookie[str]: ...


class _SessionLike(Protocol):
    @property
    def cookie_jar(self) -> _CookieJarLike: ...

    @property
    def connector(self) -> aiohttp.BaseConnector | None: ...


class ClientLike(Protocol):
    """What :func:`check` uses of pytest-aiohttp's test client
    (``aiohttp.test_utils.TestClient``): any object with these two members will do.

    ``make_url(path)`` gives the absolute URL of ``path`` on the server under test;
    ``session.connector`` is how to reach it, and ``session.cookie_jar`` holds the cookies a
    credentialed request carries.
    """

    def make_url(self, path: str) -> URL: ...

    @property
    def session(self) -> _SessionLike: ...


@dataclass(frozen=True)
class CorsVerdict:
    """What a browser does with one cross-origin request, as :func:`check` found out.

    ``allowed``: the browser hands the response to the page (``fetch()`` resolves).
    ``ok``: allowed, and the page can read every header named in ``read_headers``.
    ``report``: the doctor's full report, the data behind :meth:`explain` (``report.to_dict()``
    is the JSON that ``python -m aiohttp_cors check --json`` prints).
    """

    report: Report

    @property
    def allowed(self) -> bool:
        return self.report.allowed

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def preflighted(self) -> bool:
        """Whether a browser sends a preflight (``OPTIONS``) before this request."""
        return bool(self.report.preflight_reasons)

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every failed rule (``.rule``, ``.stage``, ``.kind``, ``.message``, ``.fix``).

        ``kind`` is ``"blocked"`` (the browser refuses the response), ``"hidden"`` (a header
        in ``read_headers`` is not readable) or ``"warning"`` (works, but fragile or wrong).
        """
        return self.report.problems

    @property
    def hidden_headers(self) -> tuple[str, ...]:
        """The headers of ``read_headers`` that the response has but the page cannot read."""
        return self.report.hidden_headers

    @property
    def status(self) -> int | None:
        """The status of the actual response; None when the browser never sent the request."""
        return self.report.actual.status if self.report.actual is not None else None

    def explain(self) -> str:
        """The doctor's report as text: what was sent and received, the verdict, every failed
        rule with the fix."""
        return format_report(self.report)


def _header_pairs(headers: object) -> tuple[Header, ...]:
    """``headers`` as ``(name, value)`` pairs; a clear TypeError for anything else."""
    if headers is None:
        return ()
    if isinstance(headers, Mapping):
        pairs: list[object] = list(headers.items())
    elif isinstance(headers, Iterable) and not isinstance(headers, (str, bytes)):
        pairs = list(headers)
    else:
        raise TypeError(f"headers must be a mapping or a sequence of pairs, not {headers!r}")
    result: list[Header] = []
    for pair in pairs:
        if not (
            isinstance(pair, tuple)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], str)
        ):
            raise TypeError(f"each header must be a (name, value) pair of strings, not {pair!r}")
        result.append((pair[0], pair[1]))
    return tuple(result)


def _header_names(names: object) -> tuple[str, ...]:
    if isinstance(names, Iterable) and not isinstance(names, (str, bytes)):
        found = tuple(names)
        if all(isinstance(name, str) for name in found):
            return found
    raise TypeError(f"read_headers must be a sequence of header names, not {names!r}")


def _cookies_for(client: ClientLike, url: URL) -> list[tuple[str, str]]:
    jar = client.session.cookie_jar
    return [(name, morsel.value) for name, morsel in jar.filter_cookies(url).items()]


async def check(
    client: ClientLike,
    path: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Headers = None,
    credentials: bool = False,
    read_headers: Iterable[str] = (),
    body: str | None = None,
    private_network: bool = False,
) -> CorsVerdict:
    """Do what a browser does when a page on ``origin`` calls ``fetch(path)`` on the server of
    ``client``, and say what came of it.

    :param client: pytest-aiohttp's test client (``await aiohttp_client(app)``), or anything
        with the members of :class:`ClientLike`. When it has the application (``client.app``,
        as pytest-aiohttp's has), each fix is written the way that application configures
        the route: ``setup(app, defaults=..., all_routes=...)``, the handler's
        ``@custom_cors({...})`` or ``cors.add(route, {...})``.
    :param path: the path (and query) on the test server, as for ``client.get(path)``.
    :param origin: the page's origin, as a browser sends it: ``"https://app.example.com"`` or
        ``"null"``. It must not be the test server's own origin.
    :param method: the method as the page writes it; like a browser, only ``delete``, ``get``,
        ``head``, ``options``, ``post`` and ``put`` are upper-cased.
    :param headers: the headers the page sets, a mapping or a sequence of ``(name, value)``
        pairs.
    :param credentials: ``credentials: "include"``: the request carries the cookies that
        ``client.session.cookie_jar`` holds for the URL (never the preflight), and the
        response must allow credentials.
    :param read_headers: response headers the page wants to read.
    :param body: a text body, as ``fetch(url, {body})``; labelled
        ``text/plain;charset=UTF-8`` unless ``headers`` has a Content-Type.
    :param private_network: the request goes to a more private network (Private Network
        Access): the preflight asks for it.
    :raises ValueError: the arguments are nothing a page could ask a browser for (the message
        says why), or ``origin`` is the test server's own.
    :raises CheckError: the server could not be reached.
    """
    target = client.make_url(path)
    # pytest-aiohttp's client has the application: the fixes are then written the way it
    # configures CORS for this route (app-wide, cors.add or @custom_cors).
    app = getattr(client, "app", None)
    mode = (
        await config_mode(app, method, target.path)
        if isinstance(app, web.Application)
        else "unknown"
    )
    if origin == str(target.origin()):
        raise CheckInputError(
            f"origin {origin!r} is the test server's own origin: a browser makes no CORS check "
            "on a same-origin request; give the origin of another site, such as "
            "'https://app.example.com'"
        )
    request = BrowserRequest(
        origin=origin,
        method=method,
        headers=_header_pairs(headers),
        credentials=credentials,
        read_headers=_header_names(read_headers),
        private_network=private_network,
    )
    report = await _doctor_check(
        str(target),
        request,
        body=body,
        cookies=_cookies_for(client, target) if credentials else (),
        connector=client.session.connector,
        audience="python",
        mode=mode,
    )
    return CorsVerdict(report)


def _describe(verdict: CorsVerdict) -> str:
    request = verdict.report.request
    return f"{request.wire_method} {verdict.report.url} from a page on {request.origin}"


async def assert_allowed(
    client: ClientLike,
    path: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Headers = None,
    credentials: bool = False,
    read_headers: Iterable[str] = (),
    body: str | None = None,
    private_network: bool = False,
) -> CorsVerdict:
    """Assert that a browser lets the page read the response, and every header in
    ``read_headers``; return the verdict. Same arguments as :func:`check`.

    Fails with :class:`AssertionError` whose message is the doctor's explanation when the
    browser blocks the request, and also when it allows the request but hides a header named
    in ``read_headers`` (the page cannot do what it wants): that is ``verdict.ok``, the
    doctor's exit status 0.
    """
    verdict = await check(
        client,
        path,
        origin=origin,
        method=method,
        headers=headers,
        credentials=credentials,
        read_headers=read_headers,
        body=body,
        private_network=private_network,
    )
    if not verdict.allowed:
        summary = f"expected a browser to allow {_describe(verdict)}, but it blocks it"
    elif not verdict.ok:
        hidden = ", ".join(verdict.hidden_headers)
        summary = (
            f"expected a browser to allow {_describe(verdict)}: it does, but the page cannot "
            f"read {hidden}"
        )
    else:
        return verdict
    raise AssertionError(f"{summary}\n\n{verdict.explain()}")


async def assert_blocked(
    client: ClientLike,
    path: str,
    *,
    origin: str,
    method: str = "GET",
    headers: Headers = None,
    credentials: bool = False,
    read_headers: Iterable[str] = (),
    body: str | None = None,
    private_network: bool = False,
) -> CorsVerdict:
    """Assert that a browser refuses the page the response (``fetch()`` rejects); return the
    verdict. Same arguments as :func:`check`.

    Fails with :class:`AssertionError` whose message is the doctor's explanation when the page
    can read the response, even if a header named in ``read_headers`` is hidden: the page
    still reads the body. To assert that a header stays hidden, use :func:`check` and
    ``verdict.hidden_headers``.
    """
    verdict = await check(
        client,
        path,
        origin=origin,
        method=method,
        headers=headers,
        credentials=credentials,
        read_headers=read_headers,
        body=body,
        private_network=private_network,
    )
    if verdict.allowed:
        raise AssertionError(
            f"expected a browser to block {_describe(verdict)}, but the page can read the "
            f"response\n\n{verdict.explain()}"
        )
    return verdict


# --- WebSockets ---------------------------------------------------------------------------


async def check_websocket(
    client: ClientLike, path: str, *, origin: str, cookies: bool = True
) -> WebSocketVerdict:
    """Do what a browser does when a page on ``origin`` runs ``new WebSocket(url)`` for
    ``path`` on the server of ``client``, and say whether the socket opens.

    The handshake is a browser's: ``GET`` with ``Upgrade: websocket``,
    ``Connection: Upgrade``, a fresh ``Sec-WebSocket-Key``, ``Sec-WebSocket-Version: 13``,
    ``Origin`` and, with ``cookies=True``, the cookies ``client.session.cookie_jar`` holds
    for the URL (browsers send them on handshakes whatever CORS says, which is why the
    server must check ``Origin``).  A socket that opens is closed at once.

    ``verdict.allowed`` is true when the server answered ``101`` with a valid handshake;
    ``verdict.status`` is the status; ``verdict.explain()`` names the origin and the rule.
    Unlike :func:`check`, ``origin`` may be the server's own (a page of the same site).

    :raises ValueError: ``origin`` is nothing a browser sends (the message says why).
    :raises WebSocketCheckError: the server could not be reached.
    """
    if not isinstance(origin, str):
        raise TypeError(
            f"origin must be a string such as 'https://app.example.com', not {origin!r}"
        )
    problem = origin_problem(origin)
    if problem is not None:
        raise ValueError(f"origin {origin!r}: {problem}")
    target = client.make_url(path)
    sent = _cookies_for(client, target) if cookies else []
    return await open_websocket(target, origin, sent, connector=client.session.connector)


async def assert_websocket_allowed(
    client: ClientLike, path: str, *, origin: str, cookies: bool = True
) -> WebSocketVerdict:
    """Assert that a page on ``origin`` can open a WebSocket to ``path``; return the
    verdict.  Same arguments as :func:`check_websocket`; the assertion's message is
    ``verdict.explain()``."""
    verdict = await check_websocket(client, path, origin=origin, cookies=cookies)
    if not verdict.allowed:
        raise AssertionError(
            f"expected a page on {origin} to open a WebSocket to {path}, but it cannot\n\n"
            f"{verdict.explain()}"
        )
    return verdict


async def assert_websocket_blocked(
    client: ClientLike, path: str, *, origin: str, cookies: bool = True
) -> WebSocketVerdict:
    """Assert that a page on ``origin`` cannot open a WebSocket to ``path`` (the guard
    against cross-site WebSocket hijacking); return the verdict.  Same arguments as
    :func:`check_websocket`."""
    verdict = await check_websocket(client, path, origin=origin, cookies=cookies)
    if verdict.allowed:
        raise AssertionError(
            f"expected the server to refuse a WebSocket to {path} from a page on {origin}, "
            f"but it opens\n\n{verdict.explain()}"
        )
    return verdict
