"""What a browser does with a cross-origin request, per the WHATWG Fetch standard.

This module is pure: it imports only the standard library and the package's own pure header
helpers, never aiohttp, and never talks to the network.
It answers three questions a browser answers for every ``fetch()`` in ``cors`` mode:

* does this request need a CORS preflight (:func:`preflight_reasons`, :func:`needs_preflight`);
* does the preflight response let the request through (:func:`check_preflight`);
* may the page read the actual response, and which of its headers (:func:`check_actual`);

and one about the page: is this an origin a browser could send (:func:`origin_problem`). That
check is the model's own, not the plugin's: what judges the plugin must not share its decisions.

Response headers are passed as a sequence of ``(name, value)`` pairs, in the order received, so
that a header sent twice stays visible. Each failed rule comes back as a :class:`Problem` that
says, in plain words, what was seen and how to fix it. Anchors in comments refer to
https://fetch.spec.whatwg.org/.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .._core.headers import (
    ACAC,
    ACAH,
    ACAM,
    ACAO,
    ACAPN,
    ACEH,
    ACMA,
    FORBIDDEN_METHODS,
    NEVER_EXPOSED_RESPONSE_HEADERS,
    NORMALIZED_METHODS,
    SAFELISTED_RESPONSE_HEADERS,
    is_token,
)
from .._core.origin_grammar import did_you_mean, is_default_port

Header = tuple[str, str]
"""One header line: ``(name, value)``."""

Stage = Literal["preflight", "actual"]
Kind = Literal["blocked", "hidden", "warning"]

SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})  # byte-exact (#cors-safelisted-method)
ALWAYS_READABLE_RESPONSE_HEADERS = SAFELISTED_RESPONSE_HEADERS
"""Response headers a page can always read (lower case)."""

_FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
_METHOD_OVERRIDE_HEADERS = frozenset(
    {"x-http-method", "x-http-method-override", "x-method-override"}
)

_SAFELISTED_REQUEST_HEADERS = frozenset(
    {"accept", "accept-language", "content-language", "content-type", "range"}
)
_SAFELISTED_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
_MAX_SAFELISTED_VALUE = 128
_MAX_SAFELISTED_TOTAL = 1024

REFUSED_PREFLIGHT_PREFIX = "CORS preflight request failed: "
"""How aiohttp_cors (and aiohttp-cors 0.8.1) begin the text of a refused preflight: an
observed fact about those servers, which the doctor uses to point at the reason."""

DEFAULT_MAX_AGE = 5
"""Seconds a browser caches a preflight when Access-Control-Max-Age is absent or invalid."""
MAX_AGE_CAPS = {"Chromium": 7200, "Firefox": 86400}
"""The longest a browser caches a preflight, whatever Access-Control-Max-Age says."""

_HTTP_WHITESPACE = " \t\r\n"
_OWS = " \t"
# Bytes that make Accept / Content-Type values unsafe (#cors-unsafe-request-header-byte).
_UNSAFE_VALUE_CHARS = frozenset('"():<>?@[\\]{}\x7f') | frozenset(
    chr(c) for c in range(0x20) if c != 0x09
)
_LANGUAGE_VALUE_RE = re.compile(r"[0-9A-Za-z *,\-.;=]*")
_DIGITS_RE = re.compile(r"[0-9]*")
_DELTA_SECONDS_RE = re.compile(r"[0-9]+")


# --------------------------------------------------------------------------------------------------
# Origins
# --------------------------------------------------------------------------------------------------

_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.\-]*")
_PORT_RE = re.compile(r"[1-9][0-9]{0,4}")
_DOMAIN_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_\-]{0,61}[a-z0-9_])?")
_IPV4_LIKE_RE = re.compile(r"[0-9.]+")
_EXAMPLE_ORIGIN = "'https://app.example.com'"


def _host_problem(host: str) -> str | None:
    """What is wrong with the host of an origin, as a browser would serialize it."""
    if host.startswith("["):
        address = host[1:-1] if host.endswith("]") else ""
        try:
            compressed = ipaddress.IPv6Address(address).compressed
        except ValueError:
            return f"{host!r} is not an IPv6 address"
        if compressed != address:
            return f"browsers write the IPv6 address {address!r} as {compressed!r}"
        return None
    if _IPV4_LIKE_RE.fullmatch(host) and not host.endswith("."):
        try:
            canonical = str(ipaddress.IPv4Address(host))
        except ValueError:
            return f"{host!r} is not an IPv4 address"
        return None if canonical == host else f"browsers write this address as {canonical!r}"
    if len(host) > 253 or not all(_DOMAIN_LABEL_RE.fullmatch(label) for label in host.split(".")):
        return f"{host!r} is not a valid host name"
    return None


def origin_problem(origin: str) -> str | None:
    """Why ``origin`` is not a value a browser sends in ``Origin``, or None when it is one.

    A browser sends the literal ``null`` (opaque origins) or a serialized origin:
    ``scheme://host`` plus ``:port`` unless the port is the scheme's default, in lower case,
    the host in punycode, no path, no trailing slash (#ascii-serialisation-of-an-origin). The
    message names the mistake and, where it can be guessed, the origin meant.
    """
    if origin == "null":
        return None
    if not origin:
        return f"the origin is empty: give the page's origin, such as {_EXAMPLE_ORIGIN}"
    if "*" in origin:
        return (
            f"origin {origin!r} is a pattern; give the one origin a page would send, "
            f"such as {_EXAMPLE_ORIGIN}"
        )
    hint = did_you_mean(origin)
    scheme, sep, rest = origin.partition("://")
    if not sep:
        return f"origin {origin!r} has no scheme (an origin is scheme://host[:port]){hint}"
    if rest.endswith("/") and not any(char in rest[:-1] for char in "/?#"):
        return f"origin {origin!r} has a trailing slash; an origin has none{hint}"
    if any(char in rest for char in "/?#"):
        return f"origin {origin!r} has a path, query or fragment; an origin has none{hint}"
    if "@" in rest:
        return f"origin {origin!r} has a user name or password; an origin has none{hint}"
    if not origin.isascii():
        return f"origin {origin!r} is not ASCII; browsers send the host in punycode{hint}"
    if origin != origin.lower():
        return (
            f"origin {origin!r} has upper-case letters; browsers send origins in lower case{hint}"
        )
    if not _SCHEME_RE.fullmatch(scheme):
        return f"origin {origin!r} has an invalid scheme {scheme!r}"
    host, port = rest, ""
    if not rest.endswith("]") and ":" in rest:
        host, _, port = rest.rpartition(":")
    if not host:
        return f"origin {origin!r} has no host"
    if rest.endswith(":"):
        return f"origin {origin!r} ends with ':' but has no port{hint}"
    if port:
        if not _PORT_RE.fullmatch(port) or int(port) > 65535:
            return (
                f"origin {origin!r} has the port {port!r}; a port is a number from 1 to 65535 "
                f"without leading zeros{hint}"
            )
        if is_default_port(scheme, int(port)):
            return f"origin {origin!r} names the default port, which browsers leave out{hint}"
    problem = _host_problem(host)
    if problem is not None:
        return f"origin {origin!r} is not one a browser sends: {problem}"
    return None


def is_browser_origin(origin: str) -> bool:
    """Whether a browser could send ``origin`` in an ``Origin`` header."""
    return origin_problem(origin) is None


# --------------------------------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------------------------------


def normalize_method(method: str) -> str:
    """Upper-case ``method`` the way browsers do: only DELETE, GET, HEAD, OPTIONS, POST and PUT.

    Every other method (``patch``, ``purge``) is sent exactly as the page wrote it.
    """
    upper = method.upper()
    return upper if upper in NORMALIZED_METHODS else method


def is_forbidden_method(method: str) -> bool:
    """CONNECT, TRACE and TRACK (any case) make ``fetch()`` throw."""
    return method.upper() in FORBIDDEN_METHODS


def is_forbidden_request_header(name: str, value: str = "") -> bool:
    """Whether a page may not set this header; ``fetch()`` drops it (#forbidden-request-header)."""
    lname = name.lower()
    if lname in _FORBIDDEN_REQUEST_HEADERS or lname.startswith(("proxy-", "sec-")):
        return True
    if lname in _METHOD_OVERRIDE_HEADERS:
        return any(is_forbidden_method(part.strip(_HTTP_WHITESPACE)) for part in value.split(","))
    return False


def _mime_essence(value: str) -> str | None:
    """The essence (``type/subtype``, lower-cased) of a MIME type, or None if it does not parse."""
    value = value.strip(_HTTP_WHITESPACE)
    type_, slash, rest = value.partition("/")
    if not slash or not is_token(type_):
        return None
    subtype = rest.split(";", 1)[0].rstrip(_HTTP_WHITESPACE)
    if not is_token(subtype):
        return None
    return f"{type_}/{subtype}".lower()


def _is_safelisted_range(value: str) -> bool:
    """``bytes=N-`` or ``bytes=N-M`` with N <= M: a single range, no whitespace, no suffix range."""
    if not value.startswith("bytes="):
        return False
    start, dash, end = value[len("bytes=") :].partition("-")
    if not dash or not _DIGITS_RE.fullmatch(start) or not _DIGITS_RE.fullmatch(end):
        return False
    if not start:  # a suffix range (bytes=-500) is not safelisted
        return False
    return not end or int(start) <= int(end)


def _byte_length(value: str) -> int:
    return len(value.encode("utf-8", "surrogateescape"))


def is_safelisted_request_header(name: str, value: str) -> bool:
    """Whether ``(name, value)`` is a CORS-safelisted request-header.

    (#cors-safelisted-request-header)

    This checks one header on its own; the 1024-byte total is checked by
    :func:`unsafe_request_header_names`.
    """
    if _byte_length(value) > _MAX_SAFELISTED_VALUE:
        return False
    lname = name.lower()
    if lname == "accept":
        return not _UNSAFE_VALUE_CHARS.intersection(value)
    if lname in ("accept-language", "content-language"):
        return _LANGUAGE_VALUE_RE.fullmatch(value) is not None
    if lname == "content-type":
        if _UNSAFE_VALUE_CHARS.intersection(value):
            return False
        return _mime_essence(value) in _SAFELISTED_CONTENT_TYPES
    if lname == "range":
        return _is_safelisted_range(value)
    return False


def _normalize_value(value: str) -> str:
    return value.strip(_HTTP_WHITESPACE)


def unsafe_request_header_names(headers: Iterable[Header]) -> list[str]:
    """The names a browser puts in Access-Control-Request-Headers.

    Lower-cased, de-duplicated and sorted. A header is unsafe when it is not safelisted, and all the
    safelisted ones become unsafe when their values add up to more than 1024 bytes
    (#cors-unsafe-request-header-names).
    """
    unsafe: set[str] = set()
    potentially_unsafe: set[str] = set()
    total = 0
    for name, value in headers:
        value = _normalize_value(value)
        if is_safelisted_request_header(name, value):
            potentially_unsafe.add(name.lower())
            total += _byte_length(value)
        else:
            unsafe.add(name.lower())
    if total > _MAX_SAFELISTED_TOTAL:
        unsafe |= potentially_unsafe
    return sorted(unsafe)


def _describe_unsafe_header(name: str, value: str) -> str:
    lname = name.lower()
    shown = _shorten(value)
    if _byte_length(value) > _MAX_SAFELISTED_VALUE and lname in _SAFELISTED_REQUEST_HEADERS:
        return (
            f"header {name} is {_byte_length(value)} bytes long (safelisted values are at most 128)"
        )
    if lname == "content-type":
        return (
            f"Content-Type {shown!r} is not application/x-www-form-urlencoded, "
            "multipart/form-data or text/plain"
        )
    if lname == "range":
        return f"Range {shown!r} is not a single 'bytes=N-' or 'bytes=N-M' range"
    if lname in ("accept", "accept-language", "content-language"):
        return f"header {name} has characters that are not safelisted in {shown!r}"
    return f"header {name} is not a CORS-safelisted request header"


def preflight_reasons(
    method: str, headers: Iterable[Header] = (), *, private_network: bool = False
) -> list[str]:
    """Why a browser would send a preflight before this request; empty when it would not.

    ``method`` is taken as the page wrote it and normalised like a browser does. Credentials do not
    change whether a preflight is needed, only what its response must contain.
    """
    reasons: list[str] = []
    method = normalize_method(method)
    if method not in SAFELISTED_METHODS:
        reasons.append(f"method {method} is not one of GET, HEAD, POST (compared case-sensitively)")
    pairs = [(name, _normalize_value(value)) for name, value in headers]
    total = sum(_byte_length(v) for n, v in pairs if is_safelisted_request_header(n, v))
    described: set[str] = set()
    for name, value in pairs:
        if name.lower() in described or is_safelisted_request_header(name, value):
            continue
        described.add(name.lower())
        reasons.append(_describe_unsafe_header(name, value))
    if total > _MAX_SAFELISTED_TOTAL:
        reasons.append(
            f"the safelisted headers' values add up to {total} bytes (more than 1024), "
            "so they all count as non-safelisted"
        )
    if private_network:
        reasons.append(
            "the request goes to a more private network (Private Network Access), "
            "which always needs a preflight"
        )
    return reasons


def needs_preflight(
    method: str, headers: Iterable[Header] = (), *, private_network: bool = False
) -> bool:
    """Whether a browser sends a CORS preflight before this request."""
    return bool(preflight_reasons(method, headers, private_network=private_network))


@dataclass(frozen=True)
class BrowserRequest:
    """A cross-origin ``fetch()`` as a page would make it.

    ``method`` and ``headers`` are what the page passes to ``fetch()``; ``credentials`` is
    ``credentials: "include"``; ``read_headers`` are response headers the page wants to read;
    ``private_network`` marks a request to a more private address space (Private Network Access).
    """

    origin: str
    method: str = "GET"
    headers: tuple[Header, ...] = ()
    credentials: bool = False
    read_headers: tuple[str, ...] = ()
    private_network: bool = False

    @property
    def wire_method(self) -> str:
        """The method as the browser puts it on the wire and in Access-Control-Request-Method."""
        return normalize_method(self.method)

    @property
    def unsafe_header_names(self) -> list[str]:
        return unsafe_request_header_names(self.headers)

    @property
    def preflight_reasons(self) -> list[str]:
        return preflight_reasons(self.method, self.headers, private_network=self.private_network)

    @property
    def needs_preflight(self) -> bool:
        return bool(self.preflight_reasons)


def preflight_request_headers(request: BrowserRequest) -> list[Header]:
    """The CORS headers of the preflight a browser sends for ``request``.

    The preflight carries none of the page's headers, no cookies and no Authorization.
    """
    headers: list[Header] = [
        ("Accept", "*/*"),
        ("Origin", request.origin),
        ("Access-Control-Request-Method", request.wire_method),
    ]
    unsafe = request.unsafe_header_names
    if unsafe:
        headers.append(("Access-Control-Request-Headers", ",".join(unsafe)))
    if request.private_network:
        headers.append(("Access-Control-Request-Private-Network", "true"))
    return headers


# --------------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One failed rule.

    ``kind`` is ``"blocked"`` when the browser refuses the request (``fetch()`` rejects with a
    TypeError), ``"hidden"`` when the response is readable but a header the page asked for is not,
    and ``"warning"`` for something that works now but is fragile or wrong.
    """

    rule: str
    stage: Stage
    message: str
    fix: str
    kind: Kind = "blocked"

    def to_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "stage": self.stage,
            "kind": self.kind,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one response.

    ``seen`` holds the response's CORS-related headers (Access-Control-*, Vary) as received.
    For a preflight, ``max_age`` is how long the browser caches it, before any browser's cap.
    For an actual response, ``readable_headers`` are the response header names the page can read.
    """

    stage: Stage
    status: int
    problems: tuple[Problem, ...]
    seen: tuple[Header, ...]
    max_age: int | None = None
    readable_headers: tuple[str, ...] = ()
    hidden_headers: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """The browser lets the request through (for a preflight: sends the actual request)."""
        return not self.blocking

    @property
    def ok(self) -> bool:
        """Allowed, and every header the page asked to read is readable."""
        return not any(p.kind in ("blocked", "hidden") for p in self.problems)

    @property
    def blocking(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.kind == "blocked")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.kind == "warning")

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {
            "stage": self.stage,
            "status": self.status,
            "allowed": self.allowed,
            "problems": [p.to_dict() for p in self.problems],
            "seen": [list(h) for h in self.seen],
        }
        if self.stage == "preflight":
            data["max_age"] = self.max_age
        else:
            data["readable_headers"] = list(self.readable_headers)
            data["hidden_headers"] = list(self.hidden_headers)
        return data


def _shorten(value: str, limit: int = 120) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _values(headers: Sequence[Header], name: str) -> list[str]:
    lname = name.lower()
    return [v for n, v in headers if n.lower() == lname]


def _get(headers: Sequence[Header], name: str) -> str | None:
    """Fetch's "get": all values of ``name`` joined by ", ", or None when absent."""
    values = _values(headers, name)
    return ", ".join(values) if values else None


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(repr(v) for v in values)


def extract_list(headers: Sequence[Header], name: str) -> list[str] | None:
    """Parse a ``#token`` list header the way a browser does (#extract-header-list-values).

    Returns None when the header is absent. Raises ValueError naming the bad element when any
    element (over all header lines) is not a token. Empty elements are ignored.
    """
    lines = _values(headers, name)
    if not lines:
        return None
    items: list[str] = []
    for line in lines:
        for element in line.split(","):
            element = element.strip(_OWS)
            if not element:
                continue
            if not is_token(element):
                raise ValueError(element)
            items.append(element)
    return items


def _origin_hint(seen: str, origin: str) -> str:
    """A short explanation of why ACAO ``seen`` is not byte-equal to ``origin``."""
    if "," in seen or " " in seen.strip():
        return " It looks like a list; the header takes exactly one origin."
    if seen.rstrip("/") == origin and seen != origin:
        return " The trailing slash makes it differ: an origin has no path."
    if seen.lower() == origin.lower():
        return " They differ only in letter case; origins are compared byte for byte."
    if seen == "null":
        return " 'null' only matches pages with an opaque origin, and should not be allowed anyway."
    if seen.endswith((":80", ":443")) and seen.rpartition(":")[0] == origin:
        return " Browsers leave the default port out of the Origin."
    seen_scheme, sep, seen_rest = seen.partition("://")
    origin_scheme, _, origin_rest = origin.partition("://")
    if sep and seen_rest == origin_rest and seen_scheme != origin_scheme:
        return f" The scheme differs ({seen_scheme} vs {origin_scheme})."
    return ""


def _cors_check(headers: Sequence[Header], request: BrowserRequest, stage: Stage) -> list[Problem]:
    """The CORS check (#concept-cors-check), reporting every reason it fails."""
    problems: list[Problem] = []
    origin = request.origin
    acao_lines = _values(headers, ACAO)
    what = "the preflight response" if stage == "preflight" else "the response"
    echo_fix = (
        f"Send exactly one 'Access-Control-Allow-Origin: {origin}' (echo the request's Origin "
        "when it is on your allow-list)"
    )
    if not acao_lines:
        problems.append(
            Problem(
                "acao-missing",
                stage,
                f"{what.capitalize()} has no Access-Control-Allow-Origin header, "
                f"so origin {origin} may not read it.",
                echo_fix
                + (
                    ", on every response of this resource, errors included."
                    if stage == "actual"
                    else ", on the OPTIONS answer too."
                ),
            )
        )
    elif len(acao_lines) > 1:
        problems.append(
            Problem(
                "acao-multiple",
                stage,
                f"{what.capitalize()} has {len(acao_lines)} Access-Control-Allow-Origin headers "
                f"({_quoted(acao_lines)}); a browser joins them into "
                f"{_shorten(', '.join(acao_lines))!r}, which matches no origin.",
                "Set the header in one place only (framework, handler, or proxy, not several). "
                + echo_fix
                + ".",
            )
        )
    else:
        acao = acao_lines[0]
        if acao == "*":
            if request.credentials:
                problems.append(
                    Problem(
                        "acao-wildcard-credentials",
                        stage,
                        f"{what.capitalize()} has 'Access-Control-Allow-Origin: *', but the "
                        "request includes credentials, and '*' never allows a credentialed "
                        "request.",
                        f"Answer with 'Access-Control-Allow-Origin: {origin}' (the request's "
                        "Origin) and 'Access-Control-Allow-Credentials: true', plus "
                        "'Vary: Origin'.",
                    )
                )
        elif acao != origin:
            problems.append(
                Problem(
                    "acao-mismatch",
                    stage,
                    f"{what.capitalize()} has 'Access-Control-Allow-Origin: {_shorten(acao)}', "
                    f"which is not the page's origin {origin!r}." + _origin_hint(acao, origin),
                    echo_fix + ", or add this origin to the server's allowed origins.",
                )
            )
    if request.credentials:
        acac = _get(headers, ACAC)
        if acac is None:
            problems.append(
                Problem(
                    "acac-missing",
                    stage,
                    f"The request includes credentials, but {what} has no "
                    "Access-Control-Allow-Credentials header.",
                    "Send 'Access-Control-Allow-Credentials: true'"
                    + (" on the preflight answer too" if stage == "preflight" else "")
                    + ".",
                )
            )
        elif acac != "true":
            detail = (
                f"{len(_values(headers, ACAC))} headers, read as {acac!r}"
                if len(_values(headers, ACAC)) > 1
                else repr(acac)
            )
            problems.append(
                Problem(
                    "acac-invalid",
                    stage,
                    f"The request includes credentials, and {what} has "
                    f"Access-Control-Allow-Credentials {detail}; it must be exactly 'true' "
                    "(lower case, one header).",
                    "Send exactly one 'Access-Control-Allow-Credentials: true'.",
                )
            )
    return problems


def _seen(headers: Sequence[Header]) -> tuple[Header, ...]:
    return tuple(
        (n, v) for n, v in headers if n.lower().startswith("access-control-") or n.lower() == "vary"
    )


def _parse_max_age(headers: Sequence[Header]) -> tuple[int, Problem | None]:
    """Access-Control-Max-Age as a browser reads it: one delta-seconds value, else the default."""
    values = _values(headers, ACMA)
    if not values:
        return DEFAULT_MAX_AGE, None
    if len(values) == 1 and _DELTA_SECONDS_RE.fullmatch(values[0].strip(_OWS)):
        return int(values[0].strip(_OWS)), None
    if len(values) > 1:
        seen = f"{len(values)} Access-Control-Max-Age headers ({_quoted(values)})"
    else:
        seen = f"'Access-Control-Max-Age: {_shorten(values[0])}', not a non-negative integer"
    return DEFAULT_MAX_AGE, Problem(
        "max-age-invalid",
        "preflight",
        f"The preflight has {seen}, so browsers ignore it and cache the preflight for the "
        f"default {DEFAULT_MAX_AGE} seconds.",
        "Send one 'Access-Control-Max-Age' with a non-negative integer of seconds; "
        "use 0 to disable caching (never -1).",
        "warning",
    )


def _method_problems(
    request: BrowserRequest, methods: list[str], headers: Sequence[Header]
) -> list[Problem]:
    """Whether Access-Control-Allow-Methods (already parsed) covers the request's method."""
    method = request.wire_method
    if method in SAFELISTED_METHODS or method in methods:
        return []
    if "*" in methods and not request.credentials:
        return []
    message = (
        f"The request method {method!r} is not in Access-Control-Allow-Methods "
        f"(the preflight lists {_quoted(_values(headers, ACAM)) if methods else 'nothing'})."
    )
    fix = f"Add {method!r} to Access-Control-Allow-Methods, spelled exactly as the page sends it."
    if any(m.upper() == method.upper() for m in methods):
        message += (
            " Methods are compared case-sensitively, and browsers upper-case only DELETE, GET, "
            f"HEAD, OPTIONS, POST and PUT, so the page's {method!r} is sent as written."
        )
        fix = f"Make the page send {method.upper()!r}, or list {method!r} exactly."
    elif "*" in methods:
        message += " '*' does not count for requests with credentials."
    return [Problem("method-not-allowed", "preflight", message, fix)]


def _header_problems(
    request: BrowserRequest, allowed: list[str], headers: Sequence[Header]
) -> list[Problem]:
    """Whether Access-Control-Allow-Headers (already parsed) covers the request's headers."""
    problems: list[Problem] = []
    allowed_lower = {h.lower() for h in allowed}
    listed = _quoted(_values(headers, ACAH)) if allowed else "nothing"
    if any(n.lower() == "authorization" for n, _ in request.headers) and (
        "authorization" not in allowed_lower
    ):
        problems.append(
            Problem(
                "authorization-not-listed",
                "preflight",
                "The request sends an Authorization header, which must be named in "
                "Access-Control-Allow-Headers"
                + (
                    "; '*' never covers Authorization (so says the Fetch standard; some "
                    "Chromium versions still let it through, so it may work in one browser and "
                    "fail in another)."
                    if "*" in allowed_lower
                    else f" (the preflight lists {listed})."
                ),
                "Add 'authorization' to Access-Control-Allow-Headers explicitly.",
            )
        )
    if "*" in allowed_lower and not request.credentials:
        return problems
    missing = [
        name
        for name in request.unsafe_header_names
        if name != "authorization" and name not in allowed_lower
    ]
    if missing:
        several = len(missing) > 1
        message = (
            f"Request header{'s' if several else ''} {', '.join(missing)} "
            f"{'are' if several else 'is'} not in Access-Control-Allow-Headers "
            f"(the preflight lists {listed})."
        )
        if "*" in allowed_lower:
            message += " '*' does not count for requests with credentials."
        problems.append(
            Problem(
                "header-not-allowed",
                "preflight",
                message,
                f"Add {', '.join(missing)} to Access-Control-Allow-Headers, or stop sending "
                f"{'them' if several else 'it'} from the page.",
            )
        )
    return problems


def _preflight_status_problem(status: int, headers: Sequence[Header], body: str) -> Problem | None:
    """The problem with a preflight's status, if it is not 2xx; ``body`` helps say why."""
    if 200 <= status <= 299:
        return None
    said = " ".join(body.split())
    message = f"The preflight response has status {status}; a browser needs 200-299."
    if said:
        message += f" The server said: {_shorten(said, 200)!r}."
    if said.startswith(REFUSED_PREFLIGHT_PREFIX):
        fix = (
            "The server's CORS configuration refused it, for the reason above: allow that "
            "origin, method or header on this route."
        )
    elif 300 <= status <= 399:
        fix = (
            "Browsers never follow redirects on a preflight: answer the OPTIONS request at "
            "this exact URL (check trailing slashes and http->https redirects)."
        )
    elif status in (401, 403) and not _values(headers, ACAO):
        fix = (
            "Let preflights through before authentication, authorization or a firewall: a "
            "browser sends them without cookies or Authorization, so answer OPTIONS requests "
            "that carry Origin and Access-Control-Request-Method first."
        )
    elif status in (404, 405, 501):
        fix = (
            "Nothing answers OPTIONS at this URL: answer preflights to this route with 200 "
            "and the CORS headers."
        )
    else:
        fix = "Answer the preflight with a 2xx status (200 or 204) and the CORS headers."
    return Problem("preflight-status", "preflight", message, fix)


def check_preflight(
    status: int, headers: Sequence[Header], request: BrowserRequest, body: str = ""
) -> Verdict:
    """Check a preflight response like a browser does (#cors-preflight-fetch).

    ``status``, ``headers`` and (optionally, for the explanation) ``body`` are the OPTIONS
    response; ``request`` is the request that needed the preflight: its method, headers and
    credentials mode decide what the preflight must allow. When the status is not 2xx and the
    response has no Access-Control-* header at all, only the status is reported.
    """
    stage: Stage = "preflight"
    problems: list[Problem] = []
    status_problem = _preflight_status_problem(status, headers, body)
    if status_problem is not None:
        problems.append(status_problem)
        if not any(n.lower().startswith("access-control-") for n, _ in headers):
            return Verdict(stage, status, tuple(problems), _seen(headers), max_age=None)
    problems += _cors_check(headers, request, stage)

    try:
        methods = extract_list(headers, ACAM)
    except ValueError as exc:
        problems.append(
            Problem(
                "acam-invalid",
                stage,
                f"Access-Control-Allow-Methods ({_quoted(_values(headers, ACAM))}) contains "
                f"{exc.args[0]!r}, which is not a valid method token, so the browser rejects the "
                "whole preflight.",
                "List methods separated by commas, e.g. 'Access-Control-Allow-Methods: GET, PUT'.",
            )
        )
    else:
        problems += _method_problems(request, methods or [], headers)
    try:
        allowed_headers = extract_list(headers, ACAH)
    except ValueError as exc:
        problems.append(
            Problem(
                "acah-invalid",
                stage,
                f"Access-Control-Allow-Headers ({_quoted(_values(headers, ACAH))}) contains "
                f"{exc.args[0]!r}, which is not a valid header name, so the browser rejects the "
                "whole preflight.",
                "List header names separated by commas, "
                "e.g. 'Access-Control-Allow-Headers: content-type, x-token'.",
            )
        )
    else:
        problems += _header_problems(request, allowed_headers or [], headers)

    if request.private_network:
        acapn = _get(headers, ACAPN)
        if acapn != "true":
            problems.append(
                Problem(
                    "private-network-not-allowed",
                    stage,
                    "The preflight asked for Private Network Access, but the response "
                    + (
                        "has no Access-Control-Allow-Private-Network header."
                        if acapn is None
                        else f"has 'Access-Control-Allow-Private-Network: {_shorten(acapn)}' "
                        "instead of 'true'."
                    ),
                    "Send 'Access-Control-Allow-Private-Network: true' on the preflight.",
                )
            )

    max_age, max_age_problem = _parse_max_age(headers)
    if max_age_problem is not None:
        problems.append(max_age_problem)
    return Verdict(stage, status, tuple(problems), _seen(headers), max_age=max_age)


def _has_vary_origin(headers: Sequence[Header]) -> bool:
    for value in _values(headers, "Vary"):
        for item in value.split(","):
            if item.strip(_OWS).lower() in ("origin", "*"):
                return True
    return False


def check_actual(status: int, headers: Sequence[Header], request: BrowserRequest) -> Verdict:
    """Check the response to the actual request like a browser does.

    Any status is fine; the CORS check decides. Also works out which response headers the page can
    read (#cors-safelisted-response-header-name) and reports the requested ones that stay hidden.
    """
    stage: Stage = "actual"
    problems = _cors_check(headers, request, stage)

    try:
        exposed = extract_list(headers, ACEH)
    except ValueError as exc:
        exposed = None
        problems.append(
            Problem(
                "aceh-invalid",
                stage,
                f"Access-Control-Expose-Headers ({_quoted(_values(headers, ACEH))}) contains "
                f"{exc.args[0]!r}, which is not a valid header name, so the browser ignores the "
                "whole header and exposes only the always-readable ones.",
                "List header names separated by commas, "
                "e.g. 'Access-Control-Expose-Headers: x-total-count, etag'.",
                "warning",
            )
        )
    present: list[str] = []
    for name, _ in headers:
        if name.lower() not in (p.lower() for p in present):
            present.append(name)
    exposed_lower = {e.lower() for e in exposed or ()}
    if "*" in exposed_lower and not request.credentials:
        exposed_lower |= {p.lower() for p in present}
    readable_lower = (
        ALWAYS_READABLE_RESPONSE_HEADERS | exposed_lower
    ) - NEVER_EXPOSED_RESPONSE_HEADERS
    readable = tuple(p for p in present if p.lower() in readable_lower)

    hidden: list[str] = []
    present_lower = {p.lower() for p in present}
    for wanted in request.read_headers:
        lwanted = wanted.lower()
        if lwanted in readable_lower and lwanted in present_lower:
            continue
        if lwanted not in present_lower:
            problems.append(
                Problem(
                    "header-absent",
                    stage,
                    f"The page wants to read {wanted}, but the response has no such header.",
                    f"Make the handler set {wanted}.",
                    "warning",
                )
            )
            continue
        hidden.append(wanted)
        if lwanted in NEVER_EXPOSED_RESPONSE_HEADERS:
            message = f"{wanted} is never readable from a page, whatever the CORS headers say."
            fix = "Send the information in the body or another header instead."
        else:
            message = f"{wanted} is in the response, but not in Access-Control-Expose-Headers"
            if "*" in exposed_lower and request.credentials:
                message += "; '*' exposes nothing to requests with credentials."
            else:
                listed = _quoted(_values(headers, ACEH)) or "nothing"
                message += f" (it lists {listed}), so the page cannot read it."
            fix = f"Add {wanted} to Access-Control-Expose-Headers."
        problems.append(Problem("header-hidden", stage, message, fix, "hidden"))

    acao = _values(headers, ACAO)
    if acao and acao != ["*"] and not _has_vary_origin(headers):
        problems.append(
            Problem(
                "vary-missing",
                stage,
                f"The response allows {_quoted(acao)} but has no 'Vary: Origin'; if the server "
                "picks Access-Control-Allow-Origin by the request's Origin, a shared cache may "
                "serve this response to another origin.",
                "Add 'Origin' to Vary on every response of this resource (merge with an existing "
                "Vary, do not overwrite it).",
                "warning",
            )
        )
    return Verdict(
        stage,
        status,
        tuple(problems),
        _seen(headers),
        readable_headers=readable,
        hidden_headers=tuple(hidden),
    )
