"""Security round 3 (issue 19): the invariants as properties over random configurations
and requests, the cache bounds as measured, and the cancellation rules of origin callables.

The properties:

* an ``@cors_exempt`` handler's response never gets a header from the plugin;
* in strict mode no handshake with a cookie is admitted by an entry the security review
  refuses with credentials;
* every response whose CORS answer read a request header lists it in ``Vary``;
* no cache grows past its documented bound, whatever the requests.
"""

from __future__ import annotations

import asyncio
import gc
import re
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions, cors_exempt
from aiohttp_cors._core.answers import EXPOSED_CACHE_BYTES, EXPOSED_CACHE_SIZE, EXPOSED_KEY_LENGTH
from aiohttp_cors._core.options import ResourceOptions as CoreOptions
from aiohttp_cors._core.origins import parse_origin_key
from aiohttp_cors._core.pending import CallableCancelled, Pending, await_in_own_task
from aiohttp_cors._core.policy import (
    GRANTED_CACHE_BYTES,
    GRANTED_CACHE_SIZE,
    GRANTED_KEY_LENGTH,
    ResourcePolicy,
)
from aiohttp_cors._core.review import review
from aiohttp_cors._core.table import (
    DECIDED_CACHE_BYTES,
    DECIDED_CACHE_SIZE,
    DECIDED_ORIGIN_LENGTH,
    MethodGrant,
    OriginTable,
    PreflightEntry,
)

from .helpers import HANDSHAKE

# The configurations drawn here include insecure ones on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp_cors.CorsSecurityWarning")

HTTP_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

KEYS: list[Any] = [
    "*",
    "null",
    "https://a.example",
    "http://a.example",
    "https://*.a.example",
    "https://*.github.io",
    "http://localhost:*",
    re.compile(".*"),
    re.compile("https://.*"),
    re.compile(r"https://.*a[.]example"),
    re.compile(r"https://(www\.)?a\.example"),
]
ORIGINS = [
    "https://a.example",
    "http://a.example",
    "https://x.a.example",
    "https://attacker.github.io",
    "https://evil.test",
    "https://evila.example",
    "http://localhost:3000",
    "null",
]
CORS_AND_VARY = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Vary",
)

options_strategy = st.builds(
    lambda allow_credentials, expose_headers, allow_methods: ResourceOptions(
        allow_credentials=allow_credentials,
        expose_headers=expose_headers,
        allow_methods=allow_methods,
    ),
    allow_credentials=st.booleans(),
    expose_headers=st.sampled_from([(), ("X-Own",), "*"]),
    allow_methods=st.sampled_from([None, "*", ("PUT",)]),
)
config_strategy = st.dictionaries(
    st.sampled_from(KEYS[:7]), options_strategy, min_size=1, max_size=3
)


# --- an exempt handler's response is its own --------------------------------------------


class Exempting(web.View, CorsViewMixin):
    async def get(self) -> web.Response:
        return web.Response(text="view")

    @cors_exempt
    async def post(self) -> web.Response:
        return _own_response(self.request)


def _own_response(request: web.Request) -> web.Response:
    response = web.Response(text="own")
    for name, value in request.app[OWN_KEY]:
        response.headers.add(name, value)
    return response


@cors_exempt
async def exempt_handler(request: web.Request) -> web.Response:
    return _own_response(request)


async def cors_handler(request: web.Request) -> web.Response:
    return web.Response(text="cors")


OWN_KEY = web.AppKey("own headers", list[tuple[str, str]])


