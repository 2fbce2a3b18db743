"""Innermost configuration wins: a sub-application with its own ``setup`` decides preflights,
actual responses and router errors for its routes, whatever the parent's mode, wherever
the sub-application sits and whichever ``setup`` ran first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

from .helpers import ACAO, hello, passthrough, preflight

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

    from .helpers import AiohttpClient, Client

PARENT_ORIGIN = "https://parent.example"
CHILD_ORIGIN = "https://child.example"
GRANDCHILD_ORIGIN = "https://grandchild.example"
PAGE = "https://page.example"


def options_for(origin: str) -> dict[str, ResourceOptions]:
    return {origin: ResourceOptions(allow_methods="*", allow_headers=("Content-Type",))}


async def assert_decided_by(client: Client, path: str, allowed: str, refused: str) -> None:
    """*allowed* passes the preflight and reads the PUT; *refused* fails both."""
    response = await client.options(path, headers=preflight(allowed, "PUT", "content-type"))
    assert response.status == 200, await response.text()
    assert response.headers[ACAO] == allowed
    response = await client.put(path, headers={"Origin": allowed})
    assert response.status == 200
    assert response.headers[ACAO] == allowed
    response = await client.options(path, headers=preflight(refused, "PUT", "content-type"))
    assert response.status == 403
    assert ACAO not in response.headers
    response = await client.put(path, headers={"Origin": refused})
    assert ACAO not in response.headers


def child_app(*, all_routes: bool) -> web.Application:
    child = web.Application()
    cors = aiohttp_cors.setup(child, defaults=options_for(CHILD_ORIGIN), all_routes=all_routes)
    route = child.router.add_put("/items", hello)
    if not all_routes:
        cors.add(route)
    return child


Order = Callable[[web.Application, web.Application], None]


def subapp_then_setup(parent: web.Application, child: web.Application) -> None:
    parent.add_subapp("/child", child)
    aiohttp_cors.setup(parent, defaults=options_for(PARENT_ORIGIN), all_routes=True)


def setup_then_subapp(parent: web.Application, child: web.Application) -> None:
    aiohttp_cors.setup(parent, defaults=options_for(PARENT_ORIGIN), all_routes=True)
    parent.add_subapp("/child", child)


@pytest.mark.parametrize("order", [subapp_then_setup, setup_then_subapp])
@pytest.mark.parametrize(
    "child_all_routes", [False, True], ids=["child per-route", "child app-wide"]
)
@pytest.mark.parametrize("parent_middleware", [False, True], ids=["", "parent middleware"])
async def test_app_wide_parent_and_sub_app_with_its_own_setup(
    aiohttp_client: AiohttpClient, order: Order, child_all_routes: bool, parent_middleware: bool
) -> None:
    # Quart-CORS's blueprint case: the sub-application's config decides for its routes.
    parent = web.Application(middlewares=[passthrough] if parent_middleware else [])
    parent.router.add_put("/own", hello)
    order(parent, child_app(all_routes=child_all_routes))
    client = await aiohttp_client(parent)
    await assert_decided_by(client, "/child/items", allowed=CHILD_ORIGIN, refused=PARENT_ORIGIN)
    await assert_decided_by(client, "/own", allowed=PARENT_ORIGIN, refused=CHILD_ORIGIN)


async def test_per_route_parent_and_sub_app_with_its_own_setup(
    aiohttp_client: AiohttpClient,
) -> None:
    parent = web.Application()
    cors = aiohttp_cors.setup(parent, defaults=options_for(PARENT_ORIGIN))
    cors.add(parent.router.add_put("/own", hello))
    parent.add_subapp("/child", child_app(all_routes=False))
    client = await aiohttp_client(parent)
    await assert_decided_by(client, "/child/items", allowed=CHILD_ORIGIN, refused=PARENT_ORIGIN)
    await assert_decided_by(client, "/own", allowed=PARENT_ORIGIN, refused=CHILD_ORIGIN)


async def test_router_errors_under_a_sub_app_are_its_own(aiohttp_client: AiohttpClient) -> None:
    parent = web.Application()
    aiohttp_cors.setup(parent, defaults=options_for(PARENT_ORIGIN), all_routes=True)
    parent.add_subapp("/child", child_app(all_routes=True))
    client = await aiohttp_client(parent)
    for method, path, status in (("GET", "/child/missing", 404), ("DELETE", "/child/items", 405)):
        response = await client.request(method, path, headers={"Origin": CHILD_ORIGIN})
        assert response.status == status
        assert response.headers[ACAO] == CHILD_ORIGIN
        response = await client.request(method, path, headers={"Origin": PARENT_ORIGIN})
        assert response.status == status
        assert ACAO not in response.headers
    response = await client.get("/missing", headers={"Origin": PARENT_ORIGIN})
    assert response.headers[ACAO] == PARENT_ORIGIN


async def test_router_errors_of_a_per_route_sub_app_stay_closed(
    aiohttp_client: AiohttpClient,
) -> None:
    # The sub-app answers its own paths; without app-wide mode it gives its 404s no CORS
    # headers, and the parent's app-wide mode does not reach in.
    parent = web.Application()
    aiohttp_cors.setup(parent, defaults=options_for(PARENT_ORIGIN), all_routes=True)
    parent.add_subapp("/child", child_app(all_routes=False))
    client = await aiohttp_client(parent)
    for origin in (PARENT_ORIGIN, CHILD_ORIGIN):
        response = await client.get("/child/missing", headers={"Origin": origin})
        assert response.status == 404
        assert ACAO not in response.headers


async def test_nested_two_deep(aiohttp_client: AiohttpClient) -> None:
    grandchild = web.Application()
    aiohttp_cors.setup(grandchild, defaults=options_for(GRANDCHILD_ORIGIN), all_routes=True)
    grandchild.router.add_put("/items", hello)
    child = child_app(all_routes=True)
    child.add_subapp("/grandchild", grandchild)
    parent = web.Application()
    parent.add_subapp("/child", child)
    aiohttp_cors.setup(parent, defaults=options_for(PARENT_ORIGIN), all_routes=True)
    client = await aiohttp_client(parent)
    await assert_decided_by(
        client, "/child/grandchild/items", allowed=GRANDCHILD_ORIGIN, refused=CHILD_ORIGIN
    )
    await assert_decided_by(
        client, "/child/grandchild/items", allowed=GRANDCHILD_ORIGIN, refused=PARENT_ORIGIN
    )
    await assert_decided_by(client, "/child/items", allowed=CHILD_ORIGIN, refused=PARENT_ORIGIN)
    response = await client.get("/child/grandchild/missing", headers={"Origin": GRANDCHILD_ORIGIN})
    assert response.status == 404
    assert response.headers[ACAO] == GRANDCHILD_ORIGIN


async def test_sub_app_without_setup_still_follows_the_parent(
    aiohttp_client: AiohttpClient,
) -> None:
    parent = web.Application()
    aiohttp_cors.setup(parent, defaults=options_for(PAGE), all_routes=True)
    child = web.Application()
    child.router.add_put("/items", hello)
    parent.add_subapp("/child", child)
    client = await aiohttp_client(parent)
    await assert_decided_by(client, "/child/items", allowed=PAGE, refused=CHILD_ORIGIN)


async def test_domain_sub_app_with_its_own_setup(aiohttp_client: AiohttpClient) -> None:
    parent = web.Application()
    aiohttp_cors.setup(parent, defaults=options_for(PARENT_ORIGIN), all_routes=True)
    tenant = web.Application()
    aiohttp_cors.setup(tenant, defaults=options_for(CHILD_ORIGIN), all_routes=True)
    tenant.router.add_put("/items", hello)
    parent.add_domain("tenant.example", tenant)
    client = await aiohttp_client(parent)
    host = {"Host": "tenant.example"}
    response = await client.options("/items", headers={**preflight(CHILD_ORIGIN, "PUT"), **host})
    assert response.status == 200
    response = await client.options("/items", headers={**preflight(PARENT_ORIGIN, "PUT"), **host})
    assert response.status == 403
    response = await client.put("/items", headers={"Origin": CHILD_ORIGIN, **host})
    assert response.headers[ACAO] == CHILD_ORIGIN


def test_setup_on_a_sub_app_already_added_is_a_clear_error() -> None:
    parent, child = web.Application(), web.Application()
    parent.add_subapp("/child", child)
    with pytest.raises(RuntimeError, match="add_subapp freezes it"):
        aiohttp_cors.setup(child)


def test_setup_twice_on_one_app_is_a_clear_error() -> None:
    app = web.Application()
    aiohttp_cors.setup(app)
    with pytest.raises(RuntimeError, match="already set up"):
        aiohttp_cors.setup(app)


@web.middleware
async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.headers.get("Authorization") != "Bearer good":
        return web.json_response({"error": "token required"}, status=401)
    return await handler(request)


@pytest.mark.parametrize(
    "parent_setup", [False, True], ids=["parent without setup", "parent setup"]
)
async def test_a_parent_auth_middleware_never_blocks_a_sub_app_preflight(
    aiohttp_client: AiohttpClient, parent_setup: bool
) -> None:
    # The parent's middlewares run before the sub-application's: the plugin's middleware of
    # the parent must answer for the sub-application's own configuration.
    parent = web.Application(middlewares=[require_token])
    if parent_setup:
        aiohttp_cors.setup(parent, defaults=options_for(PARENT_ORIGIN), all_routes=True)
    parent.add_subapp("/child", child_app(all_routes=True))
    client = await aiohttp_client(parent)
    response = await client.options(
        "/child/items", headers=preflight(CHILD_ORIGIN, "PUT", "content-type")
    )
    if not parent_setup:
        # Without a setup on the parent nothing of the plugin runs before its middleware.
        assert response.status == 401
        return
    assert response.status == 200, await response.text()
    assert response.headers[ACAO] == CHILD_ORIGIN
    response = await client.put("/child/items", headers={"Origin": CHILD_ORIGIN})
    assert response.status == 401
    assert response.headers[ACAO] == CHILD_ORIGIN  # the refusal is readable by the page
