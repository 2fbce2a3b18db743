"""Preflighted requests: non-safelisted methods, custom headers, JSON bodies; what the
browser asks in the OPTIONS request and whether the actual request follows; preflight
caching with max_age."""

from __future__ import annotations

import json

import pytest
from aiohttp import http_parser, web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

from .apps import start_cors_api
from .harness import Page, ServerPool, assert_calls, assert_seen_header, echo

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_preflighted_method_is_allowed(page: Page, servers: ServerPool, method: str) -> None:
    # PATCH is written upper-case: a browser sends other spellings verbatim, and aiohttp's
    # C parser answers a lower-case method with 400 before any application code runs.
    api = start_cors_api(servers, {page.origin: ResourceOptions()}, methods=("GET", method))

    res = page.fetch(api.url("/api"), method=method)

    res.assert_readable(200, f"{method} /api")
    assert_calls(api, [("OPTIONS", "/api"), (method, "/api")], res)
    preflight, actual = api.requests()
    assert preflight.is_preflight, res.describe()
    assert preflight.status == 200, res.describe()
    assert_seen_header(preflight, "Access-Control-Request-Method", method, res)
    assert_seen_header(preflight, "Access-Control-Request-Headers", None, res)
    assert_seen_header(actual, "Origin", page.origin, res)


def test_put_with_body_reaches_handler(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions()}, methods=("PUT",))

    res = page.fetch(api.url("/api"), method="PUT", body="payload")

    res.assert_readable(200, "PUT /api body=payload")
    assert_calls(api, [("OPTIONS", "/api"), ("PUT", "/api")], res)


def test_custom_request_header_allowed(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions(allow_headers=("X-Custom",))})

    res = page.fetch(api.url("/api"), headers={"X-Custom": "42"})

    res.assert_readable(200, "GET /api x-custom=42")
    assert_calls(api, [("OPTIONS", "/api"), ("GET", "/api")], res)
    preflight, actual = api.requests()
    assert_seen_header(preflight, "Access-Control-Request-Method", "GET", res)
    assert_seen_header(preflight, "Access-Control-Request-Headers", "x-custom", res)
    assert_seen_header(actual, "X-Custom", "42", res)


def test_custom_request_header_not_allowed_stops_at_preflight(
    page: Page, servers: ServerPool
) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions(allow_headers=("X-Other",))})

    res = page.fetch(api.url("/api"), headers={"X-Custom": "42"})

    res.assert_blocked()
    assert_calls(api, [("OPTIONS", "/api")], res)
    preflight = api.requests()[0]
    assert preflight.status == 403, res.describe()
    assert "Access-Control-Allow-Origin" not in preflight.response_headers, res.describe()


def test_json_body_is_preflighted(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(
        servers,
        {page.origin: ResourceOptions(allow_headers=("Content-Type",))},
        methods=("POST",),
    )
    payload = json.dumps({"name": "cors", "n": 1})

    res = page.fetch(
        api.url("/api"),
        method="POST",
        headers={"Content-Type": "application/json"},
        body=payload,
    )

    res.assert_readable(200, f"POST /api body={payload}")
    assert_calls(api, [("OPTIONS", "/api"), ("POST", "/api")], res)
    preflight, actual = api.requests()
    assert_seen_header(preflight, "Access-Control-Request-Headers", "content-type", res)
    assert_seen_header(actual, "Content-Type", "application/json", res)


def test_an_added_routes_method_passes_whatever_allow_methods_lists(
    page: Page, servers: ServerPool
) -> None:
    # compat: 0.8.1 admits the method of a route passed to cors.add even when an
    # allow_methods list leaves it out: the list adds methods, it never removes one.
    api = start_cors_api(
        servers,
        {page.origin: ResourceOptions(allow_methods=("GET", "PUT"))},
        methods=("GET", "PUT", "DELETE"),
    )

    res = page.fetch(api.url("/api"), method="DELETE")

    res.assert_readable(200, "DELETE /api")
    assert_calls(api, [("OPTIONS", "/api"), ("DELETE", "/api")], res)


def test_method_outside_allow_methods_of_a_star_route_stops_at_preflight(
    page: Page, servers: ServerPool
) -> None:
    # A '*' route serves every method, so there allow_methods is what limits them.
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_route("*", "/api", echo),
        {page.origin: ResourceOptions(allow_methods=("GET", "PUT"))},
    )
    api = servers.start(app)

    res = page.fetch(api.url("/api"), method="DELETE")

    res.assert_blocked()
    assert_calls(api, [("OPTIONS", "/api")], res)
    assert api.requests()[0].status == 403, res.describe()


def test_method_of_route_not_registered_with_cors_stops_at_preflight(
    page: Page, servers: ServerPool
) -> None:
    # allow_methods=None: only methods of routes passed to cors.add are allowed.
    api = start_cors_api(servers, {page.origin: ResourceOptions()}, methods=("GET", "PUT"))

    res = page.fetch(api.url("/api"), method="DELETE")

    res.assert_blocked()
    assert_calls(api, [("OPTIONS", "/api")], res)