@HTTP_SETTINGS
@given(
    shape=st.sampled_from(["whole", "beside a CORS route", "view method", "plain route"]),
    defaults=config_strategy,
    app_wide=st.booleans(),
    method=st.sampled_from(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    origin=st.one_of(st.none(), st.sampled_from(ORIGINS)),
    cookie=st.booleans(),
    own=st.lists(
        st.sampled_from(
            [
                ("Access-Control-Allow-Origin", "https://partner.example"),
                ("Access-Control-Allow-Credentials", "true"),
                ("Access-Control-Expose-Headers", "X-Own"),
                ("Vary", "X-Mine"),
                ("X-Own", "1"),
            ]
        ),
        unique=True,
    ),
)
async def test_an_exempt_handler_never_gets_a_header_from_the_plugin(
    shape: str,
    defaults: dict[str, ResourceOptions],
    app_wide: bool,
    method: str,
    origin: str | None,
    cookie: bool,
    own: list[tuple[str, str]],
) -> None:
    app = web.Application()
    app[OWN_KEY] = own
    cors = aiohttp_cors.setup(app, defaults=defaults, all_routes=app_wide)
    resource = app.router.add_resource("/data")
    if shape == "whole":
        cors.add(resource)
        resource.add_route("GET", cors_handler)
        resource.add_route("*", exempt_handler)
    elif shape == "beside a CORS route":
        cors.add(resource.add_route("GET", cors_handler))
        resource.add_route("*", exempt_handler)
    elif shape == "view method":
        cors.add(resource.add_route("*", Exempting))
        method = "POST"
    else:
        resource.add_route(method, exempt_handler)
    headers = {"Origin": origin} if origin is not None else {}
    if cookie:
        headers["Cookie"] = "session=victim"
    async with TestClient(TestServer(app)) as client:
        response = await client.request(method, "/data", headers=headers)
        assert await response.text() == "own"
        got = [(n, v) for n, v in response.headers.items() if n in CORS_AND_VARY]
        assert sorted(got) == sorted((n, v) for n, v in own if n in CORS_AND_VARY)


# --- strict mode and cookie-carrying handshakes ---------------------------------------------


def _alone_admits(key: object, origin: str) -> bool:
    table = OriginTable.build([((parse_origin_key(key), CoreOptions()),)])
    return table.match(origin, None) is not None


def _clean_with_credentials(key: object) -> bool:
    spec = parse_origin_key(key)
    return not [
        concern
        for concern in review(spec, CoreOptions(allow_credentials=True))
        if "expose_headers" not in concern
    ]


@settings(max_examples=400, deadline=None)
@given(
    keys=st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique_by=repr),
    origin=st.sampled_from(ORIGINS),
    cookie=st.booleans(),
)
def test_strict_mode_admits_no_cookie_handshake_by_an_entry_refused_with_credentials(
    keys: list[object], origin: str, cookie: bool
) -> None:
    config = tuple((parse_origin_key(key), CoreOptions()) for key in keys)
    table = OriginTable.build([config])
    policy = ResourcePolicy(
        actual_tables={"GET": table}, other_methods=table, preflight_tables={}, strict=True
    )
    answer = policy.handshake([origin], "https://own.example", cookie, "/ws", None)
    assert not isinstance(answer, Pending)
    if answer.refusal is None and cookie:
        # The entry that admitted it: the first key, in precedence order, admitting it.
        admitting = [key for key in keys if _alone_admits(key, origin)]
        assert admitting
        assert any(_clean_with_credentials(key) for key in admitting), (keys, origin)
        if len(admitting) == 1:
            assert _clean_with_credentials(admitting[0])


@HTTP_SETTINGS
@given(key=st.sampled_from(KEYS), origin=st.sampled_from(ORIGINS))
async def test_strict_mode_over_http_agrees(key: object, origin: str) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, strict=True)

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.close()
        return ws

    cors.add(app.router.add_get("/ws", socket), {key: ResourceOptions()})
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/ws", headers={"Origin": origin, "Cookie": "s=1", **HANDSHAKE})
        if response.status == 101:
            assert _alone_admits(key, origin) and _clean_with_credentials(key)
        else:
            assert response.status == 403


# --- Vary lists every request header an answer read ---------------------------------------

HEADER_NAMES = ["X-Plan", "X-Tenant", "Accept-Language"]


