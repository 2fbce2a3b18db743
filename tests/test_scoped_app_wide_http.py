"""Path-scoped app-wide mode: ``setup(app, all_routes="/api")`` enables CORS for the routes
at or under the prefixes, segment by segment (flask-cors's ``resources``,
django-cors-headers' ``CORS_URLS_REGEX``); router 404/405 answers only there."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

from .helpers import ACAO, hello, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient

PAGE = "https://page.example"
OPEN = {PAGE: ResourceOptions(allow_methods="*")}


def scoped_app(all_routes: object) -> web.Application:
    app = web.Application()
    aiohttp_cors.setup(app, defaults=OPEN, all_routes=all_routes)  # type: ignore[arg-type]
    for path in ("/api", "/api/items", "/api/items/{id}", "/apix", "/v2/things", "/admin"):
        app.router.add_get(path, hello)
    api = web.Application()
    api.router.add_get("/inside", hello)
    app.add_subapp("/api/sub", api)
    return app


@pytest.mark.parametrize(
    ("all_routes", "covered", "not_covered"),
    [
        pytest.param(
            "/api",
            ["/api", "/api/items", "/api/items/7", "/api/sub/inside"],
            ["/apix", "/v2/things", "/admin"],
            id="one prefix, segment-aware",
        ),
        pytest.param(
            "/api/",
            ["/api", "/api/items"],
            ["/apix", "/admin"],
            id="a trailing slash changes nothing",
        ),
        pytest.param(
            ["/api/items", "/v2"],
            ["/api/items", "/api/items/7", "/v2/things"],
            ["/api", "/apix", "/admin", "/api/sub/inside"],
            id="several prefixes",
        ),
        pytest.param("/", ["/api", "/apix", "/admin", "/api/sub/inside"], [], id="the root"),
    ],
)
async def test_routes_under_the_prefixes_only(
    aiohttp_client: AiohttpClient, all_routes: object, covered: list[str], not_covered: list[str]
) -> None:
    client = await aiohttp_client(scoped_app(all_routes))
    for path in covered:
        response = await client.get(path, headers={"Origin": PAGE})
        assert response.status == 200, path
        assert response.headers[ACAO] == PAGE, path
        response = await client.options(path, headers=preflight(PAGE, "GET"))
        assert response.status == 200, path
    for path in not_covered:
        response = await client.get(path, headers={"Origin": PAGE})
        assert response.status == 200, path
        assert ACAO not in response.headers, path
        assert "Vary" not in response.headers, path
        response = await client.options(path, headers=preflight(PAGE, "GET"))
        assert ACAO not in response.headers, path


async def test_router_errors_only_under_the_prefixes(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(scoped_app("/api"))
    for path, status in (("/api/missing", 404), ("/api/items/7/deeper", 404)):
        response = await client.get(path, headers={"Origin": PAGE})
        assert response.status == status
        assert response.headers[ACAO] == PAGE
    response = await client.post("/api/items", headers={"Origin": PAGE})
    assert response.status == 405
    assert response.headers[ACAO] == PAGE
    for path in ("/missing", "/apixx", "/admin/missing"):
        response = await client.get(path, headers={"Origin": PAGE})
        assert response.status == 404
        assert ACAO not in response.headers


@pytest.mark.parametrize(
    ("all_routes", "error", "message"),
    [
        pytest.param("api", ValueError, "starts with '/'", id="no leading slash"),
        pytest.param(["/api", 3], ValueError, "starts with '/'", id="not a string"),
        pytest.param("/api/{id}", ValueError, "placeholders", id="a placeholder"),
        pytest.param([], ValueError, "empty sequence", id="empty"),
        pytest.param(3, TypeError, "path prefix", id="a number"),
        pytest.param(b"/api", TypeError, "path prefix", id="bytes"),
    ],
)
def test_bad_scopes_are_clear_errors(
    all_routes: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        aiohttp_cors.setup(web.Application(), defaults=OPEN, all_routes=all_routes)  # type: ignore[arg-type]