def test_preflight_from_refused_origin_never_sends_actual_request(
    page: Page, servers: ServerPool
) -> None:
    api = start_cors_api(servers, {"http://other.example": ResourceOptions()}, methods=("PUT",))

    res = page.fetch(api.url("/api"), method="PUT", body="nope")

    res.assert_blocked()
    assert_calls(api, [("OPTIONS", "/api")], res)
    assert api.requests()[0].status == 403, res.describe()


def test_authorization_header_allowed_by_star(page: Page, servers: ServerPool) -> None:
    # "*" alone does not cover Authorization in a browser; the package echoes the requested
    # names instead of sending "*", so Authorization is listed by name and allowed.
    api = start_cors_api(servers, {page.origin: ResourceOptions(allow_headers="*")})

    res = page.fetch(api.url("/api"), headers={"Authorization": "Bearer t0k3n", "X-Custom": "yes"})

    res.assert_readable(200, "GET /api x-custom=yes")
    assert_calls(api, [("OPTIONS", "/api"), ("GET", "/api")], res)
    preflight, actual = api.requests()
    assert_seen_header(preflight, "Access-Control-Request-Headers", "authorization,x-custom", res)
    assert_seen_header(preflight, "Authorization", None, res)
    assert_seen_header(actual, "Authorization", "Bearer t0k3n", res)


def test_max_age_caches_preflight(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions(max_age=600)}, methods=("PUT",))

    first = page.fetch(api.url("/api"), method="PUT", body="1")
    second = page.fetch(api.url("/api"), method="PUT", body="2")

    first.assert_readable(200, "PUT /api body=1")
    second.assert_readable(200, "PUT /api body=2")
    # The second identical request reuses the cached preflight answer.
    assert_calls(api, [("OPTIONS", "/api"), ("PUT", "/api"), ("PUT", "/api")], second)
    preflight = api.requests()[0]
    assert preflight.response_headers.get("Access-Control-Max-Age") == "600", second.describe()


def test_max_age_zero_disables_preflight_cache(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions(max_age=0)}, methods=("PUT",))

    first = page.fetch(api.url("/api"), method="PUT", body="1")
    second = page.fetch(api.url("/api"), method="PUT", body="2")

    first.assert_readable(200, "PUT /api body=1")
    second.assert_readable(200, "PUT /api body=2")
    assert_calls(
        api,
        [("OPTIONS", "/api"), ("PUT", "/api"), ("OPTIONS", "/api"), ("PUT", "/api")],
        second,
    )


def test_preflight_cache_is_per_method(page: Page, servers: ServerPool) -> None:
    # The answer lists only the requested method, so a cached PUT says nothing about DELETE.
    api = start_cors_api(
        servers, {page.origin: ResourceOptions(max_age=600)}, methods=("PUT", "DELETE")
    )

    first = page.fetch(api.url("/api"), method="PUT")
    second = page.fetch(api.url("/api"), method="PUT")
    third = page.fetch(api.url("/api"), method="DELETE")

    for res in (first, second):
        res.assert_readable(200, "PUT /api")
    third.assert_readable(200, "DELETE /api")
    assert_calls(
        api,
        [
            ("OPTIONS", "/api"),
            ("PUT", "/api"),
            ("PUT", "/api"),
            ("OPTIONS", "/api"),
            ("DELETE", "/api"),
        ],
        third,
    )


def test_lower_case_patch_is_not_the_patch_route(page: Page, servers: ServerPool) -> None:
    # Browsers send "patch" verbatim (only DELETE/GET/HEAD/OPTIONS/POST/PUT are normalised)
    # and compare it case-sensitively with Access-Control-Allow-Methods.  Methods are
    # case-sensitive, so a PATCH route does not allow "patch"; answering "PATCH" would be
    # rejected by the browser anyway.
    api = start_cors_api(servers, {page.origin: ResourceOptions()}, methods=("PATCH",))

    res = page.fetch(api.url("/api"), method="patch", body="lower")

    res.assert_blocked()
    assert_calls(api, [("OPTIONS", "/api")], res)
    preflight = api.requests()[0]
    assert_seen_header(preflight, "Access-Control-Request-Method", "patch", res)
    assert preflight.status == 403, res.describe()


def test_lower_case_patch_with_allow_methods_star(page: Page, servers: ServerPool) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_route("*", "/api", echo), {page.origin: ResourceOptions()})
    api = servers.start(app)

    res = page.fetch(api.url("/api"), method="patch", body="lower")

    preflight = api.requests()[0]
    assert_seen_header(preflight, "Access-Control-Request-Method", "patch", res)
    # The answer must echo the method byte for byte, or the browser stops here.
    assert preflight.status == 200, res.describe()
    assert preflight.response_headers.get("Access-Control-Allow-Methods") == "patch", res.describe()
    assert not any("Access-Control-Allow-Methods" in line for line in res.console), res.describe()
    if http_parser.HttpRequestParser is http_parser.HttpRequestParserPy:
        # The pure-Python parser upper-cases the method: the '*' route answers it.
        res.assert_readable(200, "PATCH /api body=lower")
        assert_calls(api, [("OPTIONS", "/api"), ("PATCH", "/api")], res)
    else:
        # llhttp answers "patch" with 400 before any application code runs.
        res.assert_blocked()
        assert_calls(api, [("OPTIONS", "/api")], res)
