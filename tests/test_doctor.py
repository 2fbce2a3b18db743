"""The CORS doctor against real local servers whose handlers set CORS headers by hand.

Each scenario is one route on a real aiohttp app: what it answers to the preflight and to the
actual request. The doctor must reach the verdict a browser reaches, for the reason a browser has.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import aiohttp_cors
from aiohttp_cors import ResourceOptions
from aiohttp_cors._tools.browser import BrowserRequest, Header, check_actual
from aiohttp_cors._tools.cli import main
from aiohttp_cors._tools.doctor import (
    CheckError,
    Exchange,
    Report,
    _next_hop,
    check,
    format_report,
)

PAGE = "http://page.example"
ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACAPN = "Access-Control-Allow-Private-Network"
ECHO = "{origin}"  # replaced by the request's Origin
VARY = ("Vary", "Origin")


@dataclass(frozen=True)
class Scenario:
    """What one route answers. Header values may contain {origin}."""

    actual: list[Header] = field(default_factory=list)
    actual_status: int = 200
    preflight: list[Header] = field(default_factory=list)
    preflight_status: int = 200


SCENARIOS: dict[str, Scenario] = {
    "echo": Scenario(actual=[(ACAO, ECHO), VARY]),
    "echo-no-vary": Scenario(actual=[(ACAO, ECHO)]),
    "no-cors": Scenario(),
    "other-origin": Scenario(actual=[(ACAO, "https://other.example"), VARY]),
    "trailing-slash": Scenario(actual=[(ACAO, ECHO + "/"), VARY]),
    "duplicate-acao": Scenario(actual=[(ACAO, ECHO), (ACAO, ECHO), VARY]),
    "star": Scenario(actual=[(ACAO, "*")]),
    "star-acac": Scenario(actual=[(ACAO, "*"), (ACAC, "true")]),
    "echo-acac": Scenario(actual=[(ACAO, ECHO), (ACAC, "true"), VARY]),
    "echo-acac-True": Scenario(actual=[(ACAO, ECHO), (ACAC, "True"), VARY]),
    "error-with-cors": Scenario(actual=[(ACAO, ECHO), VARY], actual_status=500),
    "error-without-cors": Scenario(actual_status=500),
    "preflight-403": Scenario(actual=[(ACAO, ECHO)], preflight_status=403),
    "preflight-405": Scenario(actual=[(ACAO, ECHO)], preflight_status=405),
    "preflight-401": Scenario(actual=[(ACAO, ECHO)], preflight_status=401),
    "preflight-redirect": Scenario(
        actual=[(ACAO, ECHO)], preflight=[("Location", "/s/echo")], preflight_status=301
    ),
    "put-ok": Scenario(
        actual=[(ACAO, ECHO), VARY],
        preflight=[(ACAO, ECHO), (ACAM, "PUT"), (ACAH, "content-type, x-token")],
    ),
    "put-max-age-day": Scenario(
        actual=[(ACAO, ECHO), VARY],
        preflight=[(ACAO, ECHO), (ACAM, "PUT"), ("Access-Control-Max-Age", "86400")],
    ),
    "put-ok-204": Scenario(
        actual=[(ACAO, ECHO), VARY], preflight=[(ACAO, ECHO), (ACAM, "PUT")], preflight_status=204
    ),
    "put-credentials-ok": Scenario(
        actual=[(ACAO, ECHO), (ACAC, "true"), VARY],
        preflight=[(ACAO, ECHO), (ACAC, "true"), (ACAM, "PUT"), (ACAH, "content-type,x-token")],
    ),
    "put-preflight-no-acac": Scenario(
        actual=[(ACAO, ECHO), (ACAC, "true"), VARY],
        preflight=[(ACAO, ECHO), (ACAM, "PUT"), (ACAH, "content-type,x-token")],
    ),
    "preflight-no-acao": Scenario(actual=[(ACAO, ECHO)], preflight=[(ACAM, "PUT")]),
    "acam-get-post": Scenario(actual=[(ACAO, ECHO)], preflight=[(ACAO, ECHO), (ACAM, "GET, POST")]),
    "acam-PATCH": Scenario(actual=[(ACAO, ECHO)], preflight=[(ACAO, ECHO), (ACAM, "PATCH")]),
    "acam-star": Scenario(actual=[(ACAO, "*")], preflight=[(ACAO, "*"), (ACAM, "*"), (ACAH, "*")]),
    "acam-invalid": Scenario(actual=[(ACAO, ECHO)], preflight=[(ACAO, ECHO), (ACAM, "GET PUT")]),
    "acah-other": Scenario(
        actual=[(ACAO, ECHO)], preflight=[(ACAO, ECHO), (ACAM, "PUT"), (ACAH, "x-other")]
    ),
    "acah-star": Scenario(actual=[(ACAO, ECHO)], preflight=[(ACAO, ECHO), (ACAH, "*")]),
    "acah-invalid": Scenario(
        actual=[(ACAO, ECHO)], preflight=[(ACAO, ECHO), (ACAM, "PUT"), (ACAH, "x-token;")]
    ),
    "expose": Scenario(
        actual=[(ACAO, ECHO), VARY, ("X-Total", "3"), ("X-Secret", "s"), (ACEH, "X-Total")]
    ),
    "redirect": Scenario(actual=[(ACAO, ECHO), VARY, ("Location", "/s/echo")], actual_status=302),
    # aiohttp_cors.testing said "allowed" here while Chromium blocks it: the redirect
    # passes its CORS check, the response it leads to has no CORS headers (issue 19).
    "redirect-to-no-cors": Scenario(
        actual=[(ACAO, ECHO), VARY, ("Location", "/s/no-cors")], actual_status=302
    ),
    "redirect-loop": Scenario(
        actual=[(ACAO, ECHO), VARY, ("Location", "/s/redirect-loop")], actual_status=307
    ),
    "redirect-put": Scenario(
        actual=[(ACAO, ECHO), VARY, ("Location", "/s/put-ok")],
        actual_status=307,
        preflight=[(ACAO, ECHO), (ACAM, "PUT")],
    ),
    "redirect-303": Scenario(
        actual=[(ACAO, ECHO), VARY, ("Location", "/s/echo")],
        actual_status=303,
        preflight=[(ACAO, ECHO), (ACAM, "PUT")],
    ),
    "redirect-no-cors": Scenario(actual=[("Location", "/s/echo")], actual_status=307),
    "private-network": Scenario(
        actual=[(ACAO, ECHO), VARY], preflight=[(ACAO, ECHO), (ACAPN, "true")]
    ),
    "private-network-refused": Scenario(actual=[(ACAO, ECHO), VARY], preflight=[(ACAO, ECHO)]),
}


@dataclass
class Seen:
    """A request the test server received."""

    method: str
    headers: list[Header]
    body: bytes


SEEN = web.AppKey("seen", list[Seen])


def _render(headers: list[Header], request: web.Request) -> list[Header]:
    origin = request.headers.get("Origin", "")
    return [(name, value.replace(ECHO, origin)) for name, value in headers]


async def _scenario_handler(request: web.Request) -> web.StreamResponse:
    request.app[SEEN].append(
        Seen(request.method, list(request.headers.items()), await request.read())
    )
    scenario = SCENARIOS[request.match_info["name"]]
    if request.method == "OPTIONS":
        status, headers = scenario.preflight_status, scenario.preflight
    else:
        status, headers = scenario.actual_status, scenario.actual
    response = web.Response(status=status, text="scenario body")
    for name, value in _render(headers, request):
        response.headers.add(name, value)
    return response


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(5)
    return web.Response()


def make_app() -> web.Application:
    app = web.Application()
    app[SEEN] = []
    app.router.add_route("*", "/s/{name}", _scenario_handler)
    app.router.add_get("/slow", _slow)
    return app


ServerFactory = Callable[..., Awaitable[TestServer]]


@pytest.fixture
async def server(aiohttp_server: ServerFactory) -> TestServer:
    return await aiohttp_server(make_app())


def url(server: TestServer, name: str) -> str:
    return str(server.make_url(f"/s/{name}"))


def seen(server: TestServer) -> list[Seen]:
    return server.app[SEEN] if server.app is not None else []


def blocking_rules(report: Report) -> set[str]:
    return {p.rule for p in report.problems if p.kind == "blocked"}


# (scenario, request, verdict, blocking rules)
CASES: list[tuple[str, BrowserRequest, str, set[str]]] = [
    ("echo", BrowserRequest(PAGE), "allowed", set()),
    ("star", BrowserRequest(PAGE), "allowed", set()),
    ("error-with-cors", BrowserRequest(PAGE), "allowed", set()),
    ("no-cors", BrowserRequest(PAGE), "blocked", {"acao-missing"}),
    ("error-without-cors", BrowserRequest(PAGE), "blocked", {"acao-missing"}),
    ("other-origin", BrowserRequest(PAGE), "blocked", {"acao-mismatch"}),
    ("trailing-slash", BrowserRequest(PAGE), "blocked", {"acao-mismatch"}),
    ("duplicate-acao", BrowserRequest(PAGE), "blocked", {"acao-multiple"}),
    ("star-acac", BrowserRequest(PAGE, credentials=True), "blocked", {"acao-wildcard-credentials"}),
    ("echo", BrowserRequest(PAGE, credentials=True), "blocked", {"acac-missing"}),
    ("echo-acac-True", BrowserRequest(PAGE, credentials=True), "blocked", {"acac-invalid"}),
    ("echo-acac", BrowserRequest(PAGE, credentials=True), "allowed", set()),
    ("preflight-403", BrowserRequest(PAGE, "PUT"), "blocked", {"preflight-status"}),
    ("preflight-405", BrowserRequest(PAGE, "DELETE"), "blocked", {"preflight-status"}),
    ("preflight-401", BrowserRequest(PAGE, "PUT"), "blocked", {"preflight-status"}),
    ("preflight-redirect", BrowserRequest(PAGE, "PUT"), "blocked", {"preflight-status"}),
    ("preflight-no-acao", BrowserRequest(PAGE, "PUT"), "blocked", {"acao-missing"}),
    ("put-ok-204", BrowserRequest(PAGE, "PUT"), "allowed", set()),
    ("acam-get-post", BrowserRequest(PAGE, "PUT"), "blocked", {"method-not-allowed"}),
    ("acam-PATCH", BrowserRequest(PAGE, "patch"), "blocked", {"method-not-allowed"}),
    ("acam-PATCH", BrowserRequest(PAGE, "PATCH"), "allowed", set()),
    ("acam-star", BrowserRequest(PAGE, "DELETE", (("X-Token", "1"),)), "allowed", set()),
    ("acam-invalid", BrowserRequest(PAGE, "PUT"), "blocked", {"acam-invalid"}),
    (
        "acah-other",
        BrowserRequest(PAGE, "PUT", (("X-Token", "1"),)),
        "blocked",
        {"header-not-allowed"},
    ),
    ("acah-star", BrowserRequest(PAGE, "GET", (("X-Token", "1"),)), "allowed", set()),
    (
        "acah-star",
        BrowserRequest(PAGE, "GET", (("Authorization", "Bearer t"),)),
        "blocked",
        {"authorization-not-listed"},
    ),
    (
        "acah-invalid",
        BrowserRequest(PAGE, "PUT", (("X-Token", "1"),)),
        "blocked",
        {"acah-invalid"},
    ),
    (
        "put-preflight-no-acac",
        BrowserRequest(PAGE, "PUT", (("X-Token", "1"),), credentials=True),
        "blocked",
        {"acac-missing"},
    ),
    ("redirect", BrowserRequest(PAGE), "allowed", set()),
    ("redirect-to-no-cors", BrowserRequest(PAGE), "blocked", {"acao-missing"}),
    ("redirect-no-cors", BrowserRequest(PAGE), "blocked", {"acao-missing"}),
    ("private-network", BrowserRequest(PAGE, private_network=True), "allowed", set()),
    (
        "private-network-refused",
        BrowserRequest(PAGE, private_network=True),
        "blocked",
        {"private-network-not-allowed"},
    ),
]


@pytest.mark.parametrize(
    ("scenario", "request_", "verdict", "rules"),
    CASES,
    ids=[f"{c[0]}-{c[1].method}{'-cred' if c[1].credentials else ''}" for c in CASES],
)
async def test_verdicts(
    server: TestServer, scenario: str, request_: BrowserRequest, verdict: str, rules: set[str]
) -> None:
    report = await check(url(server, scenario), request_)
    assert report.verdict == verdict
    assert blocking_rules(report) == rules
    assert report.ok is (verdict == "allowed")
    methods = [s.method for s in seen(server)]
    if report.preflight_reasons:
        assert methods[0] == "OPTIONS"
        assert report.preflight is not None
    else:
        assert "OPTIONS" not in methods
        assert report.preflight is None
    # A failed preflight stops the browser: the actual request is never sent.
    preflight_failed = report.preflight is not None and not report.preflight.verdict.allowed
    assert (report.actual is None) is preflight_failed
    # ... and every redirect followed is one request more.
    expected = (1 if preflight_failed or report.preflight is None else 2) + len(report.redirects)
    assert len(methods) == expected
    text = format_report(report)
    assert ("Verdict: ALLOWED" in text) is (verdict == "allowed")
    for rule in rules:
        assert rule in text
    json.dumps(report.to_dict())


async def test_preflighted_credentialed_request_is_sent_like_a_browser(server: TestServer) -> None:
    request_ = BrowserRequest(
        PAGE,
        "put",
        (("X-Token", "abc"), ("Content-Type", "application/json")),
        credentials=True,
    )
    report = await check(
        url(server, "put-credentials-ok"),
        request_,
        body='{"a": 1}',
        cookies=[("session", "s1")],
    )
    assert report.verdict == "allowed", format_report(report)
    preflight, actual = seen(server)

    assert preflight.method == "OPTIONS"
    names = {n.lower() for n, _ in preflight.headers}
    assert "cookie" not in names
    assert "authorization" not in names
    assert "x-token" not in names
    assert ("Origin", PAGE) in preflight.headers
    assert ("Access-Control-Request-Method", "PUT") in preflight.headers
    assert ("Access-Control-Request-Headers", "content-type,x-token") in preflight.headers
    assert preflight.body == b""

    assert actual.method == "PUT"
    assert ("Origin", PAGE) in actual.headers
    assert ("X-Token", "abc") in actual.headers
    assert ("Content-Type", "application/json") in actual.headers
    assert ("Cookie", "session=s1") in actual.headers
    assert actual.body == b'{"a": 1}'


async def test_text_body_gets_text_plain_and_needs_no_preflight(server: TestServer) -> None:
    report = await check(url(server, "echo"), BrowserRequest(PAGE, "POST"), body="hello")
    assert report.verdict == "allowed"
    (actual,) = seen(server)
    assert actual.method == "POST"
    assert ("Content-Type", "text/plain;charset=UTF-8") in actual.headers
    assert actual.body == b"hello"


async def test_refused_preflight_body_is_quoted(aiohttp_server: ServerFactory) -> None:
    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=403, text="CORS preflight request failed: a new reason")

    app = web.Application()
    app.router.add_route("OPTIONS", "/", refuse)
    server = await aiohttp_server(app)
    report = await check(str(server.make_url("/")), BrowserRequest(PAGE, "PUT"))
    (problem,) = report.problems
    assert problem.rule == "preflight-status"
    assert "CORS preflight request failed: a new reason" in problem.message
    # A refusal text the doctor does not know gets the general fix.
    assert problem.fix.startswith("The server's CORS configuration refused it")


# --------------------------------------------------------------------------------------------------
# Fix lines that name the change to make with aiohttp_cors
# --------------------------------------------------------------------------------------------------


async def _plain(request: web.Request) -> web.Response:
    return web.Response(text="plain", headers={"X-Secret": "s"})


def plugin_app() -> web.Application:
    """Routes configured with aiohttp_cors, each refusing the page for one reason."""
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    page_only = {PAGE: ResourceOptions(allow_headers=("X-Token",))}
    other_only = {"https://other.example": ResourceOptions(allow_headers=("X-Token",))}
    router = app.router
    cors.add(router.add_get("/get-only", _plain), page_only)
    router.add_put("/get-only", _plain)  # a PUT route the config never saw
    cors.add(router.add_route("PATCH", "/patch", _plain), page_only)
    cors.add(router.add_get("/other-origin", _plain), other_only)
    cors.add(router.add_get("/no-origins", _plain))
    cors.add(router.add_get("/page", _plain), page_only)
    cors.add(router.add_put("/page", _plain), page_only)
    router.add_get("/no-cors", _plain)
    return app


@pytest.fixture
async def plugin_server(aiohttp_server: ServerFactory) -> TestServer:
    return await aiohttp_server(plugin_app())


def _put(*headers: str, credentials: bool = False) -> BrowserRequest:
    return BrowserRequest(
        PAGE, "PUT", tuple((name, "1") for name in headers), credentials=credentials
    )


QUOTED_PAGE = f'"{PAGE}"'
IN_THE_OPTIONS = f"in the options for the origin key {QUOTED_PAGE}"

# (path, request, the failed rule, what its Fix line says)
PLUGIN_FIXES: list[tuple[str, BrowserRequest, str, list[str]]] = [
    (
        "/get-only",
        _put(),
        "preflight-status",
        [
            'Allow PUT for this origin on this route: ResourceOptions(allow_methods=[..., "PUT"])',
            IN_THE_OPTIONS,
            "cors.add() the PUT route of /get-only instead",
        ],
    ),
    (
        "/patch",
        BrowserRequest(PAGE, "patch"),
        "preflight-status",
        ['allow_methods=[..., "patch"]', 'make the page send "PATCH"'],
    ),
    (
        "/page",
        _put("X-Token", "X-Other", "x-more"),
        "preflight-status",
        [
            # The plugin names the first refused one of the preflight's (sorted) list and
            # reads no further: the doctor asks for each header on its own and names every
            # refused one (X-Token is allowed), in the page's spelling.
            'Allow all of it at once: ResourceOptions(allow_headers=[..., "x-more", "X-Other"])',
            IN_THE_OPTIONS,
        ],
    ),
    (
        "/other-origin",
        BrowserRequest(PAGE, headers=(("X-Token", "1"),)),
        "preflight-status",
        [
            f"Add the origin key {QUOTED_PAGE} to the config of this route: "
            f"cors.add(route, {{{QUOTED_PAGE}: ResourceOptions(...)}}) or "
            f"setup(app, defaults={{{QUOTED_PAGE}: ResourceOptions(...)}})"
        ],
    ),
    (
        "/no-origins",
        BrowserRequest(PAGE, headers=(("X-Token", "1"),)),
        "preflight-status",
        ["without a config and setup() got no defaults", f"cors.add(route, {{{QUOTED_PAGE}:"],
    ),
    (
        "/page",
        BrowserRequest(PAGE, private_network=True),
        "preflight-status",
        [f"ResourceOptions(allow_private_network=True) {IN_THE_OPTIONS}"],
    ),
    (
        "/page",
        _put("X-Token", credentials=True),
        "acac-missing",
        ["With aiohttp_cors: ResourceOptions(allow_credentials=True) " + IN_THE_OPTIONS],
    ),
    (
        "/page",
        BrowserRequest(PAGE, credentials=True),
        "acac-missing",
        ["With aiohttp_cors: ResourceOptions(allow_credentials=True) " + IN_THE_OPTIONS],
    ),
    (
        "/page",
        BrowserRequest(PAGE, read_headers=("X-Secret",)),
        "header-hidden",
        [f'With aiohttp_cors: ResourceOptions(expose_headers=[..., "X-Secret"]) {IN_THE_OPTIONS}'],
    ),
    (
        "/other-origin",
        BrowserRequest(PAGE),
        "acao-missing",
        [
            f"CORS is on for this route, but {QUOTED_PAGE} matches none of its origin keys",
            f"cors.add(route, {{{QUOTED_PAGE}: ResourceOptions(...)}})",
        ],
    ),
    (
        "/no-cors",
        BrowserRequest(PAGE, credentials=True, read_headers=("X-Secret",)),
        "acao-missing",
        [
            "this route has no CORS at all; enable it: cors.add(route, "
            f'{{{QUOTED_PAGE}: ResourceOptions(allow_credentials=True, expose_headers=["X-Secret"])'
            "}) for the route that serves /no-cors"
        ],
    ),
    (
        "/no-cors",
        _put("X-Token"),
        "preflight-status",
        [
            "enable CORS on the route, so the plugin answers its preflights: cors.add(route, "
            f'{{{QUOTED_PAGE}: ResourceOptions(allow_headers=["X-Token"])}})'
        ],
    ),
]


@pytest.mark.parametrize(
    ("path", "request_", "rule", "fix"),
    PLUGIN_FIXES,
    ids=[f"{path}-{rule}-{r.method}" for path, r, rule, _ in PLUGIN_FIXES],
)
async def test_fix_names_the_change_with_aiohttp_cors(
    plugin_server: TestServer, path: str, request_: BrowserRequest, rule: str, fix: list[str]
) -> None:
    report = await check(str(plugin_server.make_url(path)), request_)
    assert not report.ok, format_report(report)
    (problem,) = [p for p in report.problems if p.rule == rule]
    for words in fix:
        assert words in problem.fix, format_report(report)
    # Every one of these fixes widens access: each says it is a decision about trust.
    assert "only if you trust it" in problem.fix, format_report(report)
    assert " ".join(fix[0].split()) in " ".join(format_report(report).split())


# Hand-written CORS headers (the SCENARIOS above): the fix still names the aiohttp_cors option.
# (scenario, request, the failed rule, what its Fix line ends with after "With aiohttp_cors: ")
HAND_WRITTEN_FIXES: list[tuple[str, BrowserRequest, str, str]] = [
    ("acam-get-post", _put(), "method-not-allowed", 'ResourceOptions(allow_methods=[..., "PUT"])'),
    ("acah-other", _put("X-Token"), "header-not-allowed", 'allow_headers=[..., "X-Token"]'),
    (
        "acah-star",
        BrowserRequest(PAGE, headers=(("Authorization", "t"),)),
        "authorization-not-listed",
        "allow_headers='*' never covers it.",
    ),
    (
        "echo-acac-True",
        BrowserRequest(PAGE, credentials=True),
        "acac-invalid",
        "makes the plugin send exactly 'true'",
    ),
    (
        "private-network-refused",
        BrowserRequest(PAGE, private_network=True),
        "private-network-not-allowed",
        "ResourceOptions(allow_private_network=True)",
    ),
    ("preflight-401", _put(), "preflight-status", "authentication included"),
    ("preflight-no-acao", _put(), "acao-missing", "is among the origin keys of this route."),
    ("no-cors", BrowserRequest(PAGE), "acao-missing", "this route has no CORS at all"),
]


@pytest.mark.parametrize(
    ("scenario", "request_", "rule", "fix"),
    HAND_WRITTEN_FIXES,
    ids=[f"{scenario}-{rule}" for scenario, _, rule, _ in HAND_WRITTEN_FIXES],
)
async def test_fix_for_hand_written_headers(
    server: TestServer, scenario: str, request_: BrowserRequest, rule: str, fix: str
) -> None:
    report = await check(url(server, scenario), request_)
    (problem,) = [p for p in report.problems if p.rule == rule]
    general, said, plugin = problem.fix.partition(" With aiohttp_cors: ")
    assert general and said, problem.fix
    assert fix in plugin, problem.fix


@pytest.mark.parametrize(
    ("body", "fix"),
    [
        (
            "CORS preflight request failed: origin header is not specified in the request",
            "a proxy",
        ),
        (
            "CORS preflight request failed: 'Access-Control-Request-Method' header is not "
            "specified",
            "a proxy",
        ),
        ("CORS preflight request failed: the request has more than one Origin header", "a proxy"),
        ("CORS preflight request failed: CORS is not configured", "aiohttp_cors.setup(app)"),
        (
            "CORS preflight request failed: headers are not allowed: AUTHORIZATION",
            'allow_headers=[..., "Authorization"]',
        ),
    ],
)
async def test_fix_for_refusal_texts_no_browser_causes(
    aiohttp_server: ServerFactory, body: str, fix: str
) -> None:
    """Refusals a browser cannot cause by itself (something between it and the server did)."""

    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=403, text=body)

    app = web.Application()
    app.router.add_route("OPTIONS", "/", refuse)
    server = await aiohttp_server(app)
    request_ = BrowserRequest(PAGE, "PUT", (("Authorization", "Bearer t"),))
    report = await check(str(server.make_url("/")), request_)
    (problem,) = report.problems
    assert fix in problem.fix


async def test_exposed_and_hidden_headers(server: TestServer) -> None:
    request_ = BrowserRequest(PAGE, read_headers=("X-Total", "X-Secret", "Content-Type"))
    report = await check(url(server, "expose"), request_)
    assert report.verdict == "allowed"
    assert not report.ok
    assert report.hidden_headers == ("X-Secret",)
    assert report.actual is not None
    assert {"X-Total", "Content-Type"} <= set(report.actual.verdict.readable_headers)
    text = format_report(report)
    assert "the page cannot read: X-Secret" in text
    assert "Access-Control-Expose-Headers" in text


async def test_redirects_are_followed_and_every_hop_checked(server: TestServer) -> None:
    report = await check(url(server, "redirect"), BrowserRequest(PAGE))
    assert [each.method for each in seen(server)] == ["GET", "GET"]
    assert report.verdict == "allowed"
    assert [hop.status for hop in report.redirects] == [302]
    assert report.actual is not None and report.actual.url.endswith("/s/echo")
    assert "redirected (302)" in format_report(report)


async def test_a_redirect_to_a_response_without_cors_is_blocked(server: TestServer) -> None:
    report = await check(url(server, "redirect-to-no-cors"), BrowserRequest(PAGE))
    assert len(seen(server)) == 2
    assert report.verdict == "blocked"
    assert report.to_dict()["redirects"]


async def test_a_redirect_loop_gives_up_after_twenty(server: TestServer) -> None:
    report = await check(url(server, "redirect-loop"), BrowserRequest(PAGE))
    assert len(seen(server)) == 21
    assert report.verdict == "blocked"
    assert report.redirect_failure is not None and "more than 20" in report.redirect_failure


async def test_the_new_url_is_preflighted_again(server: TestServer) -> None:
    request = BrowserRequest(PAGE, "PUT")
    report = await check(url(server, "redirect-put"), request)
    assert [each.method for each in seen(server)] == ["OPTIONS", "PUT", "OPTIONS", "PUT"]
    assert report.verdict == "allowed"
    assert [hop.stage for hop in report.redirects] == ["actual", "preflight"]


async def test_a_303_turns_the_request_into_a_get(server: TestServer) -> None:
    report = await check(url(server, "redirect-303"), BrowserRequest(PAGE, "PUT"), body="x")
    assert [each.method for each in seen(server)] == ["OPTIONS", "PUT", "GET"]
    assert seen(server)[-1].body == b""
    assert report.verdict == "allowed"


@pytest.mark.parametrize(
    ("status", "method", "location", "expected"),
    [
        (302, "GET", "https://api.example/b", ("https://api.example/b", PAGE, "GET")),
        (302, "GET", "https://other.example/b", ("https://other.example/b", "null", "GET")),
        (302, "POST", "/b", ("https://api.example/b", PAGE, "GET")),
        (307, "POST", "/b", ("https://api.example/b", PAGE, "POST")),
        (303, "PUT", "/b", ("https://api.example/b", PAGE, "GET")),
        (308, "PUT", "/b", ("https://api.example/b", PAGE, "PUT")),
        (302, "GET", "ftp://api.example/b", "not an http(s) URL"),
        (302, "GET", "https://user:pw@other.example/b", "credentials"),
    ],
    ids=[
        "same origin",
        "another origin: null",
        "302 POST",
        "307 POST",
        "303",
        "308",
        "ftp",
        "credentials",
    ],
)
def test_where_a_redirect_leads(
    status: int, method: str, location: str, expected: tuple[str, str, str] | str
) -> None:
    exchange = Exchange(
        "actual",
        method,
        "https://api.example/a",
        (),
        status,
        "",
        (("Location", location),),
        check_actual(status, ((ACAO, PAGE),), BrowserRequest(PAGE, method)),
    )
    following = _next_hop(exchange, BrowserRequest(PAGE, method), "body")
    if isinstance(expected, str):
        assert isinstance(following, str) and expected in following
        return
    assert not isinstance(following, str)
    next_url, request, _ = following
    assert (str(next_url), request.origin, request.wire_method) == expected


async def test_preflight_cache_time(server: TestServer) -> None:
    report = await check(url(server, "put-max-age-day"), BrowserRequest(PAGE, "PUT"))
    assert report.preflight is not None
    assert report.preflight.verdict.max_age == 86400
    assert "browsers cache it for 86400 s; Chromium caps it at 7200 s" in format_report(report)
    report = await check(url(server, "put-ok-204"), BrowserRequest(PAGE, "PUT"))
    assert "browsers cache it for 5 s)" in format_report(report)


async def test_missing_vary_is_a_warning(server: TestServer) -> None:
    report = await check(url(server, "echo-no-vary"), BrowserRequest(PAGE))
    assert report.verdict == "allowed"
    assert report.ok
    assert [(p.rule, p.kind) for p in report.problems] == [("vary-missing", "warning")]
    assert "Warnings:" in format_report(report)
    report = await check(url(server, "echo"), BrowserRequest(PAGE))
    assert not report.problems


async def test_json_report_shape(server: TestServer) -> None:
    request_ = BrowserRequest(PAGE, "PUT", (("X-Token", "1"),))
    report = await check(url(server, "acah-other"), request_)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["verdict"] == "blocked"
    assert data["ok"] is False
    assert data["method"] == "PUT"
    assert data["preflight_needed"] is True
    assert data["actual"] is None
    assert data["preflight"]["status"] == 200
    assert [ACAH, "x-other"] in data["preflight"]["response_headers"]
    assert data["preflight"]["verdict"]["allowed"] is False
    (problem,) = data["problems"]
    assert problem["rule"] == "header-not-allowed"
    assert problem["stage"] == "preflight"
    assert "x-token" in problem["message"]
    assert "x-other" in problem["message"]
    assert problem["fix"]


# --------------------------------------------------------------------------------------------------
# The method on the wire keeps its letter case, like a browser's
# --------------------------------------------------------------------------------------------------


@pytest.fixture
async def raw_server() -> AsyncIterator[tuple[str, list[str]]]:
    """A minimal HTTP/1.1 server that records request lines and answers with CORS headers.

    aiohttp's own server cannot be used here: its parser rejects or upper-cases lower-case methods.
    """
    lines: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        lines.append(request_line)
        origin = next(
            (h.split(":", 1)[1].strip() for h in header_lines if h.lower().startswith("origin:")),
            "",
        )
        writer.write(
            (
                "HTTP/1.1 200 OK\r\n"
                f"Access-Control-Allow-Origin: {origin}\r\n"
                "Access-Control-Allow-Methods: patch\r\n"
                "Vary: Origin\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            ).encode("latin-1")
        )
        await writer.drain()
        writer.close()

    tcp = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = tcp.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/x", lines
    tcp.close()
    await tcp.wait_closed()


async def test_non_normalised_method_is_sent_as_written(
    raw_server: tuple[str, list[str]],
) -> None:
    target, lines = raw_server
    report = await check(target, BrowserRequest(PAGE, "patch"))
    assert report.verdict == "allowed", format_report(report)
    assert lines == ["OPTIONS /x HTTP/1.1", "patch /x HTTP/1.1"]


async def test_normalised_method_is_upper_cased(raw_server: tuple[str, list[str]]) -> None:
    target, lines = raw_server
    report = await check(target, BrowserRequest(PAGE, "delete"))
    assert report.verdict == "blocked"  # the preflight lists only 'patch'
    assert lines == ["OPTIONS /x HTTP/1.1"]
    assert report.preflight is not None
    assert ("Access-Control-Request-Method", "DELETE") in report.preflight.request_headers


# --------------------------------------------------------------------------------------------------
# Could not check
# --------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connection_refused() -> None:
    with pytest.raises(CheckError, match="failed"):
        await check(f"http://127.0.0.1:{_free_port()}/", BrowserRequest(PAGE))


async def test_timeout(server: TestServer) -> None:
    with pytest.raises(CheckError, match="timed out"):
        await check(str(server.make_url("/slow")), BrowserRequest(PAGE), timeout=0.2)


async def test_server_closes_the_connection() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    tcp = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = tcp.sockets[0].getsockname()[1]
    try:
        with pytest.raises(CheckError, match=r"preflight .* failed"):
            await check(f"http://127.0.0.1:{port}/", BrowserRequest(PAGE, "PUT"))
    finally:
        tcp.close()
        await tcp.wait_closed()


@pytest.mark.parametrize(
    ("target", "request_", "kwargs", "message"),
    [
        ("ftp://x.example/", BrowserRequest(PAGE), {}, "http:// or https://"),
        ("/relative", BrowserRequest(PAGE), {}, "http:// or https://"),
        ("http://u:p@x.example/", BrowserRequest(PAGE), {}, "credentials"),
        ("http://x.example/", BrowserRequest("http://page.example/"), {}, "trailing slash"),
        ("http://x.example/", BrowserRequest("HTTP://Page.example"), {}, "lower case"),
        ("http://x.example/", BrowserRequest("page.example"), {}, "no scheme"),
        ("http://x.example/", BrowserRequest("https://*.example"), {}, "pattern"),
        ("http://x.example/", BrowserRequest("*"), {}, "pattern"),
        ("http://x.example/", BrowserRequest("http://page.example:80"), {}, "default port"),
        ("http://x.example/a", BrowserRequest("http://x.example"), {}, "same-origin"),
        ("http://x.example/", BrowserRequest(PAGE, "TRACE"), {}, "refuses the method"),
        ("http://x.example/", BrowserRequest(PAGE, "GE T"), {}, "not a valid HTTP method"),
        ("http://x.example/", BrowserRequest(PAGE, headers=(("Cookie", "a=b"),)), {}, "--cookie"),
        ("http://x.example/", BrowserRequest(PAGE, headers=(("Origin", "x"),)), {}, "cannot set"),
        ("http://x.example/", BrowserRequest(PAGE, headers=(("Sec-X", "1"),)), {}, "cannot set"),
        ("http://x.example/", BrowserRequest(PAGE, headers=(("X A", "1"),)), {}, "header name"),
        ("http://x.example/", BrowserRequest(PAGE, headers=(("X-A", "1\r\nX: y"),)), {}, "line"),
        ("http://x.example/", BrowserRequest(PAGE, read_headers=("X A",)), {}, "header name"),
        ("http://x.example/", BrowserRequest(PAGE), {"body": "x"}, "body with GET"),
        ("http://x.example/", BrowserRequest(PAGE), {"cookies": [("a", "b")]}, "--credentials"),
        (
            "http://x.example/",
            BrowserRequest(PAGE, credentials=True),
            {"cookies": [("a", "b;c")]},
            "invalid cookie",
        ),
        ("http://x.example/", BrowserRequest(PAGE), {"timeout": 0}, "timeout"),
    ],
)
async def test_bad_input(
    target: str, request_: BrowserRequest, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(CheckError, match=message):
        await check(target, request_, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# python -m aiohttp_cors check
# --------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


async def run_cli(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aiohttp_cors",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    assert "Traceback" not in stderr.decode()
    return process.returncode, stdout.decode(), stderr.decode()


async def test_cli_allowed(server: TestServer) -> None:
    code, out, err = await run_cli("check", url(server, "echo"), "--origin", PAGE)
    assert (code, err) == (0, "")
    assert "Verdict: ALLOWED" in out
    assert f"Access-Control-Allow-Origin: {PAGE}" in out


async def test_cli_blocked(server: TestServer) -> None:
    code, out, err = await run_cli(
        "check", url(server, "acah-other"), "--origin", PAGE, "--method", "PUT", "-H", "X-Token:1"
    )
    assert (code, err) == (1, "")
    assert "Verdict: BLOCKED" in out
    assert "Preflight needed" in out
    assert "Access-Control-Request-Headers: x-token" in out
    assert "header-not-allowed" in out
    assert "'x-other'" in out
    assert "Fix: Add x-token to Access-Control-Allow-Headers" in out


async def test_cli_hidden_header_fails_the_check(server: TestServer) -> None:
    code, out, _ = await run_cli(
        "check", url(server, "expose"), "--origin", PAGE, "--read-header", "X-Secret"
    )
    assert code == 1
    assert "Verdict: ALLOWED, but the page cannot read: X-Secret" in out
    code, out, _ = await run_cli(
        "check", url(server, "expose"), "--origin", PAGE, "--read-header", "x-total"
    )
    assert code == 0


async def test_cli_credentials_cookie_and_body(server: TestServer) -> None:
    code, out, err = await run_cli(
        "check",
        url(server, "put-credentials-ok"),
        "--origin",
        PAGE,
        "--method",
        "put",
        "--header",
        "Content-Type: application/json",
        "--header",
        "X-Token",
        "--credentials",
        "--cookie",
        "session=s1",
        "--data",
        '{"a": 1}',
    )
    assert (code, err) == (0, ""), out
    preflight, actual = seen(server)
    assert preflight.method == "OPTIONS"
    assert "Cookie" not in dict(preflight.headers)
    assert ("Cookie", "session=s1") in actual.headers
    assert ("X-Token", "") in actual.headers
    assert actual.body == b'{"a": 1}'


async def test_cli_json(server: TestServer) -> None:
    code, out, err = await run_cli(
        "check", url(server, "star-acac"), "--origin", PAGE, "--credentials", "--json"
    )
    assert (code, err) == (1, "")
    data = json.loads(out)
    assert data["verdict"] == "blocked"
    assert data["credentials"] is True
    assert data["preflight"] is None
    assert data["actual"]["status"] == 200
    assert [p["rule"] for p in data["problems"]] == ["acao-wildcard-credentials"]

    code, out, _ = await run_cli("check", url(server, "echo"), "--origin", PAGE, "--json")
    assert code == 0
    assert json.loads(out)["verdict"] == "allowed"


async def test_cli_could_not_check() -> None:
    target = f"http://127.0.0.1:{_free_port()}/"
    code, out, err = await run_cli("check", target, "--origin", PAGE)
    assert (code, out) == (2, "")
    assert err.startswith("error: could not check: the request to")
    code, out, err = await run_cli("check", target, "--origin", PAGE, "--json")
    assert code == 2
    assert json.loads(out)["verdict"] == "error"
    assert "could not check" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "the following arguments are required: COMMAND"),
        (["check", "http://x.example/"], "the following arguments are required: --origin"),
        (["check", "http://x.example/", "--origin", "x"], "no scheme"),
        (["check", "http://x.example/", "--origin", PAGE, "-H", ":x"], "no header name"),
        (["check", "http://x.example/", "--origin", PAGE, "--timeout", "soon"], "number"),
        (["check", "http://x.example/", "--origin", PAGE, "--timeout", "nan"], "positive"),
        (["check", "http://x.example/", "--origin", PAGE, "--cookie", "novalue"], "NAME=VALUE"),
        (["check", "ftp://x.example/", "--origin", PAGE], "http:// or https://"),
        (["check", "http://x.example/", "--origin", PAGE, "--method", "CONNECT"], "refuses"),
        (["check", "http://[::1/", "--origin", PAGE], "invalid URL"),
        (["nonsense"], "invalid choice"),
    ],
)
def test_cli_bad_arguments(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code  # type: ignore[assignment]
    assert code == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


async def test_cli_bad_arguments_in_a_subprocess() -> None:
    code, out, err = await run_cli("check", "http://x.example/", "--origin", "HTTPS://X.example")
    assert (code, out) == (2, "")
    assert "did you mean 'https://x.example'?" in err
    code, out, err = await run_cli("check", "--origin")
    assert code == 2
    assert "usage:" in err


async def test_every_refused_item_is_named_with_one_fix(plugin_server: TestServer) -> None:
    # The plugin's 403 names the method only; the header X-Other and the credentials are
    # refused too.  The doctor names all three, and one change that lets them all through.
    request_ = _put("X-Token", "X-Other", credentials=True)
    report = await check(str(plugin_server.make_url("/get-only")), request_)
    (problem,) = report.problems
    assert "request method 'PUT' is not allowed" in problem.message
    assert problem.message.endswith(
        "Asked one item at a time, the server refuses: the method PUT; the header X-Other; "
        "credentials."
    )
    assert problem.fix.startswith(
        "Allow all of it at once: ResourceOptions(allow_credentials=True, allow_methods=[..., "
        '"PUT"], allow_headers=[..., "X-Other"]) ' + IN_THE_OPTIONS
    )
    assert "only if you trust it" in problem.fix
    assert "with your users' cookies" in problem.fix
    assert report.actual is None


async def test_refused_items_unchecked_without_a_granted_method(
    aiohttp_server: ServerFactory,
) -> None:
    # Only PUT is served (and refused): no method is granted to ask about the header with,
    # and the fix says so instead of guessing.
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_route("DELETE", "/", _plain), {PAGE: ResourceOptions()})
    app.router.add_put("/", _plain)
    server = await aiohttp_server(app)
    report = await check(str(server.make_url("/")), _put("X-Token"))
    (problem,) = report.problems
    assert "Not checked one by one (X-Token)" in problem.fix, format_report(report)
