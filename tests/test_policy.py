"""The compiled policy's three answers, as tables: each row names the rule it checks, a
Fetch-standard section (https://fetch.spec.whatwg.org/#...), an aiohttp-cors 0.8.1 behaviour
(``compat:``, docs/migration.rst) or a bug fixed (FIX / issue)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from multidict import CIMultiDict

from aiohttp_cors._core.answers import (
    PREFLIGHT_VARY,
    ActualAnswer,
    HandshakeAnswer,
    PreflightAnswer,
)
from aiohttp_cors._core.headers import ACAC, ACAO, ACEH, MAX_REQUEST_HEADERS_COUNT, VARY
from aiohttp_cors._core.options import ResourceOptions
from aiohttp_cors._core.origins import parse_origin_key
from aiohttp_cors._core.pending import Pending
from aiohttp_cors._core.policy import GRANTED_CACHE_SIZE, ResourcePolicy
from aiohttp_cors._core.table import MethodGrant, OriginTable, ParsedConfig, PreflightEntry, Rule

PAGE = "https://page.example"
OTHER = "https://other.example"
FAILED = "CORS preflight request failed: "


def config(*entries: tuple[object, ResourceOptions]) -> ParsedConfig:
    return tuple((parse_origin_key(key), options) for key, options in entries)


def table(*entries: tuple[object, ResourceOptions]) -> OriginTable:
    return OriginTable.build([config(*entries)])


def policy(
    entries: tuple[tuple[object, ResourceOptions], ...],
    *,
    routes: tuple[str, ...] = ("GET",),
    plain: tuple[str, ...] = (),
    exempt: tuple[str, ...] = (),
    any_method: bool = False,
    strict: bool = False,
) -> ResourcePolicy:
    """A policy as the compiler builds it for a resource whose CORS routes serve
    *routes*, whose other routes serve *plain* and whose exempt routes serve *exempt*."""
    shared = table(*entries)
    actual: dict[str, OriginTable | None] = dict.fromkeys(routes, shared)
    preflight: dict[str, PreflightEntry | None] = dict.fromkeys(
        routes, PreflightEntry(shared, MethodGrant.ROUTED)
    )
    for method in plain:
        preflight[method] = PreflightEntry(shared, MethodGrant.LISTED)
    for method in exempt:
        actual[method] = preflight[method] = None
    return ResourcePolicy(
        actual_tables=actual,
        other_methods=shared,
        preflight_tables=preflight,
        any_method=PreflightEntry(shared, MethodGrant.ANY_ROUTE) if any_method else None,
        strict=strict,
    )


def resolve(answer: Any) -> Any:
    assert not isinstance(answer, Pending), "a synchronous configuration never waits"
    return answer


# --- origin tables ---------------------------------------------------------------------------


def test_precedence_exact_then_patterns_in_order_then_star() -> None:
    exact, first, second, star = (ResourceOptions(max_age=n) for n in (1, 2, 3, 4))
    matcher = table(
        ("*", star),
        (re.compile(r"https://[a-z]+\.example\.com"), first),
        ("https://*.example.com", second),
        ("https://a.example.com", exact),
    )

    def options_for(origin: str) -> ResourceOptions:
        rule = matcher.match(origin, None)
        assert isinstance(rule, Rule)
        return rule.options

    assert options_for("https://a.example.com") == exact
    assert options_for("https://b.example.com") == first
    assert options_for("https://b1.example.com") == second
    assert options_for("https://elsewhere.net") == star


def test_a_specific_origin_at_any_layer_is_found_before_star() -> None:
    # compat: 0.8.1 looks the origin up in every layer before falling back to "*".
    route, defaults = ResourceOptions(max_age=1), ResourceOptions(max_age=2)
    matcher = OriginTable.build([config(("*", route)), config(("https://a.example", defaults))])
    found = matcher.match("https://a.example", None)
    assert isinstance(found, Rule) and found.options == defaults
    found = matcher.match("https://b.example", None)
    assert isinstance(found, Rule) and found.options == route


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param("", id="empty"),
        pytest.param("https://a.example/", id="fetch#origin-header: no path"),
        pytest.param("javascript:alert(1)", id="not an origin"),
        pytest.param("https://a b.example", id="space"),
        pytest.param("https://a.example\x00", id="NUL"),
        pytest.param("https://" + "a" * 2000 + ".example", id="over the length cap"),
        pytest.param("NULL", id="fetch#origin-header: null is lower case"),
    ],
)
def test_star_never_admits_what_no_browser_sends(origin: str) -> None:
    assert table(("*", ResourceOptions())).match(origin, None) is None


def test_star_admits_null_as_0_8_1_did() -> None:
    assert table(("*", ResourceOptions())).match("null", None) is not None


def test_decided_cache_is_bounded() -> None:
    matcher = table(("https://*.example.com", ResourceOptions()))
    for index in range(1000):
        matcher.match(f"https://a{index}.example.com", None)
    assert 0 < len(matcher.decided) <= 256


async def test_async_callables_suspend_and_resume_the_one_scan() -> None:
    calls: list[str] = []

    async def first(origin: str) -> bool:
        calls.append("first")
        return False

    def second(origin: str) -> bool:
        calls.append("second")
        return origin == PAGE

    async def third(origin: str) -> bool:
        calls.append("third")
        return True

    matcher = table(
        (first, ResourceOptions()), (second, ResourceOptions()), (third, ResourceOptions())
    )
    pending = matcher.match(PAGE, None)
    assert isinstance(pending, Pending)
    assert isinstance(await pending, Rule)
    assert calls == ["first", "second"]
    calls.clear()
    pending = matcher.match(OTHER, None)
    assert isinstance(pending, Pending)
    assert isinstance(await pending, Rule)
    assert calls == ["first", "second", "third"]


async def test_request_aware_callables_get_the_request() -> None:
    seen: list[object] = []

    def per_tenant(origin: str, request: object) -> bool:
        seen.append(request)
        return request == "tenant-a" and origin == PAGE

    async def per_tenant_async(origin: str, request: object) -> bool:
        seen.append(request)
        return request == "tenant-b"

    sync_table = table((per_tenant, ResourceOptions()))
    assert sync_table.match(PAGE, "tenant-a") is not None
    assert sync_table.match(PAGE, "tenant-b") is None  # never cached: asked again
    async_table = table((per_tenant_async, ResourceOptions()))
    pending = async_table.match(PAGE, "tenant-b")
    assert isinstance(pending, Pending) and await pending is not None
    assert seen == ["tenant-a", "tenant-b", "tenant-b"]


async def test_a_failing_callable_refuses_and_logs_its_traceback_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(origin: str) -> bool:
        raise RuntimeError("database down")

    async def broken_async(origin: str) -> bool:
        raise RuntimeError("database down")

    caplog.set_level("DEBUG", logger="aiohttp_cors")
    for key in (broken, broken_async):
        matcher = table((key, ResourceOptions()))
        for _ in range(3):
            found = matcher.match(PAGE, None)
            assert (await found if isinstance(found, Pending) else found) is None
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 2 and all(r.exc_info for r in errors)
    assert len([r for r in caplog.records if r.levelname == "DEBUG"]) == 4


def test_only_exactly_true_admits() -> None:
    assert table((lambda origin: "yes", ResourceOptions())).match(PAGE, None) is None
    assert table((lambda origin: 1, ResourceOptions())).match(PAGE, None) is None


# --- actual responses ----------------------------------------------------------------------


@dataclass(frozen=True)
class ActualCase:
    options: ResourceOptions
    origins: tuple[str, ...]
    #: What the handler set before the hook ran.
    handler_headers: dict[str, str] = field(default_factory=dict)
    #: The headers the response must end with (only those named; None: absent).
    expected: dict[str, str | None] = field(default_factory=dict)
    key: str = PAGE


def apply(answer: ActualAnswer, origins: tuple[str, ...], headers: CIMultiDict[str]) -> None:
    """The answer applies itself to the response's headers (the glue only hands them)."""
    answer.apply(headers, origins)


