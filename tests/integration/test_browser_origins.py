"""Origin keys beyond exact strings: subdomain and port wildcards, regexes (whole-match),
sync and async callables.  The page is loaded from several host names of the same port;
Chromium resolves every *.localhost name to the loopback address."""

from __future__ import annotations

import re

import pytest

from aiohttp_cors import ResourceOptions

from .apps import start_cors_api
from .harness import Page, ServerPool, assert_calls, assert_seen_header

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("www.app.localhost", True),
        ("a.b.app.localhost", True),  # any depth
        ("app.localhost", False),  # the apex is not its own subdomain
        ("evilapp.localhost", False),  # a suffix match must stop at a dot
        ("127.0.0.1", False),
    ],
)
def test_subdomain_wildcard(page: Page, servers: ServerPool, host: str, allowed: bool) -> None:
    page.goto(host)
    api = start_cors_api(
        servers,
        {f"http://*.app.localhost:{page.server.port}": ResourceOptions()},
        methods=("PUT",),
    )

    res = page.fetch(api.url("/api"), method="PUT")

    if allowed:
        res.assert_readable(200, "PUT /api")
        assert_calls(api, [("OPTIONS", "/api"), ("PUT", "/api")], res)
    else:
        res.assert_blocked()
        assert_calls(api, [("OPTIONS", "/api")], res)
    assert_seen_header(api.requests()[0], "Origin", page.origin, res)


@pytest.mark.parametrize(("host", "allowed"), [("127.0.0.1", True), ("localhost", False)])
def test_port_wildcard(page: Page, servers: ServerPool, host: str, allowed: bool) -> None:
    page.goto(host)
    api = start_cors_api(servers, {"http://127.0.0.1:*": ResourceOptions()})

    res = page.fetch(api.url("/api"))

    if allowed:
        res.assert_readable(200, "GET /api")
    else:
        res.assert_blocked()
    assert_calls(api, [("GET", "/api")], res)


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [
        (r"http://127\.0\.0\.1:\d+", True),
        (r"http://(app|api)\.localhost:\d+|http://127\.0\.0\.1:[0-9]{2,5}", True),
        (r"http://127\.0\.0\.1", False),  # must match the whole origin, not a prefix
        (r"127\.0\.0\.1:\d+", False),  # ... nor a suffix
    ],
    ids=["whole", "alternation", "prefix-only", "suffix-only"],
)
def test_regex_origin(page: Page, servers: ServerPool, pattern: str, allowed: bool) -> None:
    api = start_cors_api(servers, {re.compile(pattern): ResourceOptions()})

    res = page.fetch(api.url("/api"))

    if allowed:
        res.assert_readable(200, "GET /api")
        assert api.requests()[0].response_headers.get("Access-Control-Allow-Origin") == (
            page.origin
        ), res.describe()
    else:
        res.assert_blocked()
    assert_calls(api, [("GET", "/api")], res)


@pytest.mark.parametrize("allowed", [True, False])
def test_callable_origin(page: Page, servers: ServerPool, allowed: bool) -> None:
    asked: list[str] = []

    def decide(origin: str) -> bool:
        if not page.doctor_running:  # the doctor's cross-check asks too; count the browser's
            asked.append(origin)
        return allowed and origin == page.origin

    api = start_cors_api(servers, {decide: ResourceOptions()}, methods=("DELETE",))

    res = page.fetch(api.url("/api"), method="DELETE")

    if allowed:
        res.assert_readable(200, "DELETE /api")
        assert_calls(api, [("OPTIONS", "/api"), ("DELETE", "/api")], res)
    else:
        res.assert_blocked()
        assert_calls(api, [("OPTIONS", "/api")], res)
    assert asked, f"the callable was never asked\n{res.describe()}"
    assert set(asked) == {page.origin}, f"the callable saw {asked}\n{res.describe()}"


@pytest.mark.parametrize("allowed", [True, False])
def test_async_callable_origin(page: Page, servers: ServerPool, allowed: bool) -> None:
    async def decide(origin: str) -> bool:
        return allowed and origin == page.origin

    api = start_cors_api(servers, {decide: ResourceOptions(allow_headers=("X-Custom",))})

    res = page.fetch(api.url("/api"), headers={"X-Custom": "async"})

    if allowed:
        res.assert_readable(200, "GET /api x-custom=async")
        assert_calls(api, [("OPTIONS", "/api"), ("GET", "/api")], res)
    else:
        res.assert_blocked()
        assert_calls(api, [("OPTIONS", "/api")], res)
