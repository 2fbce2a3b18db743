"""``cors.on_refusal``: every refused preflight, actual request and handshake reaches the
receivers, with what was refused and why; a failing receiver changes no answer."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, Refusal, ResourceOptions

from .helpers import ACAO, HANDSHAKE, echo_socket, hello, preflight
from .test_recipe_examples import load

if TYPE_CHECKING:
    from .helpers import AiohttpClient, Client

PAGE = "https://page.example"
EVIL = "https://evil.example"


async def listened(
    aiohttp_client: AiohttpClient, *receivers_fail: bool
) -> tuple[Client, list[Refusal]]:
    seen: list[Refusal] = []

    class Items(web.View, CorsViewMixin):
        async def get(self) -> web.Response:
            return web.Response()

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/items/{id}", hello))
    cors.add(app.router.add_get("/ws", echo_socket))
    cors.add(app.router.add_view("/view", Items))
    for fails in receivers_fail:

        async def receiver(request: web.Request, refusal: Refusal, fails: bool = fails) -> None:
            if fails:
                raise RuntimeError("broken receiver")
            seen.append(refusal)

        cors.on_refusal.append(receiver)
    return await aiohttp_client(app), seen


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        pytest.param(
            "OPTIONS",
            "/items/1",
            preflight(EVIL, "GET"),
            Refusal(
                "preflight",
                EVIL,
                f"origin '{EVIL}' is not allowed",
                "/items/{id}",
                "GET",
                "/items/1",
            ),
            id="preflight-origin",
        ),
        pytest.param(
            "OPTIONS",
            "/items/1",
            preflight(PAGE, "DELETE"),
            Refusal(
                "preflight",
                PAGE,
                f"request method 'DELETE' is not allowed for '{PAGE}' origin",
                "/items/{id}",
                "DELETE",
                "/items/1",
            ),
            id="preflight-method",
        ),
        pytest.param(
            "OPTIONS",
            "/view",
            preflight(EVIL, "GET"),
            Refusal("preflight", EVIL, f"origin '{EVIL}' is not allowed", "/view", "GET", "/view"),
            id="preflight-view",
        ),
        pytest.param(
            "GET",
            "/items/2",
            {"Origin": EVIL},
            Refusal(
                "actual", EVIL, f"origin '{EVIL}' is not allowed", "/items/{id}", "GET", "/items/2"
            ),
            id="actual",
        ),
        pytest.param(
            "GET",
            "/ws",
            {**HANDSHAKE, "Origin": EVIL},
            Refusal("handshake", EVIL, f"origin '{EVIL}' is not allowed", "/ws", "GET", "/ws"),
            id="handshake",
        ),
    ],
)
async def test_each_refusal_reaches_the_receivers(
    aiohttp_client: AiohttpClient,
    method: str,
    path: str,
    headers: dict[str, str],
    expected: Refusal,
) -> None:
    client, seen = await listened(aiohttp_client, False)

    response = await client.request(method, path, headers=headers)

    assert response.status in (200, 403)
    assert seen == [expected]
    assert expected.to_json()["kind"] == expected.kind


async def test_several_origins_are_an_actual_refusal(aiohttp_client: AiohttpClient) -> None:
    client, seen = await listened(aiohttp_client, False)

    await client.get("/items/1", headers=[("Origin", PAGE), ("Origin", PAGE)])

    assert [(r.kind, r.reason) for r in seen] == [
        ("actual", "the request has more than one Origin header")
    ]


async def test_what_is_not_refused_is_not_sent(aiohttp_client: AiohttpClient) -> None:
    client, seen = await listened(aiohttp_client, False)

    await client.get("/items/1")  # no Origin: not a cross-origin request
    await client.get("/items/1", headers={"Origin": PAGE})
    await client.options("/items/1", headers=preflight(PAGE, "GET"))
    async with client.ws_connect("/ws", headers={"Origin": PAGE}):
        pass

    assert seen == []


async def test_a_receiver_that_raises_is_logged_once_and_changes_nothing(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    client, seen = await listened(aiohttp_client, True, False)

    with caplog.at_level(logging.DEBUG, logger="aiohttp_cors"):
        first = await client.options("/items/1", headers=preflight(EVIL, "GET"))
        second = await client.get("/items/1", headers={"Origin": EVIL})
        allowed = await client.get("/items/1", headers={"Origin": PAGE})

    assert first.status == 403
    assert "is not allowed" in await first.text()
    assert second.status == 200
    assert ACAO not in second.headers
    assert allowed.headers[ACAO] == PAGE
    failures = [r for r in caplog.records if "on_refusal receiver" in r.getMessage()]
    assert [r.levelno for r in failures] == [logging.ERROR, logging.DEBUG]
    assert failures[0].exc_info is not None
    assert [r.kind for r in seen] == ["preflight", "actual"]  # the next receiver still ran


async def count_nothing(request: web.Request, refusal: Refusal) -> None:
    pass


async def test_the_signal_freezes_when_the_app_starts(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    frozen_before = cors.on_refusal.frozen
    await aiohttp_client(app)

    assert (frozen_before, cors.on_refusal.frozen) == (False, True)
    with pytest.raises(RuntimeError):
        cors.on_refusal.append(count_nothing)


async def test_the_prometheus_recipe_counts_by_kind_and_route(
    aiohttp_client: AiohttpClient,
) -> None:
    recipe = load("refusal_metrics")
    registry = CollectorRegistry()
    client = await aiohttp_client(recipe.build_app(registry))

    await client.options("/api/items", headers=preflight(EVIL, "GET"))
    await client.options("/api/items", headers=preflight("https://app.example.com", "PATCH"))
    await client.get("/api/items", headers={"Origin": EVIL})
    await client.get("/api/items", headers={"Origin": "https://app.example.com"})

    def count(kind: str) -> float | None:
        return registry.get_sample_value(
            "cors_refusals_total", {"kind": kind, "route": "/api/items"}
        )

    assert count("preflight") == 2
    assert count("actual") == 1
    metrics = await (await client.get("/metrics")).text()
    assert 'cors_refusals_total{kind="preflight",route="/api/items"} 2.0' in metrics