CREDENTIALED = ResourceOptions(allow_credentials=True, expose_headers=("X-Total",))
ACTUAL_CASES = [
    pytest.param(
        ActualCase(CREDENTIALED, (PAGE,), expected={ACAO: PAGE, ACAC: "true", ACEH: "X-Total"}),
        id="fetch#http-cors-protocol: allowed origin reflected with credentials and exposed names",
    ),
    pytest.param(
        ActualCase(ResourceOptions(), (PAGE,), expected={ACAO: PAGE, ACAC: None, ACEH: None}),
        id="fetch#cors-check: ACAC only with allow_credentials",
    ),
    pytest.param(
        ActualCase(CREDENTIALED, (OTHER,), expected={ACAO: None, ACAC: None, VARY: "Origin"}),
        id="compat: a refused origin gets no CORS headers",
    ),
    pytest.param(
        ActualCase(CREDENTIALED, (), expected={ACAO: None, VARY: "Origin"}),
        id="fetch#cors-protocol-and-http-caches: Vary Origin without Origin too",
    ),
    pytest.param(
        ActualCase(CREDENTIALED, (PAGE, PAGE), expected={ACAO: None, VARY: "Origin"}),
        id="security: several Origin headers are trusted for none",
    ),
    pytest.param(
        ActualCase(
            CREDENTIALED,
            (PAGE,),
            handler_headers={ACAO: "*", ACAC: "false", ACEH: "X-Secret"},
            expected={ACAO: PAGE, ACAC: "true", ACEH: "X-Total"},
        ),
        id="FIX #271: handler-set CORS headers replaced, exactly one ACAO",
    ),
    pytest.param(
        ActualCase(
            ResourceOptions(),
            (PAGE,),
            handler_headers={ACAC: "true", ACEH: "X-Secret"},
            expected={ACAO: PAGE, ACAC: None, ACEH: None},
        ),
        id="security: handler-set ACAC/ACEH removed when the config does not send them",
    ),
    pytest.param(
        ActualCase(
            CREDENTIALED,
            (OTHER,),
            handler_headers={ACAO: OTHER, ACAC: "true", ACEH: "X-Secret"},
            expected={ACAO: None, ACAC: None, ACEH: None},
        ),
        id="security: a refused origin cannot read whatever the handler set",
    ),
    pytest.param(
        ActualCase(
            ResourceOptions(expose_headers="*"),
            (PAGE,),
            handler_headers={"X-A": "1", "Set-Cookie": "s=1", "Content-Type": "text/plain"},
            expected={ACEH: "X-A,Vary"},
        ),
        id="FIX: expose_headers='*' lists the response's own names minus Set-Cookie, safelisted",
    ),
    pytest.param(
        ActualCase(
            ResourceOptions(expose_headers="*"),
            (PAGE,),
            handler_headers={ACEH: "X-Secret", "Content-Type": "text/plain"},
            expected={ACEH: "Vary"},
        ),
        id="expose_headers='*' replaces a handler-set value",
    ),
    pytest.param(
        ActualCase(
            ResourceOptions(),
            (PAGE,),
            handler_headers={VARY: "Accept-Encoding"},
            expected={VARY: "Accept-Encoding, Origin"},
        ),
        id="fetch#cors-protocol-and-http-caches: Vary merged, never overwritten",
    ),
    pytest.param(
        ActualCase(
            ResourceOptions(send_wildcard=True),
            (PAGE,),
            key="*",
            expected={ACAO: "*", VARY: None},
        ),
        id="send_wildcard: a literal '*' and no Vary, the answer is the same for all",
    ),
    pytest.param(
        ActualCase(
            ResourceOptions(send_wildcard=True), (), key="*", expected={ACAO: "*", VARY: None}
        ),
        id="send_wildcard: requests without Origin get the same cacheable answer",
    ),
    pytest.param(
        ActualCase(
            ResourceOptions(send_wildcard=True),
            ("not an origin",),
            key="*",
            expected={ACAO: "*", VARY: None},
        ),
        id="send_wildcard: nothing depends on the Origin value",
    ),
]


