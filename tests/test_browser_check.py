"""Unit tests of aiohttp_cors._tools.browser: the model of what a browser does (Fetch standard)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiohttp_cors._tools import browser as bc
from aiohttp_cors._tools.browser import BrowserRequest, Header, check_actual, check_preflight

from .helpers import ACAC, ACAH, ACAM, ACAO, ACEH, ACMA

ORIGIN = "https://page.example"
ACAPN = "Access-Control-Allow-Private-Network"


def test_module_imports_no_framework() -> None:
    """The browser model is framework-free: stdlib plus the package's own pure header and
    origin grammars."""
    tree = ast.parse(Path(bc.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported <= {
        "__future__",
        "ipaddress",
        "re",
        "collections.abc",
        "dataclasses",
        "typing",
        "urllib.parse",
        ".._core.headers",
        ".._core.origin_grammar",
    }


# --------------------------------------------------------------------------------------------------
# Origins as a browser sends them (#ascii-serialisation-of-an-origin)
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "null",
        "https://app.example.com",
        "http://127.0.0.1:8080",
        "http://localhost",
        "https://xn--bcher-kva.example",
        "http://[::1]:3000",
        "http://[2001:db8::1]",
        "https://a_b.example",
        "chrome-extension://abcdefghijklmnop",
        "http://page.example:65535",
    ],
)
def test_origins_a_browser_sends(origin: str) -> None:
    assert bc.origin_problem(origin) is None
    assert bc.is_browser_origin(origin)


# (origin, words of the message, the origin it suggests or None)
BAD_ORIGINS: list[tuple[str, str, str | None]] = [
    ("", "empty", None),
    ("*", "pattern", None),
    ("https://*.example.com", "pattern", None),
    ("http://localhost:*", "pattern", None),
    ("page.example", "no scheme", "https://page.example"),
    ("//page.example", "no scheme", "https://page.example"),
    ("http://page.example/", "trailing slash", "http://page.example"),
    ("http://page.example/app", "path", "http://page.example"),
    ("http://page.example?x=1", "query", "http://page.example"),
    ("http://user@page.example", "user name or password", "http://page.example"),
    ("HTTPS://X.example", "lower case", "https://x.example"),
    ("http://Page.Example:8080", "lower case", "http://page.example:8080"),
    ("https://bücher.example", "punycode", "https://xn--bcher-kva.example"),
    ("http://page.example:80", "default port", "http://page.example"),
    ("https://page.example:443", "default port", "https://page.example"),
    ("wss://page.example:443", "default port", "wss://page.example"),
    ("http://page.example:8080x", "port", None),
    ("http://page.example:08080", "leading zeros", "http://page.example:8080"),
    ("http://page.example:70000", "1 to 65535", None),
    ("http://page.example:", "no port", "http://page.example"),
    ("http://", "no host", None),
    ("http://:8080", "no host", None),
    ("1http://page.example", "invalid scheme", None),
    ("http://[0:0::1]", "'::1'", None),
    ("http://[::g]", "not an IPv6 address", None),
    ("http://127.0.0.1.5", "not an IPv4 address", None),
    ("http://a..example", "not a valid host name", None),
    ("http://-a.example", "not a valid host name", None),
    ("http://a b.example", "not a valid host name", None),
]


@pytest.mark.parametrize(("origin", "words", "suggested"), BAD_ORIGINS)
def test_origins_a_browser_never_sends(origin: str, words: str, suggested: str | None) -> None:
    problem = bc.origin_problem(origin)
    assert problem is not None
    assert not bc.is_browser_origin(origin)
    assert words in problem
    if suggested is not None:
        assert problem.endswith(f"did you mean {suggested!r}?")
    else:
        assert "did you mean" not in problem


@given(st.text(max_size=40))
def test_origin_problem_never_raises(text: str) -> None:
    problem = bc.origin_problem(text)
    assert problem is None or problem


# --------------------------------------------------------------------------------------------------
# Requests: methods and safelisted headers
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("get", "GET"),
        ("Get", "GET"),
        ("head", "HEAD"),
        ("post", "POST"),
        ("put", "PUT"),
        ("delete", "DELETE"),
        ("options", "OPTIONS"),
        ("patch", "patch"),
        ("Patch", "Patch"),
        ("PATCH", "PATCH"),
        ("purge", "purge"),
    ],
)
def test_normalize_method(written: str, sent: str) -> None:
    assert bc.normalize_method(written) == sent


@pytest.mark.parametrize(
    ("method", "forbidden"),
    [("CONNECT", True), ("trace", True), ("Track", True), ("GET", False), ("PATCH", False)],
)
def test_forbidden_methods(method: str, forbidden: bool) -> None:
    assert bc.is_forbidden_method(method) is forbidden


@pytest.mark.parametrize(
    ("name", "value", "forbidden"),
    [
        ("Cookie", "a=b", True),
        ("Origin", "x", True),
        ("Host", "x", True),
        ("Content-Length", "1", True),
        ("Proxy-Authorization", "x", True),
        ("Sec-Fetch-Mode", "cors", True),
        ("X-HTTP-Method-Override", "TRACE", True),
        ("X-HTTP-Method-Override", "PUT", False),
        ("Authorization", "Bearer x", False),
        ("X-Token", "1", False),
    ],
)
def test_forbidden_request_headers(name: str, value: str, forbidden: bool) -> None:
    assert bc.is_forbidden_request_header(name, value) is forbidden


@pytest.mark.parametrize(
    ("name", "value", "safelisted"),
    [
        ("Accept", "*/*", True),
        ("accept", "text/html, application/json;q=0.9", True),
        ("Accept", 'text/html; x="y"', False),
        ("Accept", "a" * 128, True),
        ("Accept", "a" * 129, False),
        ("Accept", "é" * 64, True),  # 128 bytes in UTF-8
        ("Accept", "é" * 65, False),  # 130 bytes: the limit is in bytes, not characters
        ("Accept-Language", "en-US,en;q=0.9", True),
        ("Accept-Language", "en_US", False),
        ("Content-Language", "de", True),
        ("Content-Language", "de/at", False),
        ("Content-Type", "text/plain", True),
        ("Content-Type", "text/plain;charset=UTF-8", True),
        ("content-type", "TEXT/PLAIN", True),
        ("Content-Type", "multipart/form-data; boundary=abc", True),
        ("Content-Type", "application/x-www-form-urlencoded", True),
        ("Content-Type", "application/json", False),
        ("Content-Type", "text/html", False),
        ("Content-Type", 'text/plain; charset="utf-8"', False),  # '"' is an unsafe byte
        ("Content-Type", "text/", False),
        ("Content-Type", "", False),
        ("Range", "bytes=0-", True),
        ("Range", "bytes=10-499", True),
        ("Range", "bytes=5-5", True),
        ("Range", "bytes=-500", False),
        ("Range", "bytes=500-100", False),
        ("Range", "bytes=0-1,2-3", False),
        ("Range", "bytes = 0-1", False),
        ("Range", "Bytes=0-1", False),
        ("Range", "bytes=-", False),
        ("X-Custom", "1", False),
        ("Authorization", "Bearer x", False),
        ("Cache-Control", "no-cache", False),
    ],
)
def test_safelisted_request_header(name: str, value: str, safelisted: bool) -> None:
    assert bc.is_safelisted_request_header(name, value) is safelisted


def test_unsafe_names_are_lower_case_unique_sorted() -> None:
    headers = [("X-B", "1"), ("x-a", "1"), ("X-A", "2"), ("Accept", "*/*")]
    assert bc.unsafe_request_header_names(headers) == ["x-a", "x-b"]


def test_unsafe_names_total_safelisted_size() -> None:
    """More than 1024 bytes of safelisted values make all of them unsafe; 1024 is fine."""
    at_limit = [("Accept", "a" * 128)] * 8
    assert bc.unsafe_request_header_names(at_limit) == []
    over = [*at_limit, ("Content-Language", "de")]
    assert bc.unsafe_request_header_names(over) == ["accept", "content-language"]
    assert any("1026 bytes" in r for r in bc.preflight_reasons("GET", over))


def test_header_values_are_trimmed_like_fetch_does() -> None:
    assert bc.unsafe_request_header_names([("Range", " bytes=0-1 ")]) == []


@pytest.mark.parametrize(
    ("method", "headers", "private_network", "needed"),
    [
        ("GET", [], False, False),
        ("HEAD", [], False, False),
        ("POST", [("Content-Type", "text/plain")], False, False),
        ("post", [], False, False),
        ("GET", [("Accept", "application/json"), ("Range", "bytes=0-9")], False, False),
        ("PUT", [], False, True),
        ("DELETE", [], False, True),
        ("patch", [], False, True),
        ("GET", [("X-Token", "1")], False, True),
        ("POST", [("Content-Type", "application/json")], False, True),
        ("GET", [("Authorization", "Basic eDp5")], False, True),
        ("GET", [], True, True),
    ],
)
def test_needs_preflight(
    method: str, headers: list[Header], private_network: bool, needed: bool
) -> None:
    assert bc.needs_preflight(method, headers, private_network=private_network) is needed
    reasons = bc.preflight_reasons(method, headers, private_network=private_network)
    assert bool(reasons) is needed


def test_preflight_reasons_name_each_unsafe_header_once() -> None:
    reasons = bc.preflight_reasons("GET", [("Accept", "*/*"), ("accept", "a(b"), ("ACCEPT", "c)")])
    assert reasons == ["header accept has characters that are not safelisted in 'a(b'"]


def test_preflight_reasons_explain() -> None:
    reasons = bc.preflight_reasons(
        "patch", [("X-Token", "1"), ("x-token", "2"), ("Content-Type", "application/json")]
    )
    assert reasons == [
        "method patch is not one of GET, HEAD, POST (compared case-sensitively)",
        "header X-Token is not a CORS-safelisted request header",
        "Content-Type 'application/json' is not application/x-www-form-urlencoded, "
        "multipart/form-data or text/plain",
    ]


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            BrowserRequest(ORIGIN, "put", (("X-B", "1"), ("Content-Type", "application/json"))),
            [
                ("Accept", "*/*"),
                ("Origin", ORIGIN),
                ("Access-Control-Request-Method", "PUT"),
                ("Access-Control-Request-Headers", "content-type,x-b"),
            ],
        ),
        (
            BrowserRequest(ORIGIN, "patch"),
            [
                ("Accept", "*/*"),
                ("Origin", ORIGIN),
                ("Access-Control-Request-Method", "patch"),
            ],
        ),
        (
            BrowserRequest(ORIGIN, "GET", (("Authorization", "x"),), private_network=True),
            [
                ("Accept", "*/*"),
                ("Origin", ORIGIN),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", "authorization"),
                ("Access-Control-Request-Private-Network", "true"),
            ],
        ),
    ],
)
def test_preflight_request_headers(request_: BrowserRequest, expected: list[Header]) -> None:
    """As browsers send them: no page headers, no cookies; ACRH lower-case, sorted, no spaces."""
    assert bc.preflight_request_headers(request_) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], None),
        ([(ACAM, "GET, PUT")], ["GET", "PUT"]),
        ([(ACAM, "GET,,PUT, ")], ["GET", "PUT"]),
        ([(ACAM, "GET"), ("access-control-allow-methods", "PUT")], ["GET", "PUT"]),
        ([(ACAM, "")], []),
        ([(ACAM, "*")], ["*"]),
    ],
)
def test_extract_list(headers: list[Header], expected: list[str] | None) -> None:
    assert bc.extract_list(headers, ACAM) == expected


@pytest.mark.parametrize(
    ("value", "bad"),
    [
        ("GET PUT", "GET PUT"),
        ("GET;PUT", "GET;PUT"),
        ("GET, P(UT", "P(UT"),
        ('GET, "PUT"', '"PUT"'),
    ],
)
def test_extract_list_invalid(value: str, bad: str) -> None:
    with pytest.raises(ValueError, match=re.escape(bad)) as caught:
        bc.extract_list([(ACAM, value)], ACAM)
    assert caught.value.args == (bad,)


# --------------------------------------------------------------------------------------------------
# Preflight responses
# --------------------------------------------------------------------------------------------------

OK = [(ACAO, ORIGIN)]
CRED_OK = [(ACAO, ORIGIN), (ACAC, "true")]

PREFLIGHT_CASES: list[tuple[str, int, list[Header], BrowserRequest, set[str]]] = [
    # (id, status, response headers, request, failed rules)
    ("ok", 200, [*OK, (ACAM, "PUT")], BrowserRequest(ORIGIN, "PUT"), set()),
    ("ok-204", 204, [*OK, (ACAM, "PUT")], BrowserRequest(ORIGIN, "PUT"), set()),
    ("status-403", 403, [*OK, (ACAM, "PUT")], BrowserRequest(ORIGIN, "PUT"), {"preflight-status"}),
    ("status-405-bare", 405, [], BrowserRequest(ORIGIN, "PUT"), {"preflight-status"}),
    ("status-302", 302, [("Location", "/x")], BrowserRequest(ORIGIN, "PUT"), {"preflight-status"}),
    ("status-500", 500, [*OK, (ACAM, "PUT")], BrowserRequest(ORIGIN, "PUT"), {"preflight-status"}),
    ("acao-missing", 200, [(ACAM, "PUT")], BrowserRequest(ORIGIN, "PUT"), {"acao-missing"}),
    (
        "acao-other",
        200,
        [(ACAO, "https://other.example"), (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT"),
        {"acao-mismatch"},
    ),
    (
        "acao-duplicate-equal",
        200,
        [*OK, *OK, (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT"),
        {"acao-multiple"},
    ),
    (
        "acao-list",
        200,
        [(ACAO, f"{ORIGIN}, https://b.example"), (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT"),
        {"acao-mismatch"},
    ),
    ("acao-star", 200, [(ACAO, "*"), (ACAM, "PUT")], BrowserRequest(ORIGIN, "PUT"), set()),
    (
        "acao-star-credentials",
        200,
        [(ACAO, "*"), (ACAC, "true"), (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT", credentials=True),
        {"acao-wildcard-credentials"},
    ),
    (
        "credentials-ok",
        200,
        [*CRED_OK, (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT", credentials=True),
        set(),
    ),
    (
        "acac-missing",
        200,
        [*OK, (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT", credentials=True),
        {"acac-missing"},
    ),
    (
        "acac-capitalised",
        200,
        [*OK, (ACAC, "True"), (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT", credentials=True),
        {"acac-invalid"},
    ),
    (
        "acac-duplicate",
        200,
        [*OK, (ACAC, "true"), (ACAC, "true"), (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT", credentials=True),
        {"acac-invalid"},
    ),
    (
        "acac-irrelevant-without-credentials",
        200,
        [*OK, (ACAC, "nonsense"), (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT"),
        set(),
    ),
    (
        "method-missing",
        200,
        [*OK, (ACAM, "GET, POST")],
        BrowserRequest(ORIGIN, "PUT"),
        {"method-not-allowed"},
    ),
    ("acam-absent", 200, OK, BrowserRequest(ORIGIN, "DELETE"), {"method-not-allowed"}),
    ("acam-star", 200, [*OK, (ACAM, "*")], BrowserRequest(ORIGIN, "DELETE"), set()),
    (
        "acam-star-credentials",
        200,
        [*CRED_OK, (ACAM, "*")],
        BrowserRequest(ORIGIN, "DELETE", credentials=True),
        {"method-not-allowed"},
    ),
    (
        "lower-case-patch-vs-PATCH",
        200,
        [*OK, (ACAM, "PATCH")],
        BrowserRequest(ORIGIN, "patch"),
        {"method-not-allowed"},
    ),
    (
        "lower-case-patch-listed",
        200,
        [*OK, (ACAM, "patch")],
        BrowserRequest(ORIGIN, "patch"),
        set(),
    ),
    ("put-normalised", 200, [*OK, (ACAM, "PUT")], BrowserRequest(ORIGIN, "put"), set()),
    (
        "acam-lower-case-put",
        200,
        [*OK, (ACAM, "put")],
        BrowserRequest(ORIGIN, "PUT"),
        {"method-not-allowed"},
    ),
    (
        "safelisted-method-needs-no-acam",
        200,
        [*OK, (ACAH, "x-token")],
        BrowserRequest(ORIGIN, "GET", (("X-Token", "1"),)),
        set(),
    ),
    (
        "acam-two-lines",
        200,
        [*OK, (ACAM, "GET"), (ACAM, "DELETE")],
        BrowserRequest(ORIGIN, "DELETE"),
        set(),
    ),
    (
        "acam-invalid-token",
        200,
        [*OK, (ACAM, "GET PUT")],
        BrowserRequest(ORIGIN, "PUT"),
        {"acam-invalid"},
    ),
    (
        "acam-invalid-token-safelisted-method",
        200,
        [*OK, (ACAM, "GET; POST"), (ACAH, "x-token")],
        BrowserRequest(ORIGIN, "GET", (("X-Token", "1"),)),
        {"acam-invalid"},
    ),
    (
        "header-missing",
        200,
        [*OK, (ACAM, "PUT"), (ACAH, "x-other")],
        BrowserRequest(ORIGIN, "PUT", (("X-Token", "1"),)),
        {"header-not-allowed"},
    ),
    (
        "acah-absent",
        200,
        [*OK, (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT", (("Content-Type", "application/json"),)),
        {"header-not-allowed"},
    ),
    (
        "header-case-insensitive",
        200,
        [*OK, (ACAM, "PUT"), (ACAH, "X-TOKEN, Content-Type")],
        BrowserRequest(ORIGIN, "PUT", (("x-token", "1"), ("content-type", "application/json"))),
        set(),
    ),
    (
        "safelisted-header-needs-no-acah",
        200,
        [*OK, (ACAM, "PUT")],
        BrowserRequest(ORIGIN, "PUT", (("Accept", "*/*"), ("Content-Type", "text/plain"))),
        set(),
    ),
    (
        "acah-star",
        200,
        [*OK, (ACAM, "PUT"), (ACAH, "*")],
        BrowserRequest(ORIGIN, "PUT", (("X-Token", "1"),)),
        set(),
    ),
    (
        "acah-star-credentials",
        200,
        [*CRED_OK, (ACAM, "PUT"), (ACAH, "*")],
        BrowserRequest(ORIGIN, "PUT", (("X-Token", "1"),), credentials=True),
        {"header-not-allowed"},
    ),
    (
        "authorization-vs-star",
        200,
        [*OK, (ACAH, "*")],
        BrowserRequest(ORIGIN, "GET", (("Authorization", "Bearer t"),)),
        {"authorization-not-listed"},
    ),
    (
        "authorization-named-with-star",
        200,
        [*OK, (ACAH, "*, Authorization")],
        BrowserRequest(ORIGIN, "GET", (("Authorization", "Bearer t"), ("X-Token", "1"))),
        set(),
    ),
    (
        "authorization-named",
        200,
        [*OK, (ACAH, "authorization")],
        BrowserRequest(ORIGIN, "GET", (("Authorization", "Bearer t"),)),
        set(),
    ),
    (
        "authorization-missing",
        200,
        [*OK, (ACAH, "x-token")],
        BrowserRequest(ORIGIN, "GET", (("Authorization", "Bearer t"), ("X-Token", "1"))),
        {"authorization-not-listed"},
    ),
    (
        "acah-invalid-token",
        200,
        [*OK, (ACAM, "PUT"), (ACAH, "x-token;")],
        BrowserRequest(ORIGIN, "PUT", (("X-Token", "1"),)),
        {"acah-invalid"},
    ),
    (
        "acah-invalid-even-if-unneeded",
        200,
        [*OK, (ACAM, "PUT"), (ACAH, "a b")],
        BrowserRequest(ORIGIN, "PUT"),
        {"acah-invalid"},
    ),
    (
        "private-network-ok",
        200,
        [*OK, (ACAPN, "true")],
        BrowserRequest(ORIGIN, "GET", private_network=True),
        set(),
    ),
    (
        "private-network-missing",
        200,
        OK,
        BrowserRequest(ORIGIN, "GET", private_network=True),
        {"private-network-not-allowed"},
    ),
    (
        "private-network-not-true",
        200,
        [*OK, (ACAPN, "TRUE")],
        BrowserRequest(ORIGIN, "GET", private_network=True),
        {"private-network-not-allowed"},
    ),
    (
        "everything-wrong",
        200,
        [(ACAO, "*"), (ACAM, "*"), (ACAH, "*")],
        BrowserRequest(ORIGIN, "PUT", (("X-Token", "1"),), credentials=True),
        {"acao-wildcard-credentials", "acac-missing", "method-not-allowed", "header-not-allowed"},
    ),
]


@pytest.mark.parametrize(
    ("status", "headers", "request_", "failed"),
    [case[1:] for case in PREFLIGHT_CASES],
    ids=[case[0] for case in PREFLIGHT_CASES],
)
def test_check_preflight(
    status: int, headers: list[Header], request_: BrowserRequest, failed: set[str]
) -> None:
    verdict = check_preflight(status, headers, request_)
    blocking = {p.rule for p in verdict.problems if p.kind == "blocked"}
    assert blocking == failed
    assert verdict.allowed is (not failed)
    for problem in verdict.problems:
        assert problem.stage == "preflight"
        assert problem.message
        assert problem.fix


def test_preflight_messages_show_values_seen() -> None:
    request_ = BrowserRequest(ORIGIN, "patch", (("X-Token", "1"),))
    verdict = check_preflight(
        200, [(ACAO, ORIGIN + "/"), (ACAM, "GET, PATCH"), (ACAH, "x-other")], request_
    )
    messages = {p.rule: p.message for p in verdict.problems}
    assert "https://page.example/" in messages["acao-mismatch"]
    assert "trailing slash" in messages["acao-mismatch"]
    assert "'GET, PATCH'" in messages["method-not-allowed"]
    assert "case-sensitively" in messages["method-not-allowed"]
    assert "x-token" in messages["header-not-allowed"]
    assert "'x-other'" in messages["header-not-allowed"]


def test_duplicate_acao_message_shows_joined_value() -> None:
    verdict = check_preflight(200, [*OK, *OK, (ACAM, "PUT")], BrowserRequest(ORIGIN, "PUT"))
    (problem,) = verdict.problems
    assert f"'{ORIGIN}, {ORIGIN}'" in problem.message


def test_refused_preflight_without_cors_headers_reports_only_the_status() -> None:
    body = "CORS preflight request failed: headers are not allowed: X-TOKEN"
    verdict = check_preflight(
        403, [("Vary", "Origin")], BrowserRequest(ORIGIN, "PUT", (("X-Token", "1"),)), body
    )
    (problem,) = verdict.problems
    assert problem.rule == "preflight-status"
    assert "403" in problem.message
    assert body in problem.message


@pytest.mark.parametrize(
    ("status", "in_fix"),
    [(302, "redirects"), (401, "authentication"), (404, "OPTIONS"), (405, "OPTIONS"), (500, "2xx")],
)
def test_preflight_status_fix(status: int, in_fix: str) -> None:
    verdict = check_preflight(status, [], BrowserRequest(ORIGIN, "PUT"))
    assert in_fix in verdict.problems[0].fix


@pytest.mark.parametrize(
    ("headers", "max_age", "warned"),
    [
        ([], 5, False),
        ([(ACMA, "600")], 600, False),
        ([(ACMA, "0")], 0, False),
        ([(ACMA, "86400")], 86400, False),
        ([(ACMA, "-1")], 5, True),
        ([(ACMA, "ten")], 5, True),
        ([(ACMA, "1.5")], 5, True),
        ([(ACMA, "60"), (ACMA, "60")], 5, True),
    ],
)
def test_max_age(headers: list[Header], max_age: int, warned: bool) -> None:
    verdict = check_preflight(200, [*OK, (ACAM, "PUT"), *headers], BrowserRequest(ORIGIN, "PUT"))
    assert verdict.allowed
    assert verdict.max_age == max_age
    assert bool(verdict.warnings) is warned
    assert all(p.rule == "max-age-invalid" for p in verdict.warnings)


# --------------------------------------------------------------------------------------------------
# Actual responses
# --------------------------------------------------------------------------------------------------

VARY = [("Vary", "Origin")]

ACTUAL_CASES: list[tuple[str, int, list[Header], BrowserRequest, set[str]]] = [
    ("ok", 200, [*OK, *VARY], BrowserRequest(ORIGIN), set()),
    ("error-status-with-cors", 500, [*OK, *VARY], BrowserRequest(ORIGIN), set()),
    ("redirect-with-cors", 302, [*OK, *VARY], BrowserRequest(ORIGIN), set()),
    ("star", 200, [(ACAO, "*")], BrowserRequest(ORIGIN), set()),
    ("missing", 200, VARY, BrowserRequest(ORIGIN), {"acao-missing"}),
    ("error-without-cors", 500, [], BrowserRequest(ORIGIN), {"acao-missing"}),
    ("wrong", 200, [(ACAO, "https://evil.example")], BrowserRequest(ORIGIN), {"acao-mismatch"}),
    ("upper-case", 200, [(ACAO, ORIGIN.upper())], BrowserRequest(ORIGIN), {"acao-mismatch"}),
    ("null", 200, [(ACAO, "null")], BrowserRequest(ORIGIN), {"acao-mismatch"}),
    ("duplicate", 200, [*OK, *OK, *VARY], BrowserRequest(ORIGIN), {"acao-multiple"}),
    (
        "duplicate-star",
        200,
        [(ACAO, "*"), (ACAO, "*")],
        BrowserRequest(ORIGIN),
        {"acao-multiple"},
    ),
    (
        "star-credentials",
        200,
        [(ACAO, "*"), (ACAC, "true")],
        BrowserRequest(ORIGIN, credentials=True),
        {"acao-wildcard-credentials"},
    ),
    ("credentials-ok", 200, [*CRED_OK, *VARY], BrowserRequest(ORIGIN, credentials=True), set()),
    (
        "credentials-no-acac",
        200,
        [*OK, *VARY],
        BrowserRequest(ORIGIN, credentials=True),
        {"acac-missing"},
    ),
    (
        "credentials-acac-false",
        200,
        [*OK, (ACAC, "false"), *VARY],
        BrowserRequest(ORIGIN, credentials=True),
        {"acac-invalid"},
    ),
    ("null-origin-echoed", 200, [(ACAO, "null"), *VARY], BrowserRequest("null"), set()),
]


@pytest.mark.parametrize(
    ("status", "headers", "request_", "failed"),
    [case[1:] for case in ACTUAL_CASES],
    ids=[case[0] for case in ACTUAL_CASES],
)
def test_check_actual(
    status: int, headers: list[Header], request_: BrowserRequest, failed: set[str]
) -> None:
    verdict = check_actual(status, headers, request_)
    assert {p.rule for p in verdict.blocking} == failed
    assert verdict.allowed is (not failed)
    assert verdict.status == status


EXPOSE_CASES: list[tuple[str, list[Header], BrowserRequest, set[str], set[str]]] = [
    # (id, extra response headers, request, hidden, warnings)
    (
        "listed",
        [("X-Total", "3"), (ACEH, "X-Total")],
        BrowserRequest(ORIGIN, read_headers=("X-Total",)),
        set(),
        set(),
    ),
    (
        "listed-other-case",
        [("X-Total", "3"), (ACEH, "x-total")],
        BrowserRequest(ORIGIN, read_headers=("x-TOTAL",)),
        set(),
        set(),
    ),
    (
        "not-listed",
        [("X-Total", "3")],
        BrowserRequest(ORIGIN, read_headers=("X-Total",)),
        {"X-Total"},
        set(),
    ),
    (
        "star",
        [("X-Total", "3"), (ACEH, "*")],
        BrowserRequest(ORIGIN, read_headers=("X-Total",)),
        set(),
        set(),
    ),
    (
        "star-credentials",
        [("X-Total", "3"), (ACEH, "*"), (ACAC, "true")],
        BrowserRequest(ORIGIN, credentials=True, read_headers=("X-Total",)),
        {"X-Total"},
        set(),
    ),
    (
        "always-readable",
        [("Content-Type", "text/plain"), ("Cache-Control", "no-store"), ("Expires", "0")],
        BrowserRequest(ORIGIN, read_headers=("Content-Type", "Cache-Control", "Expires")),
        set(),
        set(),
    ),
    (
        "set-cookie-never",
        [("Set-Cookie", "a=b"), (ACEH, "*, Set-Cookie")],
        BrowserRequest(ORIGIN, read_headers=("Set-Cookie",)),
        {"Set-Cookie"},
        set(),
    ),
    (
        "absent",
        [(ACEH, "X-Total")],
        BrowserRequest(ORIGIN, read_headers=("X-Total",)),
        set(),
        {"header-absent"},
    ),
    (
        "aceh-invalid",
        [("X-Total", "3"), (ACEH, "X-Total X-Other")],
        BrowserRequest(ORIGIN, read_headers=("X-Total",)),
        {"X-Total"},
        {"aceh-invalid"},
    ),
]


@pytest.mark.parametrize(
    ("extra", "request_", "hidden", "warnings"),
    [case[1:] for case in EXPOSE_CASES],
    ids=[case[0] for case in EXPOSE_CASES],
)
def test_exposed_headers(
    extra: list[Header], request_: BrowserRequest, hidden: set[str], warnings: set[str]
) -> None:
    verdict = check_actual(200, [*OK, *VARY, *extra], request_)
    assert verdict.allowed
    assert set(verdict.hidden_headers) == hidden
    assert {p.rule for p in verdict.problems if p.kind == "hidden"} == (
        {"header-hidden"} if hidden else set()
    )
    assert {p.rule for p in verdict.warnings} == warnings
    assert verdict.ok is (not hidden)


def test_readable_headers() -> None:
    headers = [
        *OK,
        *VARY,
        ("Content-Type", "application/json"),
        ("X-A", "1"),
        ("X-B", "2"),
        ("Set-Cookie", "s=1"),
        (ACEH, "x-a"),
    ]
    verdict = check_actual(200, headers, BrowserRequest(ORIGIN))
    assert verdict.readable_headers == ("Content-Type", "X-A")
    star = check_actual(200, [*headers, (ACEH, "*")], BrowserRequest(ORIGIN))
    assert "Set-Cookie" not in star.readable_headers
    assert {"X-A", "X-B", "Vary", ACAO} <= set(star.readable_headers)


@pytest.mark.parametrize(
    ("headers", "warned"),
    [
        ([(ACAO, ORIGIN)], True),
        ([(ACAO, ORIGIN), ("Vary", "Accept-Encoding, origin")], False),
        ([(ACAO, ORIGIN), ("Vary", "Accept-Encoding"), ("Vary", "Origin")], False),
        ([(ACAO, ORIGIN), ("Vary", "*")], False),
        ([(ACAO, "*")], False),
        ([], False),
    ],
)
def test_vary_warning(headers: list[Header], warned: bool) -> None:
    verdict = check_actual(200, headers, BrowserRequest(ORIGIN))
    assert ("vary-missing" in {p.rule for p in verdict.warnings}) is warned


def test_verdict_to_dict() -> None:
    request_ = BrowserRequest(ORIGIN, "PUT", credentials=True)
    preflight = check_preflight(200, [(ACAO, "*"), (ACAM, "PUT"), ("X-Other", "1")], request_)
    data = preflight.to_dict()
    assert data["stage"] == "preflight"
    assert data["allowed"] is False
    assert data["max_age"] == 5
    assert data["seen"] == [[ACAO, "*"], [ACAM, "PUT"]]
    problems = data["problems"]
    assert isinstance(problems, list)
    assert {p["rule"] for p in problems} == {"acao-wildcard-credentials", "acac-missing"}
    actual = check_actual(200, [*OK, ("X-A", "1")], BrowserRequest(ORIGIN, read_headers=("X-A",)))
    assert actual.to_dict()["hidden_headers"] == ["X-A"]


# --------------------------------------------------------------------------------------------------
# Properties: any input gives an answer, never an exception
# --------------------------------------------------------------------------------------------------

_names = st.sampled_from(
    [ACAO, ACAC, ACAM, ACAH, ACEH, ACMA, ACAPN, "Vary", "X-Total", "Set-Cookie", "Content-Type"]
) | st.text(min_size=1, max_size=20)
_headers = st.lists(st.tuples(_names, st.text(max_size=60)), max_size=12)
_request_headers = st.lists(
    st.tuples(
        st.sampled_from(["Accept", "Content-Type", "Range", "Authorization", "X-A", "x-b"]),
        st.text(max_size=200),
    ),
    max_size=8,
)


@given(
    status=st.integers(100, 599),
    headers=_headers,
    method=st.sampled_from(["GET", "put", "patch", "PATCH", "DELETE", "x"]),
    request_headers=_request_headers,
    credentials=st.booleans(),
    private_network=st.booleans(),
)
def test_checks_never_raise(
    status: int,
    headers: list[Header],
    method: str,
    request_headers: list[Header],
    credentials: bool,
    private_network: bool,
) -> None:
    request_ = BrowserRequest(
        ORIGIN,
        method,
        tuple(request_headers),
        credentials=credentials,
        read_headers=("X-Total", "Set-Cookie"),
        private_network=private_network,
    )
    preflight = check_preflight(status, headers, request_, "body")
    actual = check_actual(status, headers, request_)
    for verdict in (preflight, actual):
        assert verdict.allowed is (not verdict.blocking)
        assert verdict.to_dict()


@given(_request_headers)
def test_unsafe_names_property(headers: list[Header]) -> None:
    names = bc.unsafe_request_header_names(headers)
    assert names == sorted(set(names))
    assert all(name == name.lower() for name in names)
    assert set(names) <= {n.lower() for n, _ in headers}
    for name, value in headers:
        if not bc.is_safelisted_request_header(name, value.strip(" \t\r\n")):
            assert name.lower() in names
