"""API servers built with aiohttp_cors, shared by the scenarios."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

import aiohttp_cors

from .harness import Server, ServerPool, echo


def start_cors_api(
    servers: ServerPool,
    config: Mapping[Any, aiohttp_cors.ResourceOptions],
    methods: Iterable[str] = ("GET",),
    path: str = "/api",
    name: str | None = None,
) -> Server:
    """One resource at *path* with an :func:`echo` route per method, each registered with
    ``cors.add(route, config)``."""
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    resource = app.router.add_resource(path)
    for method in methods:
        cors.add(resource.add_route(method, echo), config)
    return servers.start(app, name)


def start_plain_api(servers: ServerPool, methods: Iterable[str] = ("GET",)) -> Server:
    """The same resource with no CORS at all."""
    app = web.Application()
    resource = app.router.add_resource("/api")
    for method in methods:
        resource.add_route(method, echo)
    return servers.start(app)