@pytest.mark.parametrize("case", ACTUAL_CASES)
def test_actual_answers(case: ActualCase) -> None:
    answer = resolve(policy(((case.key, case.options),)).actual("GET", case.origins, None))
    headers: CIMultiDict[str] = CIMultiDict(case.handler_headers)
    apply(answer, case.origins, headers)
    for name, value in case.expected.items():
        assert headers.getall(name, [None]) == [value], name


def test_send_wildcard_beside_other_origins_still_varies() -> None:
    mixed = policy(
        (
            ("*", ResourceOptions(send_wildcard=True)),
            (PAGE, ResourceOptions(allow_credentials=True)),
        )
    )
    headers: CIMultiDict[str] = CIMultiDict()
    apply(resolve(mixed.actual("GET", (OTHER,), None)), (OTHER,), headers)
    assert headers[ACAO] == "*" and headers[VARY] == "Origin"
    headers = CIMultiDict()
    apply(resolve(mixed.actual("GET", (PAGE,), None)), (PAGE,), headers)
    assert headers[ACAO] == PAGE and headers[ACAC] == "true"


def test_exempt_methods_are_left_alone() -> None:
    # FIX (issue "Compile CORS to answers", bug 1): exempt means exempt.
    answer = policy(((PAGE, CREDENTIALED),), routes=("POST",), exempt=("GET",))
    assert answer.actual("GET", (PAGE,), None) is None
    assert resolve(answer.actual("POST", (PAGE,), None)).reflect_origin


