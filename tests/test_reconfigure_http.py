"""``CorsConfig.reconfigure(defaults=...)`` while serving: validated like setup, swapped in
one step, the running configuration untouched by a bad one, requests in flight finished
with the configuration they began with, per-route configs kept; and under load."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsConfigError, CorsSecurityWarning, ResourceOptions
from aiohttp_cors.testing import assert_allowed, assert_blocked

from .helpers import ACAC, ACAO, ACEH, HANDSHAKE, echo_socket, hello, preflight
from .test_recipe_examples import load

if TYPE_CHECKING:
    from aiohttp import ClientResponse

    from .helpers import AiohttpClient, Client

OLD = "https://old.example"
NEW = "https://new.example"
ROUTE_ONLY = "https://route.example"


async def serving(
    aiohttp_client: AiohttpClient, **setup: bool
) -> tuple[Client, aiohttp_cors.CorsConfig]:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={OLD: ResourceOptions()}, **setup)
    cors.add(app.router.add_get("/items", hello))
    cors.add(app.router.add_put("/items", hello))
    cors.add(app.router.add_get("/own", hello), {ROUTE_ONLY: ResourceOptions()})
    cors.add(app.router.add_get("/ws", echo_socket))
    return await aiohttp_client(app), cors


async def test_the_new_defaults_take_effect_and_per_route_configs_stay(
    aiohttp_client: AiohttpClient,
) -> None:
    client, cors = await serving(aiohttp_client)
    await assert_allowed(client, "/items", origin=OLD)

    new_defaults = {NEW: ResourceOptions(allow_credentials=True)}
    cors.reconfigure(defaults=new_defaults)

    assert cors.defaults is new_defaults
    await assert_allowed(client, "/items", origin=NEW, credentials=True)
    await assert_allowed(client, "/items", origin=NEW, method="PUT", credentials=True)
    await assert_blocked(client, "/items", origin=OLD)
    # The route's own config is layered over the new defaults, as it was over the old.
    await assert_allowed(client, "/own", origin=ROUTE_ONLY)
    await assert_allowed(client, "/own", origin=NEW)
    handshake = await client.get("/ws", headers={**HANDSHAKE, "Origin": OLD})
    assert handshake.status == 403


async def test_none_removes_the_defaults(aiohttp_client: AiohttpClient) -> None:
    client, cors = await serving(aiohttp_client)

    cors.reconfigure(defaults=None)

    await assert_blocked(client, "/items", origin=OLD)
    await assert_allowed(client, "/own", origin=ROUTE_ONLY)


async def test_a_bad_configuration_reports_every_problem_and_changes_nothing(
    aiohttp_client: AiohttpClient,
) -> None:
    client, cors = await serving(aiohttp_client)
    running = cors.defaults

    with pytest.raises(CorsConfigError) as raised:
        cors.reconfigure(
            defaults={
                "https://ok.example": ResourceOptions(),
                "https://bad.example/path": ResourceOptions(),
                NEW: {"allow_credentials": "yes"},
            }
        )

    message = str(raised.value)
    assert "https://bad.example/path" in message
    assert "allow_credentials" in message
    assert cors.defaults is running
    await assert_allowed(client, "/items", origin=OLD)
    await assert_blocked(client, "/items", origin="https://ok.example")


async def test_strict_mode_refuses_what_it_refused_at_setup(aiohttp_client: AiohttpClient) -> None:
    client, cors = await serving(aiohttp_client, strict=True)

    with pytest.raises(CorsConfigError, match="strict mode"):
        cors.reconfigure(defaults={"*": ResourceOptions(allow_credentials=True)})

    await assert_allowed(client, "/items", origin=OLD)
    await assert_blocked(client, "/items", origin=NEW)


async def test_the_security_review_warns_as_at_setup(aiohttp_client: AiohttpClient) -> None:
    client, cors = await serving(aiohttp_client)

    with pytest.warns(CorsSecurityWarning, match="null"):
        cors.reconfigure(defaults={"null": ResourceOptions(allow_credentials=True)})

    await assert_allowed(client, "/items", origin="null", credentials=True)


async def test_before_the_app_starts_it_is_the_defaults(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={OLD: ResourceOptions()})
    cors.add(app.router.add_get("/items", hello))
    cors.reconfigure(defaults={NEW: ResourceOptions()})

    client = await aiohttp_client(app)

    await assert_allowed(client, "/items", origin=NEW)
    await assert_blocked(client, "/items", origin=OLD)
    with pytest.raises(RuntimeError, match=r"reconfigure\(defaults=\.\.\.\)"):
        cors.defaults = {OLD: ResourceOptions()}


async def test_a_sub_application_with_its_own_setup(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    aiohttp_cors.setup(app, defaults={OLD: ResourceOptions()})
    admin = web.Application()
    admin_cors = aiohttp_cors.setup(admin, defaults={OLD: ResourceOptions()})
    admin_cors.add(admin.router.add_get("/users", hello))
    app.add_subapp("/admin", admin)
    client = await aiohttp_client(app)

    admin_cors.reconfigure(defaults={NEW: ResourceOptions()})

    await assert_allowed(client, "/admin/users", origin=NEW)
    await assert_blocked(client, "/admin/users", origin=OLD)


async def test_a_request_in_flight_finishes_with_the_configuration_it_began_with(
    aiohttp_client: AiohttpClient,
) -> None:
    """An origin callable that is still deciding when the configuration changes: its answer
    applies with the options of the configuration that asked it."""
    deciding = asyncio.Event()
    release = asyncio.Event()

    async def slow_partner(origin: str) -> bool:
        deciding.set()
        await release.wait()
        return origin == OLD

    app = web.Application()
    cors = aiohttp_cors.setup(
        app, defaults={slow_partner: ResourceOptions(allow_credentials=True, max_age=60)}
    )
    cors.add(app.router.add_get("/items", hello))
    client = await aiohttp_client(app)

    in_flight = asyncio.ensure_future(client.options("/items", headers=preflight(OLD, "GET")))
    await deciding.wait()
    cors.reconfigure(defaults={NEW: ResourceOptions()})
    release.set()
    response = await in_flight

    assert response.status == 200
    assert response.headers[ACAO] == OLD
    assert response.headers[ACAC] == "true"
    assert response.headers["Access-Control-Max-Age"] == "60"
    after = await client.options("/items", headers=preflight(OLD, "GET"))
    assert after.status == 403


# --- under load ---------------------------------------------------------------------------------

CORS_NAMES = (
    ACAO,
    ACAC,
    ACEH,
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
    "Vary",
)


async def slow_hello(request: web.Request) -> web.Response:
    # Yield to the loop a few times, so that requests and swaps interleave.
    for _ in range(random.randrange(3)):
        await asyncio.sleep(0)
    return web.Response(text="hello", headers={"X-Total": "3"})


async def partner(origin: str) -> bool:
    await asyncio.sleep(0)
    return origin == "https://async.example"


CONFIG_A = {
    OLD: ResourceOptions(allow_credentials=True, expose_headers=["X-Total"], max_age=10),
    partner: ResourceOptions(allow_headers=["X-A"]),
}
CONFIG_B = {
    NEW: ResourceOptions(allow_headers=["X-B"], allow_methods=["PUT"]),
    "https://async.example": ResourceOptions(expose_headers="*", max_age=20),
}
#: (method, path, headers) of each kind of request sent under load.
REQUESTS = [
    ("GET", "/items", {"Origin": origin})
    for origin in (OLD, NEW, "https://async.example", "https://nobody.example")
] + [
    ("OPTIONS", "/items", preflight(origin, method, headers))
    for origin in (OLD, NEW, "https://async.example")
    for method, headers in (("GET", None), ("PUT", "x-a"), ("PUT", "x-b"))
]


def signature(response: ClientResponse) -> tuple[object, ...]:
    return (
        response.status,
        tuple((name, response.headers.getall(name, [])) for name in CORS_NAMES),
    )


async def test_under_load_every_answer_is_the_old_or_the_new_configurations(
    aiohttp_client: AiohttpClient,
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=CONFIG_A)
    cors.add(app.router.add_get("/items", slow_hello))
    cors.add(app.router.add_put("/items", slow_hello))
    client = await aiohttp_client(app)

    async def answers() -> list[tuple[object, ...]]:
        found = []
        for method, path, headers in REQUESTS:
            async with client.request(method, path, headers=headers) as response:
                found.append(signature(response))
        return found

    expected_a = await answers()
    cors.reconfigure(defaults=CONFIG_B)
    expected_b = await answers()
    differing = {i for i, (a, b) in enumerate(zip(expected_a, expected_b, strict=True)) if a != b}
    assert len(differing) > len(REQUESTS) // 2  # most answers tell the configurations apart

    stop = asyncio.Event()
    swaps = 0

    async def keep_swapping() -> None:
        nonlocal swaps
        while not stop.is_set():
            cors.reconfigure(defaults=CONFIG_A if swaps % 2 else CONFIG_B)
            swaps += 1
            await asyncio.sleep(0)

    async def one(index: int) -> tuple[int, tuple[object, ...]]:
        method, path, headers = REQUESTS[index]
        async with client.request(method, path, headers=headers) as response:
            return index, signature(response)

    swapper = asyncio.ensure_future(keep_swapping())
    results = await asyncio.gather(*(one(i % len(REQUESTS)) for i in range(600)))
    stop.set()
    await swapper

    assert swaps > 20
    seen_a = seen_b = 0
    for index, answer in results:
        assert answer in (expected_a[index], expected_b[index]), (REQUESTS[index], answer)
        if index in differing:
            seen_a += answer == expected_a[index]
            seen_b += answer == expected_b[index]
    assert seen_a and seen_b  # both configurations answered while it swapped


# --- the recipe: several workers reloading from one source -----------------------------------


async def test_the_live_origins_recipe_reloads_and_keeps_a_bad_source_out(
    aiohttp_client: AiohttpClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recipe = load("live_origins")
    source = tmp_path / "origins.json"
    source.write_text(json.dumps({"origins": [OLD]}))
    client = await aiohttp_client(recipe.build_app(source, poll_seconds=0.01))
    await assert_allowed(client, "/api/items", origin=OLD, credentials=True)

    source.write_text(json.dumps({"origins": [NEW]}))
    await wait_until_allowed(client, NEW)
    await assert_blocked(client, "/api/items", origin=OLD)

    with caplog.at_level(logging.ERROR, logger="cors.live_origins"):
        source.write_text(json.dumps({"origins": ["https://broken.example/"]}))
        for _ in range(200):
            if caplog.records:
                break
            await asyncio.sleep(0.01)
    assert "not applied" in caplog.records[0].getMessage()
    await assert_allowed(client, "/api/items", origin=NEW)


async def wait_until_allowed(client: Client, origin: str) -> None:
    for _ in range(200):
        response = await client.get("/api/items", headers={"Origin": origin})
        if response.headers.get(ACAO) == origin:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{origin} was never admitted")


def test_reconfigure_needs_keyword_defaults() -> None:
    cors = aiohttp_cors.setup(web.Application())
    with warnings.catch_warnings(), pytest.raises(TypeError):
        cors.reconfigure({OLD: ResourceOptions()})  # type: ignore[call-arg]


async def test_a_mounted_app_wide_scope_stays_where_it_was_learnt(
    aiohttp_client: AiohttpClient,
) -> None:
    """all_routes prefixes of a sub-application are relative to where it is mounted, which
    the first request shows; a reconfiguration compiles for that same mount path."""
    app = web.Application()
    api = web.Application()
    api.router.add_get("/api/items", hello)
    api.router.add_get("/private", hello)
    api.router.add_get("/private/api", hello)  # "/api" deeper down: not under the prefix
    cors = aiohttp_cors.setup(api, defaults={OLD: ResourceOptions()}, all_routes="/api")
    app.add_subapp("/v1", api)
    client = await aiohttp_client(app)
    await assert_allowed(client, "/v1/api/items", origin=OLD)

    cors.reconfigure(defaults={NEW: ResourceOptions()})

    await assert_allowed(client, "/v1/api/items", origin=NEW)
    await assert_blocked(client, "/v1/api/items", origin=OLD)
    await assert_blocked(client, "/v1/private", origin=NEW)
    await assert_blocked(client, "/v1/private/api", origin=NEW)
