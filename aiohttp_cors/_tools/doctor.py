"""The CORS doctor: behave like a browser against any server and explain what it would do.

:func:`check` decides whether a browser would send a preflight, sends it the way a browser does,
checks it, sends the actual request (if the preflight let it through), checks that, and returns
a :class:`Report`: the verdict, every failed rule in plain words with the header values seen, and
a suggested fix. The browser's rules live in :mod:`.browser`; :mod:`.advice` turns each failed
rule into the change to make with aiohttp_cors. :mod:`aiohttp_cors.testing` runs this same check
against a test client.

Redirects of the actual request are followed as a browser follows them (at most 20; a 303, or a
301/302 of a POST, turns the request into a GET without body; after a redirect to another origin
the Origin is ``null``), each response CORS-checked and each new URL preflighted again when the
request needs it.  Deliberate simplifications: no cookie jar (pass cookies explicitly; they go
with every hop), no HTTP cache and no preflight cache.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from .._core.headers import is_token
from .advice import (
    ConfigMode,
    RefusedItems,
    advise,
    advise_refused,
    is_itemised_refusal,
    refused_method_in,
)
from .browser import (
    MAX_AGE_CAPS,
    BrowserRequest,
    Header,
    Problem,
    Stage,
    Verdict,
    check_actual,
    check_preflight,
    is_forbidden_method,
    is_forbidden_request_header,
    origin_problem,
    preflight_request_headers,
)

DEFAULT_TIMEOUT = 10.0
_TEXT_BODY_TYPE = "text/plain;charset=UTF-8"
_BAD_VALUE_CHARS = frozenset("\r\n\x00")

#: Who reads the input errors: the command line's user (its flags) or Python code
#: (aiohttp_cors.testing's arguments).
Audience = Literal["command line", "python"]
_SEND_COOKIES: dict[Audience, str] = {
    "command line": "send cookies with --cookie and --credentials",
    "python": (
        "pass credentials=True: the request then carries the cookies of the client's cookie "
        "jar (client.session.cookie_jar) for its URL"
    ),
}
_ADD_CREDENTIALS: dict[Audience, str] = {
    "command line": "cookies are sent only with credentials: add --credentials",
    "python": "cookies are sent only with credentials: pass credentials=True",
}


class CheckError(Exception):
    """The check could not be made: bad input, or the server could not be reached."""


class CheckInputError(CheckError, ValueError):
    """The input is not something a page could ask a browser for; the message says why."""


@dataclass(frozen=True)
class Exchange:
    """One request the doctor sent and the response it got."""

    stage: Stage
    method: str
    url: str
    request_headers: tuple[Header, ...]
    status: int
    reason: str
    response_headers: tuple[Header, ...]
    verdict: Verdict
    body_excerpt: str = ""

    @property
    def location(self) -> str | None:
        """The redirect target, for a 3xx response with a Location header."""
        if not 300 <= self.status <= 399:
            return None
        for name, value in self.response_headers:
            if name.lower() == "location":
                return value
        return None

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "url": self.url,
            "request_headers": [list(h) for h in self.request_headers],
            "status": self.status,
            "reason": self.reason,
            "response_headers": [list(h) for h in self.response_headers],
            "body_excerpt": self.body_excerpt,
            "location": self.location,
            "verdict": self.verdict.to_dict(),
        }


@dataclass(frozen=True)
class Report:
    """What a browser would do with one cross-origin request, and why."""

    url: str
    request: BrowserRequest
    preflight_reasons: tuple[str, ...]
    preflight: Exchange | None
    actual: Exchange | None
    notes: tuple[str, ...] = ()
    #: The exchanges between the first preflight and the final actual request, in order,
    #: when redirects were followed: each redirect response, and the preflight sent again
    #: for the URL it led to.  ``actual`` is the last response (or the last redirect, if
    #: a later step failed).
    redirects: tuple[Exchange, ...] = ()
    #: Following the redirects failed outside any response check (too many, a URL a
    #: browser refuses): the browser rejects the fetch.
    redirect_failure: str | None = None

    @property
    def exchanges(self) -> tuple[Exchange, ...]:
        """Every exchange, in the order they were made."""
        first = (self.preflight,) if self.preflight is not None else ()
        if self.redirects:
            return (*first, *self.redirects) + ((self.actual,) if self.actual else ())
        return first + ((self.actual,) if self.actual is not None else ())

    @property
    def problems(self) -> tuple[Problem, ...]:
        found: list[Problem] = []
        for exchange in self.exchanges:
            found += exchange.verdict.problems
        return tuple(found)

    @property
    def allowed(self) -> bool:
        """The browser lets the page read the response."""
        return (
            self.actual is not None
            and self.redirect_failure is None
            and all(e.verdict.allowed for e in self.exchanges)
        )

    @property
    def ok(self) -> bool:
        """Allowed, and every header the page asked to read is readable."""
        return self.allowed and not self.hidden_headers

    @property
    def verdict(self) -> str:
        return "allowed" if self.allowed else "blocked"

    @property
    def hidden_headers(self) -> tuple[str, ...]:
        return self.actual.verdict.hidden_headers if self.actual is not None else ()

    def to_dict(self) -> dict[str, object]:
        request = self.request
        return {
            "verdict": self.verdict,
            "ok": self.ok,
            "url": self.url,
            "origin": request.origin,
            "method": request.wire_method,
            "credentials": request.credentials,
            "private_network": request.private_network,
            "request_headers": [list(h) for h in request.headers],
            "read_headers": list(request.read_headers),
            "preflight_needed": bool(self.preflight_reasons),
            "preflight_reasons": list(self.preflight_reasons),
            "preflight": self.preflight.to_dict() if self.preflight else None,
            "actual": self.actual.to_dict() if self.actual else None,
            "redirects": [exchange.to_dict() for exchange in self.redirects],
            "redirect_failure": self.redirect_failure,
            "problems": [p.to_dict() for p in self.problems],
            "hidden_headers": list(self.hidden_headers),
            "notes": list(self.notes),
        }


def _url_origin(url: URL) -> str:
    return str(url.origin())


def validate(
    url: str,
    request: BrowserRequest,
    *,
    body: str | None = None,
    audience: Audience = "command line",
) -> URL:
    """Check that ``request`` is something a page could ask a browser for; return the parsed URL.

    Raises :class:`CheckInputError` with a one-line explanation otherwise, whose advice names
    the command line's flags or Python arguments, for ``audience``.
    """
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as exc:
        raise CheckInputError(f"invalid URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise CheckInputError(f"URL {url!r} must be an absolute http:// or https:// URL")
    if parsed.user is not None or parsed.password is not None:
        raise CheckInputError(f"URL {url!r} has credentials in it, which fetch() refuses")

    origin = request.origin
    problem = origin_problem(origin)
    if problem is not None:
        raise CheckInputError(problem)
    if origin == _url_origin(parsed):
        raise CheckInputError(
            f"the page origin {origin} is the URL's own origin: the request is same-origin "
            "and a browser applies no CORS check"
        )

    method = request.method
    if not is_token(method):
        raise CheckInputError(f"method {method!r} is not a valid HTTP method name")
    if is_forbidden_method(method):
        raise CheckInputError(f"fetch() refuses the method {method!r} (CONNECT, TRACE and TRACK)")
    if body is not None and request.wire_method in ("GET", "HEAD"):
        raise CheckInputError(f"fetch() refuses a body with {request.wire_method}")

    for name, value in request.headers:
        if not is_token(name):
            raise CheckInputError(f"header name {name!r} is not a valid HTTP header name")
        if _BAD_VALUE_CHARS.intersection(value):
            raise CheckInputError(f"header {name} has a line break or NUL in its value")
        if is_forbidden_request_header(name, value):
            raise CheckInputError(
                f"a page cannot set the header {name!r}: fetch() drops it"
                + (f" ({_SEND_COOKIES[audience]})" if name.lower() == "cookie" else "")
            )
    for name in request.read_headers:
        if not is_token(name):
            raise CheckInputError(f"header name {name!r} is not a valid HTTP header name")
    return parsed


def _wire_method_request_class(wire_method: str) -> type[aiohttp.ClientRequest]:
    """A ClientRequest that keeps the method's letter case.

    aiohttp's client upper-cases every method; a browser sends methods other than DELETE, GET,
    HEAD, OPTIONS, POST and PUT exactly as the page wrote them, so the doctor must too.
    """

    class _ExactMethodRequest(aiohttp.ClientRequest):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            if self.method == wire_method.upper():
                self.method = wire_method

    return _ExactMethodRequest


_BODY_EXCERPT_BYTES = 1024


async def _exchange(
    session: aiohttp.ClientSession,
    stage: Stage,
    url: URL,
    request: BrowserRequest,
    sent: list[Header],
    body: str | None = None,
    mode: ConfigMode = "unknown",
) -> Exchange:
    """Send one request and check its response like a browser would."""
    method = "OPTIONS" if stage == "preflight" else request.wire_method
    what = "preflight" if stage == "preflight" else "request"
    try:
        async with session.request(
            method,
            url,
            headers=CIMultiDict(sent),
            data=body.encode("utf-8") if body is not None else None,
            allow_redirects=False,
        ) as response:
            status, reason = response.status, response.reason or ""
            got = tuple(response.headers.items())
            excerpt = ""
            if not 200 <= status <= 299:  # the body may say why
                raw = await response.content.read(_BODY_EXCERPT_BYTES)
                excerpt = raw.decode("utf-8", "replace")
    except (asyncio.TimeoutError, TimeoutError):
        raise CheckError(f"the {what} to {url} timed out") from None
    except aiohttp.ClientError as exc:
        raise CheckError(f"the {what} to {url} failed: {exc or type(exc).__name__}") from None
    except (OSError, ValueError) as exc:
        raise CheckError(f"the {what} to {url} failed: {exc}") from None
    verdict = (
        check_preflight(status, got, request, excerpt)
        if stage == "preflight"
        else check_actual(status, got, request)
    )
    verdict = advise(verdict, request, url.path, excerpt, mode)
    return Exchange(stage, method, str(url), tuple(sent), status, reason, got, verdict, excerpt)


#: Redirect statuses a browser follows (Fetch "redirect status"), and how many it follows.
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 20


def _next_hop(
    exchange: Exchange, request: BrowserRequest, body: str | None
) -> tuple[URL, BrowserRequest, str | None] | str:
    """Where a browser goes after a redirect response that passed the CORS check: the
    next URL, the request as it is sent there and its body; or why the fetch fails."""
    location = exchange.location
    if location is None:
        return f"the server answered {exchange.status} without a Location"
    current = URL(exchange.url)
    try:
        next_url = current.join(URL(location))
    except ValueError:
        return f"the server redirected ({exchange.status}) to an invalid Location {location!r}"
    if next_url.scheme not in ("http", "https") or not next_url.host:
        return f"the server redirected ({exchange.status}) to {location!r}, not an http(s) URL"
    if next_url.user is not None or next_url.password is not None:
        return f"the server redirected to {next_url}, which has credentials in it"
    method, headers = request.method, request.headers
    if (exchange.status == 303 and request.wire_method not in ("GET", "HEAD")) or (
        exchange.status in (301, 302) and request.wire_method == "POST"
    ):
        # The request becomes a GET without body (and without the body's headers).
        method, body = "GET", None
        headers = tuple(
            (name, value)
            for name, value in headers
            if name.lower()
            not in ("content-type", "content-encoding", "content-language", "content-location")
        )
    origin = request.origin
    if _url_origin(next_url) != _url_origin(current) and origin != _url_origin(current):
        origin = "null"  # a cross-origin request redirected to another origin: tainted
    return next_url, replace(request, origin=origin, method=method, headers=headers), body


async def check(
    url: str,
    request: BrowserRequest,
    *,
    body: str | None = None,
    cookies: Sequence[tuple[str, str]] = (),
    timeout: float = DEFAULT_TIMEOUT,
    connector: aiohttp.BaseConnector | None = None,
    audience: Audience = "command line",
    mode: ConfigMode = "unknown",
) -> Report:
    """Do what a browser does for ``fetch(url, ...)`` from a page on ``request.origin``.

    ``cookies`` stand in for the browser's cookie jar: they go with the actual request only, and
    only with ``request.credentials``. ``connector`` (borrowed, never closed) is how to reach the
    server, e.g. a test client's; by default the doctor makes its own. Raises
    :class:`CheckInputError` when the input is not something a page could ask for, and
    :class:`CheckError` when the server cannot be reached. ``audience`` decides whether input
    errors name the command line's flags or Python arguments; ``mode`` is how the application
    configures CORS for the route (``"app-wide"``, ``"cors.add"``, ``"decorator"``), when the
    caller knows, so that each fix is written that way.
    """
    target = validate(url, request, body=body, audience=audience)
    if cookies and not request.credentials:
        raise CheckInputError(_ADD_CREDENTIALS[audience])
    for name, value in cookies:
        if not is_token(name) or any(c in value for c in ";\r\n\x00"):
            raise CheckInputError(f"invalid cookie {name}={value}")
    if not 0 < timeout < float("inf"):
        raise CheckInputError("the timeout must be a positive number of seconds")
    if body is not None and not any(n.lower() == "content-type" for n, _ in request.headers):
        # fetch() labels a string body itself; the label is safelisted.
        request = replace(request, headers=(*request.headers, ("Content-Type", _TEXT_BODY_TYPE)))

    reasons = tuple(request.preflight_reasons)
    preflight: Exchange | None = None
    actual: Exchange | None = None
    notes: list[str] = []
    session = aiohttp.ClientSession(
        connector=connector,
        connector_owner=connector is None,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=timeout),
        request_class=_wire_method_request_class(request.wire_method),
    )
    async with session:
        if reasons:
            sent = preflight_request_headers(request)
            preflight = await _exchange(session, "preflight", target, request, sent, mode=mode)
            if preflight.status == 403 and is_itemised_refusal(preflight.body_excerpt):
                refused, asked = await _refused_items(session, target, request)
                preflight = replace(
                    preflight,
                    verdict=advise_refused(preflight.verdict, refused, request, target.path, mode),
                )
                notes.append(
                    f"The server's 403 names one refused item; the doctor sent {asked} more "
                    "preflight(s), one item at a time, to find every refused one."
                )
            if not preflight.verdict.allowed:
                notes.append("The preflight failed, so a browser never sends the actual request.")
        redirects: list[Exchange] = []
        failure: str | None = None
        hop_url, hop = target, request
        passed = preflight is None or preflight.verdict.allowed
        while passed:
            sent = [("Origin", hop.origin), *hop.headers]
            # The cookies stand in for the jar of the target's site: they go to its host.
            if cookies and hop_url.host == target.host:
                sent.append(("Cookie", "; ".join(f"{n}={v}" for n, v in cookies)))
            if actual is not None:
                redirects.append(actual)
            actual = await _exchange(session, "actual", hop_url, hop, sent, body, mode)
            if (
                not actual.verdict.allowed
                or actual.location is None
                or actual.status not in _REDIRECT_STATUSES
            ):
                break
            if len(redirects) >= MAX_REDIRECTS:
                failure = f"more than {MAX_REDIRECTS} redirects: the browser gives up"
                break
            following = _next_hop(actual, hop, body)
            if isinstance(following, str):
                failure = following
                break
            hop_url, hop, body = following
            notes.append(
                f"The server redirected ({actual.status}) to {hop_url}; the browser follows it"
                + (" with 'Origin: null' (another origin)." if hop.origin == "null" else ".")
            )
            if hop.preflight_reasons:
                redirects.append(actual)
                actual = None
                again = await _exchange(
                    session, "preflight", hop_url, hop, preflight_request_headers(hop), mode=mode
                )
                redirects.append(again)
                passed = again.verdict.allowed
                if not passed:
                    notes.append("The preflight after the redirect failed: the fetch fails.")
                    actual = redirects.pop(-2)  # the redirect is the last actual response
        if failure is not None:
            notes.append(f"Following the redirect failed: {failure}.")
    return Report(
        str(target),
        request,
        reasons,
        preflight,
        actual,
        tuple(notes),
        tuple(redirects),
        failure,
    )


async def _refused_items(
    session: aiohttp.ClientSession, target: URL, request: BrowserRequest
) -> tuple[RefusedItems, int]:
    """Every item of ``request``'s preflight that the server refuses, and how many
    preflights it took to find out.

    The plugin's 403 names the first refused item only (the method, else the first refused
    header), so the doctor asks again one item at a time: the method without headers, then
    each header with a method the route grants, and reads credentials off a granted answer.
    Fixing one item and meeting the next is what this spares the user.
    """
    granted: list[Exchange] = []
    asked = 0

    async def ask(method: str, headers: tuple[Header, ...]) -> Exchange:
        nonlocal asked
        asked += 1
        probe = replace(request, method=method, headers=headers)
        answer = await _exchange(
            session, "preflight", target, probe, preflight_request_headers(probe)
        )
        if 200 <= answer.status <= 299:
            granted.append(answer)
        return answer

    method_answer = await ask(request.method, ())
    method_refused = refused_method_in(method_answer.body_excerpt)
    ask_with: str | None = None if method_refused else request.method
    for method in ("GET", "POST") if method_refused else ():
        if 200 <= (await ask(method, ())).status <= 299:
            ask_with = method
            break
    spelled = {name.lower(): (name, value) for name, value in request.headers}
    refused_headers: list[str] = []
    unchecked: list[str] = []
    for name in request.unsafe_header_names:
        original = spelled.get(name, (name, ""))
        if ask_with is None:
            unchecked.append(original[0])
            continue
        answer = await ask(ask_with, (original,))
        if answer.status == 403 and is_itemised_refusal(answer.body_excerpt):
            refused_headers.append(original[0])
    credentials_refused = request.credentials and any(
        not any(
            n.lower() == "access-control-allow-credentials" and v == "true"
            for n, v in answer.response_headers
        )
        for answer in granted
    )
    if request.credentials and not granted:
        unchecked.append("credentials")
    refused = RefusedItems(
        method=request.wire_method if method_refused else None,
        headers=tuple(refused_headers),
        credentials=credentials_refused,
        unchecked=tuple(unchecked),
    )
    return refused, asked


# --------------------------------------------------------------------------------------------------
# Text rendering
# --------------------------------------------------------------------------------------------------

_WIDTH = 100


def _wrap(text: str, indent: str, first: str | None = None) -> list[str]:
    return textwrap.wrap(
        text,
        width=_WIDTH,
        initial_indent=first if first is not None else indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _exchange_lines(exchange: Exchange, read_headers: Sequence[str]) -> list[str]:
    lines = [f"  > {exchange.method} {exchange.url}"]
    lines += [f"      {n}: {v}" for n, v in exchange.request_headers]
    lines.append(f"  < {exchange.status} {exchange.reason}".rstrip())
    wanted = {h.lower() for h in read_headers}
    shown = [
        (n, v)
        for n, v in exchange.response_headers
        if n.lower().startswith("access-control-")
        or n.lower() in ("vary", "location")
        or n.lower() in wanted
    ]
    lines += [f"      {n}: {v}" for n, v in shown]
    if not any(n.lower().startswith("access-control-") for n, _ in shown):
        lines.append("      (no Access-Control-* headers)")
    return lines


def format_report(report: Report) -> str:
    """The report as text for a terminal."""
    request = report.request
    lines = [
        f"CORS check of {request.wire_method} {report.url}",
        f"  from a page on {request.origin}, credentials: "
        + ("include" if request.credentials else "same-origin (not sent cross-origin)"),
        "",
    ]
    if report.preflight_reasons:
        lines.append("Preflight needed, because:")
        for reason in report.preflight_reasons:
            lines += _wrap(reason, "    ", "  - ")
    else:
        lines.append("No preflight needed: safelisted method and headers.")
    if report.preflight is not None:
        lines += _exchange_lines(report.preflight, ())
        verdict = report.preflight.verdict
        if verdict.allowed and verdict.max_age is not None:
            caps = "".join(
                f"; {browser} caps it at {cap} s"
                for browser, cap in MAX_AGE_CAPS.items()
                if verdict.max_age > cap
            )
            lines.append(f"  preflight passed (browsers cache it for {verdict.max_age} s{caps})")
        else:
            lines.append("  preflight FAILED")
    lines.append("")
    if report.actual is not None:
        lines.append("Actual request:")
        for hop in report.redirects:
            lines += _exchange_lines(hop, ())
            passed = "passed" if hop.verdict.allowed else "FAILED"
            what = "preflight" if hop.stage == "preflight" else "redirect response"
            lines.append(f"  {what} {passed}")
        lines += _exchange_lines(report.actual, request.read_headers)
        verdict = report.actual.verdict
        if verdict.allowed:
            readable = ", ".join(verdict.readable_headers) or "none"
            lines += _wrap(f"readable response headers: {readable}", "    ", "  ")
        else:
            lines.append("  response BLOCKED")
    else:
        lines.append("Actual request: not sent.")
    lines.append("")

    if report.ok:
        lines.append("Verdict: ALLOWED")
    elif report.allowed:
        lines.append(
            "Verdict: ALLOWED, but the page cannot read: " + ", ".join(report.hidden_headers)
        )
    else:
        lines.append("Verdict: BLOCKED (fetch() rejects with a TypeError)")

    failed = [p for p in report.problems if p.kind != "warning"]
    warnings = [p for p in report.problems if p.kind == "warning"]
    for title, problems in (("Failed rules", failed), ("Warnings", warnings)):
        if not problems:
            continue
        lines += ["", f"{title}:"]
        for number, problem in enumerate(problems, 1):
            lines += _wrap(
                f"[{problem.stage}] {problem.rule}: {problem.message}", "     ", f"  {number}. "
            )
            lines += _wrap(problem.fix, "          ", "     Fix: ")
    if report.notes:
        lines += ["", "Notes:"]
        for note in report.notes:
            lines += _wrap(note, "    ", "  - ")
    return "\n".join(lines) + "\n"