def test_expose_all_value_is_cached_within_a_bound() -> None:
    answer = resolve(
        policy((("*", ResourceOptions(expose_headers="*")),)).actual("GET", (PAGE,), None)
    )
    assert answer.expose_all is not None
    for index in range(600):
        answer.expose_all.value_for((f"X-{index}",))
    assert len(answer.expose_all._values) <= 256


# --- preflights ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PreflightCase:
    options: ResourceOptions
    origins: tuple[str, ...] = (PAGE,)
    method: str | None = "GET"
    request_headers: tuple[str, ...] = ()
    private_network: bool = False
    routes: tuple[str, ...] = ("GET",)
    plain: tuple[str, ...] = ()
    exempt: tuple[str, ...] = ()
    any_method: bool = False
    #: Expected headers of a grant, or the refusal text (a fragment of it).
    granted: dict[str, str] | None = None
    refusal: str | None = None


PREFLIGHT_CASES = [
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_credentials=True, max_age=600, allow_headers=("X-Token",)),
            request_headers=("x-token",),
            granted={
                ACAO: PAGE,
                ACAC: "true",
                "Access-Control-Max-Age": "600",
                "Access-Control-Allow-Methods": "GET",
                "Access-Control-Allow-Headers": "X-TOKEN",
                VARY: PREFLIGHT_VARY,
            },
        ),
        id="fetch#cors-preflight-fetch: a complete grant, Vary on what it echoes",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(), origins=(), refusal=FAILED + "origin header is not specified"
        ),
        id="compat: no Origin",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(),
            method=None,
            refusal=FAILED + "'Access-Control-Request-Method' header is not specified",
        ),
        id="compat: no Access-Control-Request-Method",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(), origins=(OTHER,), refusal=f"{FAILED}origin '{OTHER}' is not allowed"
        ),
        id="compat: origin not allowed",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(), origins=(PAGE, PAGE), refusal="more than one Origin header"
        ),
        id="security: several Origin headers",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_methods="*"),
            method="DELETE",
            refusal=f"{FAILED}request method 'DELETE' is not allowed for '{PAGE}' origin",
        ),
        id="FIX bug 3: never grant a method the resource does not serve (it would get a 405)",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_methods="*"), method="DELETE", any_method=True, granted={}
        ),
        id="a '*' route serves any method",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(),
            method="POST",
            plain=("POST",),
            refusal=f"{FAILED}request method 'POST' is not allowed for '{PAGE}' origin",
        ),
        id="compat: allow_methods=None grants only methods with a CORS route",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_methods=["POST"]), method="POST", plain=("POST",), granted={}
        ),
        id="compat: allow_methods grants a served method without a CORS route",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_methods="*"),
            routes=("POST",),
            exempt=("GET",),
            refusal=f"{FAILED}request method 'GET' is not allowed",
        ),
        id="FIX bug 1: an exempt method is never granted",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_methods=["PATCH"]),
            method="patch",
            routes=("GET", "PATCH"),
            refusal="request method 'patch' is not allowed",
        ),
        id="fetch#concept-method-normalize: non-normalized methods compared case-sensitively",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(),
            method="G ET",
            any_method=True,
            refusal="'Access-Control-Request-Method' value 'G ET' is not a method name",
        ),
        id="a method that is not a token is never echoed",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_headers=("X-A",)),
            request_headers=("x-a, x-b, x-c",),
            refusal=f"{FAILED}headers are not allowed: X-B",
        ),
        id="compat: headers not allowed, upper-cased; the refusal stops at the first",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_headers=("X-A", "Content-Type")),
            request_headers=(" X-A ,, CONTENT-type", "x-a"),
            granted={"Access-Control-Allow-Headers": "X-A,CONTENT-TYPE"},
        ),
        id="cors-rules: names compared case-insensitively, spaces and several lines accepted",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_headers="*"),
            request_headers=("a," * 4095,),
            refusal=f"more than {MAX_REQUEST_HEADERS_COUNT} elements",
        ),
        id="security (CVE-2025-47908 class): every element counts toward the limit",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_headers="*"),
            request_headers=("a" + ",,," * 20,),
            refusal="empty elements",
        ),
        id="security: parsing stops at a few empty elements",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_headers="*"),
            request_headers=("x" * 9000,),
            refusal="characters long",
        ),
        id="security: the size is checked before any parsing",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(allow_private_network=True),
            private_network=True,
            granted={"Access-Control-Allow-Private-Network": "true"},
        ),
        id="wicg-private-network-access: granted when allowed",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(), private_network=True, refusal="private network access is not allowed"
        ),
        id="wicg-private-network-access: refused unless allowed",
    ),
    pytest.param(
        PreflightCase(
            ResourceOptions(send_wildcard=True),
            granted={ACAO: "*"},
        ),
        id="send_wildcard: preflights answered with '*' too",
    ),
]


