"""Count refused CORS requests in Prometheus: one ``cors.on_refusal`` receiver.

Every refused preflight, actual request and WebSocket handshake reaches the receivers of
``cors.on_refusal`` as ``(request, refusal)``.  Here one receiver increments a counter
labelled by what was refused and where; ``/metrics`` serves it to Prometheus.

The labels are the kind (``preflight``, ``actual``, ``handshake``) and the route's path
pattern (``/api/items/{id}``): both come from your code, so the number of series stays
small.  Never label by origin or by reason: a client can send any Origin, and each new
value would make a new series (the reason text names the origin).  Log those instead.

Try it::

    python examples/refusal_metrics.py
    curl -i -X OPTIONS http://127.0.0.1:8080/api/items -H "Origin: https://evil.example" \\
         -H "Access-Control-Request-Method: DELETE"
    curl http://127.0.0.1:8080/metrics | grep cors_refusals
"""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest

import aiohttp_cors
from aiohttp_cors import Refusal, ResourceOptions

log = logging.getLogger("cors.refusals")
REGISTRY_KEY = web.AppKey("registry", CollectorRegistry)


async def list_items(request: web.Request) -> web.Response:
    return web.json_response([{"id": 1}])


@aiohttp_cors.cors_exempt
async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[REGISTRY_KEY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def build_app(registry: CollectorRegistry | None = None) -> web.Application:
    # A registry of its own, so that tests can build the app twice; in production
    # prometheus_client.REGISTRY is the usual choice.
    registry = registry if registry is not None else CollectorRegistry()
    refusals = Counter(
        "cors_refusals",
        "CORS requests refused by aiohttp_cors, by kind and route",
        ["kind", "route"],
        registry=registry,
    )

    async def count_refusal(request: web.Request, refusal: Refusal) -> None:
        refusals.labels(kind=refusal.kind, route=refusal.route).inc()
        # The details go to the log, where an unbounded origin costs one line.
        log.info("CORS refused", extra={"cors": refusal.to_json()})

    app = web.Application()
    app[REGISTRY_KEY] = registry
    cors = aiohttp_cors.setup(
        app, defaults={"https://app.example.com": ResourceOptions(allow_methods=["DELETE"])}
    )
    cors.on_refusal.append(count_refusal)  # before the app starts: the signal freezes then
    cors.add(app.router.add_get("/api/items", list_items))
    app.router.add_get("/metrics", metrics)
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