@HTTP_SETTINGS
@given(
    read=st.lists(st.sampled_from(HEADER_NAMES), unique=True),
    others=st.dictionaries(st.sampled_from(KEYS[:7]), options_strategy, max_size=2),
    in_defaults=st.booleans(),
    is_async=st.booleans(),
    preflight=st.booleans(),
    origin=st.one_of(st.none(), st.sampled_from(ORIGINS)),
    values=st.dictionaries(st.sampled_from(HEADER_NAMES), st.sampled_from(["pro", "free"])),
    handler_vary=st.sampled_from([None, "Accept-Encoding", "x-plan"]),
)
async def test_every_header_an_answer_read_is_listed_in_vary(
    read: list[str],
    others: dict[str, ResourceOptions],
    in_defaults: bool,
    is_async: bool,
    preflight: bool,
    origin: str | None,
    values: dict[str, str],
    handler_vary: str | None,
) -> None:
    def decide(origin: str, request: web.Request) -> bool:
        return all(request.headers.get(name) == "pro" for name in read)

    async def decide_async(origin: str, request: web.Request) -> bool:
        return decide(origin, request)

    key: Callable[..., Any] = aiohttp_cors.varies_on(*read)(decide_async if is_async else decide)

    async def handler(request: web.Request) -> web.Response:
        response = web.Response(text="ok")
        if handler_vary:
            response.headers["Vary"] = handler_vary
        return response

    config: dict[Any, ResourceOptions] = {key: ResourceOptions(), **others}
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=config if in_defaults else None)
    resource = app.router.add_resource("/r")
    cors.add(resource.add_route("GET", handler), None if in_defaults else config)
    cors.add(resource.add_route("PUT", handler))
    headers = dict(values)
    if origin is not None:
        headers["Origin"] = origin
    async with TestClient(TestServer(app)) as client:
        if preflight:
            headers["Access-Control-Request-Method"] = "GET"
            response = await client.options("/r", headers=headers)
        else:
            response = await client.get("/r", headers=headers)
        vary = {
            part.strip().lower()
            for line in response.headers.getall("Vary", ())
            for part in line.split(",")
        }
        assert {"origin", *(name.lower() for name in read)} <= vary
        if handler_vary and not preflight:
            assert handler_vary.lower() in vary


# --- caches stay within their documented bounds -----------------------------------------------


def _star_policy() -> tuple[OriginTable, ResourcePolicy]:
    options = CoreOptions(allow_methods="*", allow_headers="*", expose_headers="*")
    table = OriginTable.build([((parse_origin_key("*"), options),)])
    policy = ResourcePolicy(
        actual_tables={},
        other_methods=table,
        preflight_tables={},
        any_method=PreflightEntry(table, MethodGrant.ANY_ROUTE),
    )
    return table, policy


def _within_bounds(table: OriginTable, policy: ResourcePolicy) -> None:
    assert len(policy.granted) <= GRANTED_CACHE_SIZE
    for key in policy.granted:
        text = sum(len(part) for part in key if isinstance(part, str))
        assert text <= GRANTED_KEY_LENGTH
    assert len(table.decided) <= DECIDED_CACHE_SIZE
    assert all(len(origin) <= DECIDED_ORIGIN_LENGTH for origin in table.decided)
    assert table.star is not None and table.star.actual.expose_all is not None
    exposed = table.star.actual.expose_all._values
    assert len(exposed) <= EXPOSED_CACHE_SIZE
    assert all(sum(map(len, names)) <= EXPOSED_KEY_LENGTH for names in exposed)


token = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-!#$%&'*+.^_`|~"
)


@settings(max_examples=60, deadline=None)
@given(
    requests=st.lists(
        st.tuples(
            st.one_of(token, st.builds(lambda n, t: t * n, st.integers(1, 3000), token)),
            st.one_of(
                st.sampled_from(ORIGINS),
                st.builds(lambda n: "https://" + "a" * n + ".example", st.integers(1, 900)),
            ),
            st.lists(st.text(max_size=400), max_size=3),
            st.lists(st.text(min_size=1, max_size=300), max_size=12),
        ),
        max_size=30,
    ),
    fill=st.integers(0, 700),
)
def test_no_cache_grows_past_its_bound(
    requests: list[tuple[str, str, list[str], list[str]]], fill: int
) -> None:
    table, policy = _star_policy()
    for number in range(fill):  # distinct, cacheable requests first
        origin = f"https://o{number}.example"
        policy.preflight([origin], "PUT", [f"x-{number}"], False, None)
        policy.actual("GET", [origin], None)
        table.star.actual.expose_all.value_for((f"X-{number}",))  # type: ignore[union-attr]
    for method, origin, header_lines, names in requests:
        policy.preflight([origin], method, header_lines, False, None)
        policy.actual(method, [origin], None)
        table.star.actual.expose_all.value_for(tuple(names))  # type: ignore[union-attr]
    _within_bounds(table, policy)