@pytest.mark.parametrize("case", PREFLIGHT_CASES)
def test_preflight_answers(case: PreflightCase) -> None:
    key = "*" if case.options.send_wildcard else PAGE
    subject = policy(
        ((key, case.options),),
        routes=case.routes,
        plain=case.plain,
        exempt=case.exempt,
        any_method=case.any_method,
    )
    answer = resolve(
        subject.preflight(
            case.origins, case.method, case.request_headers, case.private_network, None
        )
    )
    assert isinstance(answer, PreflightAnswer)
    if case.refusal is not None:
        assert answer.refusal is not None and case.refusal in answer.refusal
        assert answer.refusal.startswith(FAILED)
        assert ACAO not in answer.headers
        return
    assert answer.refusal is None, answer.refusal
    for name, value in case.granted.items() if case.granted else ():
        assert answer.headers.getall(name) == [value], name


def test_no_origins_configured_keeps_0_8_1_text() -> None:
    empty = ResourcePolicy(
        actual_tables={"GET": OriginTable.build([])},
        other_methods=None,
        preflight_tables={"GET": PreflightEntry(OriginTable.build([]), MethodGrant.ROUTED)},
    )
    answer = resolve(empty.preflight((PAGE,), "GET", (), False, None))
    assert answer.refusal == FAILED + "no origins are allowed"


def test_granted_preflights_are_cached_within_bounds() -> None:
    subject = policy(((PAGE, ResourceOptions(allow_headers="*")),))
    first = resolve(subject.preflight((PAGE,), "GET", ("x-a",), False, None))
    assert resolve(subject.preflight((PAGE,), "GET", ("x-a",), False, None)) is first
    long_value = ",".join(["x-b"] * 200)
    resolve(subject.preflight((PAGE,), "GET", (long_value,), False, None))
    assert len(subject.granted) == 1  # long lists are answered but not remembered
    resolve(subject.preflight((OTHER,), "GET", ("x-a",), False, None))
    assert len(subject.granted) == 1  # refusals are not remembered
    for index in range(GRANTED_CACHE_SIZE + 10):
        resolve(subject.preflight((PAGE,), "GET", (f"x-{index}",), False, None))
    assert len(subject.granted) == GRANTED_CACHE_SIZE


def test_answers_decided_by_a_callable_are_not_remembered() -> None:
    subject = policy(((lambda origin: origin == PAGE, ResourceOptions()),))
    assert resolve(subject.preflight((PAGE,), "GET", (), False, None)).refusal is None
    assert subject.granted == {}


