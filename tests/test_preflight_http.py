"""Preflight requests through real apps: verdicts and their texts, requested methods and
headers (hostile ones included), Max-Age, Vary, Private Network Access, the application's
own OPTIONS handlers, and the log line of a refusal."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions

from .helpers import (
    ACAC,
    ACAH,
    ACAM,
    ACAO,
    ACEH,
    ACMA,
    ACRH,
    BODY,
    hello,
    no_cors_headers,
    preflight,
)

if TYPE_CHECKING:
    from .helpers import AiohttpClient, CorsAppFactory, ShapedAppFactory

PAGE = "https://page.example"
OTHER = "https://other.example"
# The origins of the tests written against aiohttp-cors 0.8.1's behaviour, kept as they were.
HTTP_PAGE = "http://page.example"
HTTP_OTHER = "http://other.example"


# --- verdicts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status", "text"),
    [
        ({}, 403, "CORS preflight request failed: origin header is not specified in the request"),
        (
            preflight(HTTP_PAGE, None),
            403,
            "CORS preflight request failed: 'Access-Control-Request-Method' header is not "
            "specified",
        ),
        (
            preflight(HTTP_OTHER, "GET"),
            403,
            "CORS preflight request failed: origin 'http://other.example' is not allowed",
        ),
        (
            preflight(HTTP_PAGE, "POST"),
            403,
            "CORS preflight request failed: request method 'POST' is not allowed for "
            "'http://page.example' origin",
        ),
        (preflight(HTTP_PAGE, "GET"), 200, ""),
    ],
)
async def test_preflight_verdicts(
    aiohttp_client: AiohttpClient,
    shaped_app: ShapedAppFactory,
    headers: dict[str, str],
    status: int,
    text: str,
) -> None:
    client = await aiohttp_client(shaped_app(None, {HTTP_PAGE: ResourceOptions()}))
    response = await client.options("/data", headers=headers)
    assert response.status == status
    body = await response.text()
    if status == 200:
        assert body == ""
        assert response.headers[ACAO] == HTTP_PAGE
        assert response.headers[ACAM] == "GET"
        for name in (ACAC, ACMA, ACEH, ACAH):
            assert name not in response.headers
    else:
        assert text in body
        assert response.content_type == "text/plain"
        assert no_cors_headers(response.headers)


async def test_no_origins_allowed(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/data", hello))
    client = await aiohttp_client(app)
    response = await client.options("/data", headers=preflight(HTTP_PAGE, "GET"))
    assert response.status == 403
    assert "CORS preflight request failed: no origins are allowed" in await response.text()


async def test_max_age(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_headers="*", max_age=1200)})

    class View(web.View, CorsViewMixin):
        async def get(self) -> web.Response:
            return web.Response(text=BODY)

    resource = cors.add(app.router.add_resource("/res/{name}"))
    cors.add(resource.add_route("GET", hello))
    cors.add(app.router.add_route("*", "/view/{name}", View))
    client = await aiohttp_client(app)
    for path in ("/res/a", "/view/a"):
        response = await client.options(path, headers=preflight(HTTP_PAGE, "GET"))
        assert response.status == 200
        assert response.headers[ACMA] == "1200"


async def test_preflight_answers_vary(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    for origin in (PAGE, OTHER):
        response = await client.options("/", headers=preflight(origin, "PUT", "x-a"))
        vary = response.headers["Vary"]
        assert {part.strip() for part in vary.split(",")} == {
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers",
            "Access-Control-Request-Private-Network",
        }


# --- requested methods ---------------------------------------------------------------------


async def test_requested_method_is_case_sensitive(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions(allow_methods=["PATCH", "put"])})
    cors.add(app.router.add_route("*", "/", hello))
    client = await aiohttp_client(app)
    response = await client.options("/", headers=preflight(PAGE, "PATCH"))
    assert response.status == 200
    assert response.headers[ACAM] == "PATCH"
    # A page that wrote fetch(url, {method: "patch"}) sends "patch": browsers compare it
    # case-sensitively with Access-Control-Allow-Methods, so must we.
    response = await client.options("/", headers=preflight(PAGE, "patch"))
    assert response.status == 403
    response = await client.options("/", headers=preflight(PAGE, "PUT"))
    assert response.status == 200


@pytest.mark.parametrize("method", ["", "G ET", "PUT,DELETE", "PUT;"])
async def test_requested_method_must_be_a_token(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory, method: str
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions(allow_methods="*")})
    cors.add(app.router.add_get("/", hello))
    client = await aiohttp_client(app)
    response = await client.options("/", headers=preflight(PAGE, method))
    assert response.status == 403
    assert "is not a method name" in await response.text()
    assert no_cors_headers(response.headers)


# --- requested headers ---------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["view", "route", "resource"])
async def test_requested_headers(aiohttp_client: AiohttpClient, shape: str) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(
        app, defaults={"*": ResourceOptions(allow_headers=("Content-Type", "X-Header"))}
    )

    class View(web.View, CorsViewMixin):
        async def put(self) -> web.Response:
            return web.Response(text=BODY)

    if shape == "view":
        cors.add(app.router.add_route("*", "/", View))
    elif shape == "route":
        cors.add(app.router.add_route("PUT", "/", hello))
    else:
        resource = cors.add(app.router.add_resource("/"))
        cors.add(resource.add_route("PUT", hello))
    client = await aiohttp_client(app)

    response = await client.options("/", headers=preflight(HTTP_PAGE, "PUT", "content-type"))
    assert response.status == 200
    assert await response.text() == ""
    assert response.headers[ACAH].upper() == "CONTENT-TYPE"

    response = await client.options(
        "/", headers=preflight(HTTP_PAGE, "PUT", "X-Header,content-type")
    )
    assert response.status == 200
    assert set(response.headers[ACAH].upper().split(",")) == {"X-HEADER", "CONTENT-TYPE"}

    response = await client.options("/", headers=preflight(HTTP_PAGE, "PUT", "content-type,Test"))
    assert response.status == 403
    assert ACAH not in response.headers
    assert "headers are not allowed: TEST" in await response.text()


@pytest.mark.parametrize(
    "lines",
    [
        ["x-a,x-b"],
        ["X-A, X-B"],
        [" x-a ,, x-b ,"],
        ["x-a", "x-b"],
        ["x-b,x-a,X-A"],
    ],
)
async def test_requested_headers_parsed_leniently(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory, lines: list[str]
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions(allow_headers=("X-A", "x-b"))})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    headers = [("Origin", PAGE), ("Access-Control-Request-Method", "PUT")]
    headers += [(ACRH, line) for line in lines]
    response = await client.options("/", headers=headers)
    assert response.status == 200, await response.text()
    assert set(response.headers[ACAH].split(",")) == {"X-A", "X-B"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (["," * 4000] * 3, "more than the limit of 8192"),
        (",".join(f"x-{i}" for i in range(300)), "more than 256 elements"),
        ("x-a,bad header", "not a header name"),
        ("x-a,bad:header", "not a header name"),
    ],
)
async def test_hostile_requested_headers_are_refused(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory, value: str | list[str], reason: str
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    # aiohttp itself refuses a single header line over 8190 bytes, so the oversized case
    # spreads its value over several lines, as a hostile client may.
    lines = value if isinstance(value, list) else [value]
    headers = [("Origin", PAGE), ("Access-Control-Request-Method", "PUT")]
    headers += [(ACRH, line) for line in lines]
    response = await client.options("/", headers=headers)
    assert response.status == 403
    assert reason in await response.text()
    assert no_cors_headers(response.headers)


async def test_allow_headers_star_echoes_authorization(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    response = await client.options("/", headers=preflight(PAGE, "PUT", "authorization,x-a"))
    assert response.status == 200
    # Named explicitly: browsers never let a literal "*" cover Authorization.
    assert response.headers[ACAH] == "AUTHORIZATION,X-A"


# --- Private Network Access ----------------------------------------------------------------


@pytest.mark.parametrize("allowed", [True, False])
async def test_private_network_access(aiohttp_client: AiohttpClient, allowed: bool) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/", hello), {PAGE: ResourceOptions(allow_private_network=allowed)})
    client = await aiohttp_client(app)
    headers = {**preflight(PAGE, "GET"), "Access-Control-Request-Private-Network": "true"}
    response = await client.options("/", headers=headers)
    if allowed:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Private-Network"] == "true"
    else:
        assert response.status == 403
        assert "private network access is not allowed" in await response.text()
    response = await client.options("/", headers=preflight(PAGE, "GET"))
    assert response.status == 200
    assert "Access-Control-Allow-Private-Network" not in response.headers


# --- the application's own OPTIONS handlers ------------------------------------------------


async def test_user_options_handler_kept_for_non_preflights(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    async def my_options(request: web.Request) -> web.Response:
        return web.Response(text="my options", headers={"Allow": "GET, OPTIONS"})

    app, cors = cors_app({PAGE: ResourceOptions()})
    resource = app.router.add_resource("/")
    cors.add(resource.add_route("GET", hello))
    resource.add_route("OPTIONS", my_options)
    client = await aiohttp_client(app)
    response = await client.options("/")
    assert response.status == 200
    assert await response.text() == "my options"
    response = await client.options("/", headers={"Origin": PAGE})
    assert await response.text() == "my options"
    assert response.headers[ACAO] == PAGE
    response = await client.options("/", headers=preflight(PAGE, "GET"))
    assert response.status == 200
    assert await response.text() == ""
    assert response.headers[ACAM] == "GET"


async def test_adding_resource_with_options_route_is_allowed(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    async def my_options(request: web.Request) -> web.Response:
        return web.Response(text="mine")

    app, cors = cors_app({PAGE: ResourceOptions(allow_methods="*")})
    route = app.router.add_route("OPTIONS", "/opt", my_options)
    resource = route.resource
    assert resource is not None
    cors.add(resource)
    client = await aiohttp_client(app)
    response = await client.options("/opt")
    assert await response.text() == "mine"
    response = await client.options("/opt", headers=preflight(PAGE, "OPTIONS"))
    assert response.status == 200
    assert response.headers[ACAM] == "OPTIONS"
    # A method the resource does not serve would get a 405: its preflight is refused.
    response = await client.options("/opt", headers=preflight(PAGE, "DELETE"))
    assert response.status == 403


# --- diagnostics ---------------------------------------------------------------------------


async def test_refusals_are_logged_without_forgeable_lines(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/", hello), {PAGE: ResourceOptions()})
    client = await aiohttp_client(app)
    caplog.set_level(logging.DEBUG, logger="aiohttp_cors")
    hostile = "https://evil.example\tFAKE LOG LINE" + "x" * 500
    response = await client.options("/", headers=preflight(hostile, "GET"))
    assert response.status == 403
    assert no_cors_headers(response.headers)
    records = [r for r in caplog.records if r.name == "aiohttp_cors"]
    assert len(records) == 1
    line = records[0].getMessage()
    assert "preflight refused" in line
    assert "\t" not in line and "\n" not in line
    assert "\\t" in line  # escaped, visible
    assert len(line) < 600
    assert "route='/'" in line


# --- only methods the resource serves (issue "Compile CORS to answers", bug 3) ------------


@pytest.mark.parametrize("where", ["defaults", "route"])
async def test_a_method_the_resource_does_not_serve_is_refused(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory, where: str
) -> None:
    config = {PAGE: ResourceOptions(allow_methods="*")}
    app, cors = cors_app(config if where == "defaults" else None)
    cors.add(app.router.add_get("/items", hello), config if where == "route" else None)
    client = await aiohttp_client(app)
    response = await client.options("/items", headers=preflight(PAGE, "DELETE"))
    assert response.status == 403
    assert (
        f"CORS preflight request failed: request method 'DELETE' is not allowed for '{PAGE}' origin"
        in await response.text()
    )
    assert no_cors_headers(response.headers)
    response = await client.options("/items", headers=preflight(PAGE, "GET"))
    assert response.status == 200


async def test_a_view_grants_the_methods_it_defines(aiohttp_client: AiohttpClient) -> None:
    class Items(web.View, CorsViewMixin):
        async def get(self) -> web.Response:
            return web.Response()

        async def put(self) -> web.Response:
            return web.Response()

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions(allow_methods="*")})
    cors.add(app.router.add_view("/items", Items))
    client = await aiohttp_client(app)
    for method, status in (("PUT", 200), ("GET", 200), ("DELETE", 403), ("PATCH", 403)):
        response = await client.options("/items", headers=preflight(PAGE, method))
        assert response.status == status, method


# --- hostile request-header lists (security round 2) --------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        # Under 8 KB with the header's name: aiohttp's pure-Python parser counts it.
        pytest.param("a," * 4000, id="8 KB of one repeated name"),
        pytest.param(",".join(["x"] * 300), id="300 elements"),
        pytest.param("x," + "," * 100, id="100 empty elements"),
    ],
)
async def test_hostile_request_header_lists_are_refused_early(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory, value: str
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    response = await client.options("/", headers={**preflight(PAGE, "PUT"), ACRH: value})
    assert response.status == 403
    assert no_cors_headers(response.headers)


async def test_refusals_are_plain_text_that_is_not_sniffed(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions()})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    response = await client.options("/", headers=preflight("https://<script>.example", "PUT"))
    assert response.status == 403
    assert response.content_type == "text/plain"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_private_network_preflights_vary_on_the_request_header(
    aiohttp_client: AiohttpClient, cors_app: CorsAppFactory
) -> None:
    app, cors = cors_app({PAGE: ResourceOptions(allow_private_network=True)})
    cors.add(app.router.add_put("/", hello))
    client = await aiohttp_client(app)
    headers = {**preflight(PAGE, "PUT"), "Access-Control-Request-Private-Network": "true"}
    response = await client.options("/", headers=headers)
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Private-Network"] == "true"
    vary = [part.strip() for part in response.headers["Vary"].split(",")]
    assert "Access-Control-Request-Private-Network" in vary
