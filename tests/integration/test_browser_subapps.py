"""Innermost configuration wins, as a browser sees it: a sub-application with its own
``setup`` under an app-wide parent decides preflights and actual responses for its routes
(the Quart-CORS blueprint case); the parent decides for its own."""

from __future__ import annotations

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

from .harness import Page, Server, ServerPool, assert_calls, echo

pytestmark = pytest.mark.browser


def _options() -> ResourceOptions:
    return ResourceOptions(allow_methods="*", allow_headers=("X-Custom",))


def _start(page: Page, servers: ServerPool, *, parent_first: bool) -> Server:
    """The parent allows pages on localhost, the sub-application pages on 127.0.0.1."""
    parent = web.Application()
    parent.router.add_put("/own", echo)
    child = web.Application()
    aiohttp_cors.setup(child, defaults={page.origin: _options()}, all_routes=True)
    child.router.add_put("/items", echo)
    parent_origin = page.server.origin_for("localhost")
    if parent_first:
        aiohttp_cors.setup(parent, defaults={parent_origin: _options()}, all_routes=True)
        parent.add_subapp("/child", child)
    else:
        parent.add_subapp("/child", child)
        aiohttp_cors.setup(parent, defaults={parent_origin: _options()}, all_routes=True)
    return servers.start(parent)


@pytest.mark.parametrize("parent_first", [True, False], ids=["setup first", "sub-app first"])
def test_sub_app_with_its_own_setup_decides_for_its_routes(
    page: Page, servers: ServerPool, parent_first: bool
) -> None:
    api = _start(page, servers, parent_first=parent_first)
    put = {"method": "PUT", "headers": {"X-Custom": "1"}, "body": "x"}

    child_route = page.fetch(api.url("/child/items"), **put)  # type: ignore[arg-type]
    parent_route = page.fetch(api.url("/own"), **put)  # type: ignore[arg-type]

    child_route.assert_readable(200, "PUT /child/items body=x x-custom=1")
    parent_route.assert_blocked()
    assert_calls(
        api,
        [("OPTIONS", "/child/items"), ("PUT", "/child/items"), ("OPTIONS", "/own")],
        parent_route,
    )

    page.goto(host="localhost")
    child_route = page.fetch(api.url("/child/items"), **put)  # type: ignore[arg-type]
    parent_route = page.fetch(api.url("/own"), **put)  # type: ignore[arg-type]

    child_route.assert_blocked()
    parent_route.assert_readable(200, "PUT /own body=x x-custom=1")