async def test_preflight_waits_for_an_async_origin_callable() -> None:
    async def allowed(origin: str) -> bool:
        return origin == PAGE

    subject = policy(((allowed, ResourceOptions()),))
    answer = subject.preflight((PAGE,), "GET", (), False, None)
    assert isinstance(answer, Pending)
    assert (await answer).refusal is None
    refused = subject.preflight((OTHER,), "GET", (), False, None)
    assert isinstance(refused, Pending)
    assert "is not allowed" in str((await refused).refusal)


# --- WebSocket handshakes ------------------------------------------------------------------


@dataclass(frozen=True)
class HandshakeCase:
    key: object
    origins: tuple[str, ...]
    strict: bool = False
    cookie: bool = False
    own: str = "https://api.example"
    exempt: bool = False
    refused: str | None = None
    warns: bool = False


HANDSHAKE_CASES = [
    pytest.param(HandshakeCase(PAGE, (PAGE,)), id="a listed origin is admitted"),
    pytest.param(HandshakeCase(PAGE, ()), id="no Origin: not a browser, nothing to protect"),
    pytest.param(
        HandshakeCase(PAGE, ("https://api.example",)), id="the server's own origin is admitted"
    ),
    pytest.param(
        HandshakeCase(PAGE, (OTHER,), refused=f"origin '{OTHER}' is not allowed"),
        id="CSWSH: another origin is refused",
    ),
    pytest.param(
        HandshakeCase(PAGE, (PAGE, OTHER), refused="more than one Origin header"),
        id="CSWSH: several Origin headers fail closed",
    ),
    pytest.param(
        HandshakeCase("*", ("not an origin",), refused="is not allowed"),
        id="CSWSH: what no browser sends fails closed, even under '*'",
    ),
    pytest.param(
        HandshakeCase("*", (OTHER,), strict=True, refused="admitted only by the '*' or 'null' key"),
        id="CSWSH under '*': refused in strict mode",
    ),
    pytest.param(
        HandshakeCase("null", ("null",), strict=True, refused="admitted only by the '*' or 'null'"),
        id="CSWSH under 'null': refused in strict mode",
    ),
    pytest.param(HandshakeCase("*", (OTHER,)), id="'*' without cookies: admitted silently"),
    pytest.param(
        HandshakeCase("*", (OTHER,), cookie=True, warns=True),
        id="CSWSH under '*': the first handshake with cookies warns",
    ),
    pytest.param(HandshakeCase(PAGE, (OTHER,), exempt=True), id="an exempt route is not checked"),
]


@pytest.mark.parametrize("case", HANDSHAKE_CASES)
def test_handshake_answers(case: HandshakeCase) -> None:
    subject = policy(
        ((case.key, ResourceOptions()),),
        routes=("POST",) if case.exempt else ("GET",),
        exempt=("GET",) if case.exempt else (),
        strict=case.strict,
    )
    answer = resolve(subject.handshake(case.origins, case.own, case.cookie, "/ws", None))
    assert isinstance(answer, HandshakeAnswer)
    if case.refused is None:
        assert answer.refusal is None
    else:
        assert answer.refusal is not None and case.refused in answer.refusal
        assert answer.refusal.startswith("CORS WebSocket handshake refused: ")
    assert (answer.warning is not None) is case.warns


def test_handshake_warning_is_given_once_per_route() -> None:
    subject = policy((("*", ResourceOptions()),))

    def warning(route: str) -> str | None:
        answer = resolve(subject.handshake((OTHER,), "https://api.example", True, route, None))
        assert isinstance(answer, HandshakeAnswer) and answer.refusal is None
        return answer.warning

    first = warning("/ws")
    assert first is not None and "'/ws'" in first and "List the origins" in first
    assert warning("/ws") is None
    assert warning("/other-ws") is not None


def test_answers_are_precomputed_objects() -> None:
    # The glue only applies answers: the same request gets the very same object.
    subject = policy(((PAGE, CREDENTIALED),))
    assert subject.actual("GET", (PAGE,), None) is subject.actual("GET", (PAGE,), None)
    assert subject.actual("GET", (OTHER,), None) is subject.actual("GET", ("null",), None)
    first = subject.preflight((PAGE,), "GET", (), False, None)
    assert subject.preflight((PAGE,), "GET", (), False, None) is first
