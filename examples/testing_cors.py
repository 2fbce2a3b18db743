"""CORS in your own test suite: aiohttp_cors.testing with pytest-aiohttp.

The tests below ask what a browser would do with a page on another origin calling this
app, and fail with the CORS doctor's explanation when the answer is not the expected one.
They run as they are with pytest and pytest-aiohttp (``asyncio_mode = "auto"``)::

    pytest examples/testing_cors.py
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions
from aiohttp_cors.testing import assert_allowed, assert_blocked, check

if TYPE_CHECKING:  # the type of pytest-aiohttp's aiohttp_client fixture
    from pytest_aiohttp import AiohttpClient

APP_ORIGIN = "https://app.example.com"
ITEMS = [{"id": 1, "name": "kettle"}, {"id": 2, "name": "teapot"}]


async def list_items(request: web.Request) -> web.Response:
    return web.json_response(ITEMS, headers={"X-Total-Count": str(len(ITEMS))})


async def create_item(request: web.Request) -> web.Response:
    return web.json_response(await request.json(), status=201)


async def delete_item(request: web.Request) -> web.Response:
    return web.Response(status=204)


def build_app() -> web.Application:
    """The app under test: the page on APP_ORIGIN may read and add items, not delete them."""
    app = web.Application()
    cors = aiohttp_cors.setup(
        app,
        defaults={
            APP_ORIGIN: ResourceOptions(
                allow_credentials=True,
                allow_headers=("Content-Type",),
                expose_headers=("X-Total-Count",),
            ),
        },
    )
    items = app.router.add_resource("/api/items")
    cors.add(items.add_route("GET", list_items))
    cors.add(items.add_route("POST", create_item))
    items.add_route("DELETE", delete_item)  # for the app's own pages only: no CORS
    return app


async def test_the_page_reads_items(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(build_app())
    await assert_allowed(
        client,
        "/api/items",
        origin=APP_ORIGIN,
        credentials=True,
        read_headers=["X-Total-Count"],
    )


async def test_the_page_posts_json(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(build_app())
    verdict = await assert_allowed(
        client,
        "/api/items",
        origin=APP_ORIGIN,
        method="POST",
        headers={"Content-Type": "application/json"},
        body='{"name": "mug"}',
        credentials=True,
    )
    assert verdict.preflighted  # JSON is not a form type: the browser asks first
    assert verdict.status == 201


async def test_other_sites_cannot_read_items(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(build_app())
    await assert_blocked(client, "/api/items", origin="https://evil.example")


async def test_the_page_cannot_delete(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(build_app())
    verdict = await check(client, "/api/items", origin=APP_ORIGIN, method="DELETE")
    assert not verdict.allowed
    # The plugin refused the preflight: the browser never sent the DELETE.
    assert [problem.rule for problem in verdict.problems] == ["preflight-status"]
    assert verdict.status is None
    assert "request method 'DELETE' is not allowed" in verdict.explain()
