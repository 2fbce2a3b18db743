"""Every form an origin key can take, on one route.

Keys are tried in this order: exact origins first, then the patterns (subdomain and
port wildcards, regular expressions, callables) in the order they are written, and
``"*"`` last.  The first key that matches decides the options.
"""

from __future__ import annotations

import re

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

PARTNERS = {"https://partner-one.example", "https://partner-two.example"}


def is_partner(origin: str) -> bool:
    """A plain callable: gets the request's Origin value, returns True to allow it."""
    return origin in PARTNERS


async def report(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_app() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(app)

    readonly = ResourceOptions(expose_headers=("X-Report-Id",))
    signed_in = ResourceOptions(allow_credentials=True, expose_headers=("X-Report-Id",))

    cors.add(
        app.router.add_get("/report", report),
        {
            # Exact origin: scheme, host and port must all be equal.
            "https://app.example.com": signed_in,
            # Any subdomain of example.com, at any depth (not example.com itself).
            "https://*.example.com": readonly,
            # Any port on localhost, for development servers.
            "http://localhost:*": readonly,
            # A regular expression must match the whole origin (re.fullmatch).
            re.compile(r"https://pr-\d+\.preview\.example\.net"): readonly,
            # A callable decides at request time.
            is_partner: readonly,
            # Everybody else may read, without cookies.
            "*": ResourceOptions(),
        },
    )
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
