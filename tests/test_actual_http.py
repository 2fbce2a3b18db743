"""Actual (non-preflight) responses through real apps: who may read them, with credentials
and exposed headers; Vary; CORS headers a handler set itself; errors raised by handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsSecurityWarning, ResourceOptions

from .helpers import ACAC, ACAO, ACEH, BODY, hello, no_cors_headers, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient, CorsAppFactory, ShapedAppFactory

PAGE = "https://page.example"
OTHER = "https://other.example"
# The origins of the tests written against aiohttp-cors 0.8.1's behaviour, kept as they were.
HTTP_PAGE = "http://page.example"
HTTP_OTHER = "http://other.example"


# --- who reads the response --------------------------------------------------------------


async def test_plain_setup_changes_nothing(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    aiohttp_cors.setup(app)
    app.router.add_get("/", hello)
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": HTTP_PAGE})
    assert response.status == 200
    assert await response.text() == BODY
    assert no_cors_headers(response.headers)
    assert "Vary" not in response.headers


@pytest.mark.parametrize(
    ("origin", "readable"),
    [
        (None, False),
        (HTTP_PAGE, True),
        (HTTP_OTHER, False),
        ("http://page.example:80", False),  # origins compare as strings
        ("https://page.example", False),  # another scheme is another origin
    ],
)
async def test_actual_request(
    aiohttp_client: AiohttpClient, shaped_app: ShapedAppFactory, origin: str | None, readable: bool
) -> None:
    client = await aiohttp_client(shaped_app(None, {HTTP_PAGE: ResourceOptions()}))
    response = await client.get("/data", headers={"Origin": origin} if origin else {})
    assert response.status == 200
    assert await response.text() == BODY
    if readable:
        assert response.headers[ACAO] == HTTP_PAGE
        assert ACAC not in response.headers
        assert ACEH not in response.headers
    else:
        assert no_cors_headers(response.headers)


# Credentials for a plain-http origin are flagged (and allowed): 0.8.1 code does this.
@pytest.mark.filterwarnings("ignore::aiohttp_cors.CorsSecurityWarning")
@pytest.mark.parametrize("where", ["route", "defaults"])
async def test_credentials(
    aiohttp_client: AiohttpClient, shaped_app: ShapedAppFactory, where: str
) -> None:
    config = {HTTP_PAGE: ResourceOptions(allow_credentials=True)}
    app = shaped_app(None, config) if where == "route" else shaped_app(config, None)
    client = await aiohttp_client(app)
    response = await client.get("/data", headers={"Origin": HTTP_PAGE})
    assert response.headers[ACAO] == HTTP_PAGE
    assert response.headers[ACAC] == "true"
    assert ACEH not in response.headers
    response = await client.get("/data", headers={"Origin": HTTP_OTHER})
    assert no_cors_headers(response.headers)
    response = await client.get("/data")
    assert no_cors_headers(response.headers)


async def test_never_star_with_credentials(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    with pytest.warns(CorsSecurityWarning):
        cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_credentials=True)})
    cors.add(app.router.add_get("/", hello))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    assert response.headers[ACAC] == "true"
    response = await client.options("/", headers=preflight(PAGE, "GET"))
    assert response.headers[ACAO] == PAGE


# --- exposing headers ----------------------------------------------------------------------


async def test_expose_headers(aiohttp_client: AiohttpClient, shaped_app: ShapedAppFactory) -> None:
    client = await aiohttp_client(
        shaped_app(None, {HTTP_PAGE: ResourceOptions(expose_headers=("X-Payload-Id",))})
    )
    response = await client.get("/data", headers={"Origin": HTTP_PAGE})
    assert response.headers[ACAO] == HTTP_PAGE
    assert response.headers[ACEH] == "X-Payload-Id"
    assert ACAC not in response.headers
    response = await client.get("/data", headers={"Origin": HTTP_OTHER})
    assert no_cors_headers(response.headers)


async def test_expose_all_lists_the_response_headers(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    async def handler(request: web.Request) -> web.Response:
        response = web.Response(text=BODY, content_type="text/plain")
        response.headers["X-One"] = "1"
        response.headers["X-Two"] = "2"
        response.headers["Cache-Control"] = "no-store"
        response.set_cookie("session", "secret")
        return response

    app, cors = cors_app({PAGE: ResourceOptions(expose_headers="*")})
    cors.add(app.router.add_get("/", handler))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    exposed = {name.lower() for name in response.headers[ACEH].split(",")}
    assert {"x-one", "x-two"} <= exposed
    # Already readable, never readable, or CORS's own: not listed.
    for name in ("cache-control", "content-type", "content-length", "set-cookie"):
        assert name not in exposed
    assert not any(name.startswith("access-control-") for name in exposed)


# --- Vary ----------------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [None, PAGE, OTHER])
async def test_vary_origin_on_every_response(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory, origin: str | None
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", hello))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": origin} if origin else {})
    assert response.headers.getall("Vary") == ["Origin"]


async def test_vary_merges_with_handler_vary(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    async def varying(request: web.Request) -> web.Response:
        return web.Response(text=BODY, headers={"Vary": "Accept-Encoding, Cookie"})

    async def already(request: web.Request) -> web.Response:
        return web.Response(text=BODY, headers={"Vary": "origin"})

    async def everything(request: web.Request) -> web.Response:
        return web.Response(text=BODY, headers={"Vary": "*"})

    app, cors = cors_app({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/varying", varying))
    cors.add(app.router.add_get("/already", already))
    cors.add(app.router.add_get("/everything", everything))
    client = await aiohttp_client(app)
    response = await client.get("/varying", headers={"Origin": PAGE})
    assert response.headers.getall("Vary") == ["Accept-Encoding, Cookie, Origin"]
    response = await client.get("/already", headers={"Origin": PAGE})
    assert response.headers.getall("Vary") == ["origin"]
    response = await client.get("/everything")
    assert response.headers.getall("Vary") == ["*"]


async def test_resources_without_cors_get_no_vary(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/cors", hello))
    app.router.add_get("/plain", hello)
    client = await aiohttp_client(app)
    response = await client.get("/plain", headers={"Origin": PAGE})
    assert "Vary" not in response.headers
    assert no_cors_headers(response.headers)


# --- handlers that set CORS headers themselves ---------------------------------------------


async def self_serving(request: web.Request) -> web.Response:
    response = web.Response(text=BODY)
    response.headers.add(ACAO, "*")
    response.headers.add(ACAO, "https://evil.example")
    response.headers[ACAC] = "true"
    response.headers[ACEH] = "X-Secret"
    return response


async def test_handler_set_acao_is_replaced_for_allowed_origin(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions(expose_headers=("X-Payload-Id",))})
    cors.add(app.router.add_get("/", self_serving))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.status == 200
    assert await response.text() == BODY
    assert response.headers.getall(ACAO) == [PAGE]
    assert ACAC not in response.headers
    assert response.headers.getall(ACEH) == ["X-Payload-Id"]


async def test_handler_set_acao_is_removed_for_refused_origin(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", self_serving))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": OTHER})
    assert response.status == 200
    assert no_cors_headers(response.headers)


# --- errors raised by handlers -------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 404, 500])
async def test_http_errors_carry_cors_headers(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory, status: int
) -> None:
    async def failing(request: web.Request) -> web.Response:
        raise _error(status)

    app, cors = cors_app({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", failing))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.status == status
    assert response.headers[ACAO] == PAGE


def _error(status: int) -> web.HTTPException:
    errors: dict[int, type[web.HTTPException]] = {
        401: web.HTTPUnauthorized,
        404: web.HTTPNotFound,
        500: web.HTTPInternalServerError,
    }
    return errors[status]()


async def test_unexpected_exception_gets_cors_headers(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    async def crashing(request: web.Request) -> web.Response:
        raise RuntimeError("boom")

    app, cors = cors_app({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", crashing))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.status == 500


# --- the documented rule for handler-set CORS headers (security round 2) ------------------


async def test_handler_set_expose_headers_never_survive_the_config(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    async def leaky(request: web.Request) -> web.Response:
        return web.Response(
            headers={
                "Access-Control-Expose-Headers": "X-Secret",
                "Access-Control-Allow-Credentials": "true",
                "X-Secret": "s3cr3t",
            }
        )

    app, cors = cors_app({PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", leaky))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    assert ACEH not in response.headers
    assert ACAC not in response.headers