def _bytes_held(fill: Callable[[OriginTable, ResourcePolicy], None]) -> int:
    table, policy = _star_policy()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fill(table, policy)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def _fill_granted(table: OriginTable, policy: ResourcePolicy) -> None:
    for number in range(GRANTED_CACHE_SIZE + 100):
        origin = f"https://h{number:05d}.example"
        names = ",".join(f"x{number:05d}-{each:03d}" for each in range(80))
        room = GRANTED_KEY_LENGTH - len(origin) - 1
        policy.preflight([origin], "M", [names[: names.rfind(",", 0, room)]], False, None)
    assert len(policy.granted) == GRANTED_CACHE_SIZE


def _fill_decided(table: OriginTable, policy: ResourcePolicy) -> None:
    for number in range(DECIDED_CACHE_SIZE - 1):  # one short of the clearing
        padding = "c" * (DECIDED_ORIGIN_LENGTH - 23)
        table.match(f"https://o{number:05d}.{padding}.ex", None)
    assert len(table.decided) == DECIDED_CACHE_SIZE - 1


def _fill_exposed(table: OriginTable, policy: ResourcePolicy) -> None:
    assert table.star is not None and table.star.actual.expose_all is not None
    expose_all = table.star.actual.expose_all
    for number in range(EXPOSED_CACHE_SIZE - 1):
        width = EXPOSED_KEY_LENGTH // 10
        expose_all.value_for(
            tuple(f"X-{number:05d}-{each:02d}".ljust(width, "d") for each in range(10))
        )
    assert len(expose_all._values) == EXPOSED_CACHE_SIZE - 1


@pytest.mark.parametrize(
    ("fill", "bound"),
    [
        pytest.param(_fill_granted, GRANTED_CACHE_BYTES, id="granted preflights, per policy"),
        pytest.param(_fill_decided, DECIDED_CACHE_BYTES, id="origin verdicts, per table"),
        pytest.param(_fill_exposed, EXPOSED_CACHE_BYTES, id="exposed names, per rule"),
    ],
)
def test_a_full_cache_holds_no_more_than_the_documented_bytes(
    fill: Callable[[OriginTable, ResourcePolicy], None], bound: int
) -> None:
    held = _bytes_held(fill)
    assert held <= bound, f"{held} bytes > {bound}"
    assert held > bound // 4  # the measurement saw the cache (the bound is not loose)


def test_long_methods_are_not_remembered() -> None:
    _, policy = _star_policy()
    for number in range(600):
        answer = policy.preflight(["https://a.example"], f"M{number}" + "X" * 8000, [], False, None)
        assert not isinstance(answer, Pending) and answer.refusal is None
    assert policy.granted == {}


# --- cancellation of origin callables -----------------------------------------------------


async def test_a_callables_own_cancellation_is_told_apart_on_python_3_10_too() -> None:
    async def cancels() -> bool:
        raise asyncio.CancelledError

    with pytest.raises(CallableCancelled):
        await await_in_own_task(cancels())

    async def answers() -> bool:
        await asyncio.sleep(0)
        return True

    assert await await_in_own_task(answers()) is True


async def test_the_requests_own_cancellation_still_cancels_on_python_3_10_too() -> None:
    started = asyncio.Event()
    finished = False

    async def hangs() -> bool:
        nonlocal finished
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            finished = True
        return True

    task = asyncio.ensure_future(await_in_own_task(hangs()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0)
    assert finished  # the callable was cancelled with the request
