"""Applications for ``python -m aiohttp_cors routes`` in tests/test_routes_cli.py, in each
form the command takes: an Application, a function, an async function, a function given the
remaining command-line arguments."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

PAGE = "https://page.example"


async def hello(request: web.Request) -> web.Response:
    return web.Response(text="hello")


def make_app(argv: Sequence[str]) -> web.Application:
    """An API whose surface the arguments change: each option adds to what PAGE (or
    --origin) may do, so that a test can widen or narrow it from the command line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--origin", action="append", default=[])
    parser.add_argument("--credentials", action="store_true")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--expose", action="append", default=[])
    parser.add_argument("--method", action="append", default=[])
    parser.add_argument("--path", action="append", default=[])
    parser.add_argument("--max-age", type=int)
    parser.add_argument("--websocket-star", action="store_true")
    args = parser.parse_args(argv)
    options = ResourceOptions(
        allow_credentials=args.credentials,
        allow_headers=args.header,
        expose_headers=args.expose,
        max_age=args.max_age,
    )
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=dict.fromkeys([PAGE, *args.origin], options))
    cors.add(app.router.add_get("/items", hello))
    for method in args.method:
        cors.add(app.router.add_route(method, "/items", hello))
    for path in args.path:
        cors.add(app.router.add_get(path, hello))
    socket_config = {"*": ResourceOptions()} if args.websocket_star else {PAGE: ResourceOptions()}
    cors.add(app.router.add_get("/ws", hello), socket_config, inherit_defaults=False)
    return app


def create_app() -> web.Application:
    return make_app([])


async def create_app_async() -> web.Application:
    return make_app(["--origin", "https://async.example"])


app = make_app(["--origin", "https://module-level.example"])


def no_cors() -> web.Application:
    application = web.Application()
    application.router.add_get("/", hello)
    return application


def not_an_app() -> str:
    return "not an application"


def broken_config() -> web.Application:
    class Broken(web.View, aiohttp_cors.CorsViewMixin):
        cors_config = {"not an origin": ResourceOptions()}

        async def get(self) -> web.Response:
            return web.Response()

    application = web.Application()
    aiohttp_cors.setup(application, all_routes=True)
    application.router.add_view("/broken", Broken)
    return application


def failing_factory() -> web.Application:
    raise RuntimeError("database unreachable")
