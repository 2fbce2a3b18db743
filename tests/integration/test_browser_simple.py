"""Simple requests (GET/HEAD/POST with safelisted headers): no preflight; the response is
readable only when it carries the right Access-Control-Allow-Origin."""

from __future__ import annotations

import pytest

from aiohttp_cors import ResourceOptions

from .apps import start_cors_api
from .harness import Page, ServerPool, assert_calls, assert_seen_header

pytestmark = pytest.mark.browser


def test_get_from_allowed_origin_is_readable(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions()})

    res = page.fetch(api.url("/api"))

    res.assert_readable(200, "GET /api")
    assert_calls(api, [("GET", "/api")], res)
    seen = api.requests()[0]
    assert_seen_header(seen, "Origin", page.origin, res)
    assert seen.response_headers.get("Access-Control-Allow-Origin") == page.origin, res.describe()
    assert "origin" in seen.response_headers.get("Vary", "").lower(), res.describe()


def test_head_is_simple_and_readable(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions()}, methods=("GET", "HEAD"))

    res = page.fetch(api.url("/api"), method="HEAD")

    res.assert_readable(200, "")
    assert_calls(api, [("HEAD", "/api")], res)


def test_post_text_plain_needs_no_preflight(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions()}, methods=("POST",))

    res = page.fetch(api.url("/api"), method="POST", body="hello")

    res.assert_readable(200, "POST /api body=hello")
    assert_calls(api, [("POST", "/api")], res)
    assert_seen_header(api.requests()[0], "Content-Type", "text/plain;charset=UTF-8", res)


def test_post_form_urlencoded_needs_no_preflight(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions()}, methods=("POST",))

    res = page.fetch(
        api.url("/api"),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body="a=1&b=2",
    )

    res.assert_readable(200, "POST /api body=a=1&b=2")
    assert_calls(api, [("POST", "/api")], res)


def test_safelisted_request_headers_need_no_preflight(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions()})

    res = page.fetch(
        api.url("/api"),
        headers={"Accept": "application/json", "Accept-Language": "de", "Content-Language": "fr"},
    )

    res.assert_readable(200, "GET /api")
    assert_calls(api, [("GET", "/api")], res)
    seen = api.requests()[0]
    assert_seen_header(seen, "Accept", "application/json", res)
    assert_seen_header(seen, "Content-Language", "fr", res)


def test_get_from_refused_origin_is_sent_but_unreadable(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {"http://other.example": ResourceOptions()})

    res = page.fetch(api.url("/api"))

    res.assert_blocked()
    # A simple request reaches the server anyway; only the response is withheld.
    assert_calls(api, [("GET", "/api")], res)
    seen = api.requests()[0]
    assert "Access-Control-Allow-Origin" not in seen.response_headers, res.describe()
    assert "origin" in seen.response_headers.get("Vary", "").lower(), res.describe()


def test_xhr_get_from_allowed_origin_is_readable(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions()})

    res = page.xhr(api.url("/api"))

    res.assert_readable(200, "GET /api")
    assert_calls(api, [("GET", "/api")], res)


def test_xhr_from_refused_origin_fires_error_event(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {"http://other.example": ResourceOptions()})

    res = page.xhr(api.url("/api"))

    res.assert_blocked()
    assert_calls(api, [("GET", "/api")], res)
