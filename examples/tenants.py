"""A multi-tenant API: each tenant's host may be called from that tenant's own sites only.

Every customer gets an API host of their own (``shop-one.api.example.com``), served by
the same application.  Which web sites may call it depends on the host the request was
sent to, so the origin key is a callable that takes the request as well as the origin:
``def check(origin, request)``.  The plugin calls it for every request whose origin no
other key decides, and never caches its answer.

The table is a dict here; an ``async def check(origin, request)`` can look it up in a
database instead (see examples/dynamic_origins.py for a cache in front of one).

Try it::

    python examples/tenants.py
    curl -i http://127.0.0.1:8080/orders -H "Host: shop-one.api.example.com" \\
         -H "Origin: https://www.shop-one.example"
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

#: API host of each tenant -> the origins of that tenant's own web sites.
TENANT_SITES: dict[str, frozenset[str]] = {
    "shop-one.api.example.com": frozenset(
        {"https://www.shop-one.example", "https://admin.shop-one.example"}
    ),
    "shop-two.api.example.com": frozenset({"https://shop-two.example"}),
}


# The answer depends on the Host the request went to, which is part of the URL every cache
# keys on, and on no other request header: varies_on() with no name says so.
@aiohttp_cors.varies_on()
def is_tenant_site(origin: str, request: web.Request) -> bool:
    """Whether ``origin`` is a site of the tenant whose API host the request went to."""
    return origin in TENANT_SITES.get(request.host.lower(), frozenset())


async def list_orders(request: web.Request) -> web.Response:
    return web.json_response({"tenant": request.host, "orders": []})


async def create_order(request: web.Request) -> web.Response:
    return web.json_response(await request.json(), status=201)


def build_app() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(
        app,
        defaults={
            is_tenant_site: ResourceOptions(
                allow_headers=("Authorization", "Content-Type"),
                max_age=600,
            ),
        },
    )
    orders = app.router.add_resource("/orders")
    cors.add(orders.add_route("GET", list_orders))
    cors.add(orders.add_route("POST", create_order))
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
