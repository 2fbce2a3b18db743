"""The recipes of docs/recipes.rst behave as the page says: multi-tenant origins, a public
API behind a CDN, narrowing a route, app-wide mode for /api only.

tests/test_examples.py checks that every example builds and answers; this module checks
what each recipe claims, with the browser model of ``aiohttp_cors.testing`` where a page's
point of view is the claim, and with raw requests where headers a page cannot set (Host)
or the exact header values are."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from aiohttp_cors.testing import assert_allowed, assert_blocked

from .helpers import ACAC, ACAO, ACRH, ACRM, HANDSHAKE, ORIGIN

if TYPE_CHECKING:
    from .helpers import AiohttpClient

EXAMPLES = Path(__file__).parent.parent / "examples"
OTHER_SITE = "https://other-site.example"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"recipe_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TENANTS = load("tenants")
PUBLIC_API = load("public_api")
NARROWING = load("narrowing")
SCOPED = load("scoped_app_wide")
HOSTS = load("host_allow_list")


# --- multi-tenant origins: a callable that takes the request --------------------------------


async def test_each_tenant_host_admits_its_own_sites_only(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(TENANTS.build_app())
    shop_one, shop_two = "shop-one.api.example.com", "shop-two.api.example.com"
    cases = [
        (shop_one, "https://www.shop-one.example", True),
        (shop_one, "https://admin.shop-one.example", True),
        (shop_one, "https://shop-two.example", False),
        (shop_two, "https://shop-two.example", True),
        (shop_two, "https://www.shop-one.example", False),
        ("unknown.api.example.com", "https://www.shop-one.example", False),
    ]
    for host, origin, admitted in cases:
        response = await client.get("/orders", headers={"Host": host, ORIGIN: origin})
        assert response.headers.get(ACAO) == (origin if admitted else None), (host, origin)
        assert response.headers["Vary"] == "Origin"


async def test_a_tenant_site_may_post_json_with_a_token(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(TENANTS.build_app())
    preflight = {
        "Host": "shop-one.api.example.com",
        ORIGIN: "https://www.shop-one.example",
        ACRM: "POST",
        ACRH: "authorization,content-type",
    }
    response = await client.options("/orders", headers=preflight)
    assert response.status == 200
    assert response.headers[ACAO] == "https://www.shop-one.example"
    response = await client.options("/orders", headers={**preflight, "Host": "other.example"})
    assert response.status == 403
    assert "origin 'https://www.shop-one.example' is not allowed" in await response.text()


# --- a public API behind a CDN: send_wildcard -----------------------------------------------


async def test_the_public_api_answers_every_site_with_one_copy(
    aiohttp_client: AiohttpClient,
) -> None:
    client = await aiohttp_client(PUBLIC_API.build_app())
    for origin in ("https://any-site.example", "null", "https://app.example.com"):
        await assert_allowed(client, "/v1/rates", origin=origin, read_headers=["X-Rates-Updated"])
    for headers in ({ORIGIN: "https://any-site.example"}, {}):
        response = await client.get("/v1/rates", headers=headers)
        assert response.headers.getall(ACAO) == ["*"]
        assert "Vary" not in response.headers
        assert response.headers["Cache-Control"] == "public, max-age=300"


async def test_the_public_api_takes_no_cookies(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(PUBLIC_API.build_app())
    # A browser refuses '*' on a credentialed request.
    await assert_blocked(client, "/v1/rates", origin="https://any-site.example", credentials=True)


async def test_the_account_route_beside_it_varies_by_origin(
    aiohttp_client: AiohttpClient,
) -> None:
    client = await aiohttp_client(PUBLIC_API.build_app())
    await assert_allowed(client, "/v1/account", origin=PUBLIC_API.APP_ORIGIN, credentials=True)
    await assert_blocked(client, "/v1/account", origin=OTHER_SITE)
    response = await client.get("/v1/account")
    assert response.headers["Vary"] == "Origin"


# --- narrowing a route: inherit_defaults=False ----------------------------------------------


async def test_narrowed_routes_refuse_what_the_defaults_allow(
    aiohttp_client: AiohttpClient,
) -> None:
    client = await aiohttp_client(NARROWING.build_app())
    site, admin = NARROWING.SITE_ORIGIN, NARROWING.ADMIN_ORIGIN
    await assert_allowed(client, "/products", origin=site)
    await assert_allowed(client, "/products", origin=admin, credentials=True)
    await assert_blocked(client, "/users", origin=site)
    await assert_allowed(client, "/users", origin=admin, credentials=True)
    await assert_blocked(client, "/settings", origin=site)
    verdict = await assert_allowed(
        client,
        "/settings",
        origin=admin,
        method="PUT",
        headers={"Content-Type": "application/json"},
        body='{"theme": "light"}',
        credentials=True,
    )
    assert verdict.preflighted


# --- app-wide mode for /api only ------------------------------------------------------------


async def test_every_api_route_and_nothing_else(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(SCOPED.build_app())
    app_origin = SCOPED.APP_ORIGIN
    await assert_allowed(client, "/api/items", origin=app_origin, credentials=True)
    verdict = await assert_allowed(
        client,
        "/api/items",
        origin=app_origin,
        method="POST",
        headers={"Content-Type": "application/json"},
        body='{"name": "mug"}',
        credentials=True,
    )
    assert verdict.status == 201
    for path in ("/", "/healthz"):
        response = await client.get(path, headers={ORIGIN: app_origin})
        assert ACAO not in response.headers and "Vary" not in response.headers, path


async def test_router_errors_under_api_are_readable(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(SCOPED.build_app())
    verdict = await assert_allowed(
        client, "/api/missing", origin=SCOPED.APP_ORIGIN, credentials=True
    )
    assert verdict.status == 404
    response = await client.get("/missing", headers={ORIGIN: SCOPED.APP_ORIGIN})
    assert response.status == 404 and ACAO not in response.headers


async def test_decorated_handlers_inside_the_scope(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(SCOPED.build_app())
    await assert_blocked(client, "/api/audit", origin=SCOPED.APP_ORIGIN, credentials=True)
    await assert_allowed(client, "/api/audit", origin=SCOPED.ADMIN_ORIGIN, credentials=True)
    # The exempt webhook: its preflight is refused, its responses carry no CORS headers.
    await assert_blocked(
        client,
        "/api/webhooks/payment",
        origin=SCOPED.APP_ORIGIN,
        method="POST",
        headers={"Content-Type": "application/json"},
        body="{}",
    )
    response = await client.post("/api/webhooks/payment", headers={ORIGIN: SCOPED.APP_ORIGIN})
    assert response.status == 204
    assert ACAO not in response.headers and ACAC not in response.headers
    assert "Vary" not in response.headers


async def test_only_the_served_host_names_are_answered(aiohttp_client: AiohttpClient) -> None:
    """docs/security.rst, DNS rebinding: a rebound page's requests name its own host."""
    client = await aiohttp_client(HOSTS.build_app())
    response = await client.get("/status", headers={"Host": "localhost:8080"})
    assert response.status == 200
    rebound = {"Host": "evil.example", ORIGIN: "https://evil.example"}
    response = await client.get("/status", headers=rebound)
    assert response.status == 421
    response = await client.get("/control", headers={**rebound, **HANDSHAKE})
    assert response.status == 421
    # The server's own pages still open the socket; a stranger gets the 403, not a 500.
    own = {"Host": "app.example.com", ORIGIN: "http://app.example.com", **HANDSHAKE}
    assert (await client.get("/control", headers=own)).status == 101
    other = {"Host": "app.example.com", ORIGIN: "https://other.example", **HANDSHAKE}
    assert (await client.get("/control", headers=other)).status == 403
