"""Credentialed requests (cookies): readable only with allow_credentials=True; preflights
never carry cookies, the actual request does."""

from __future__ import annotations

import pytest

from aiohttp_cors import ResourceOptions

from .apps import start_cors_api
from .harness import Page, ServerPool, assert_calls, assert_seen_header

pytestmark = pytest.mark.browser


def test_cookies_with_allow_credentials_are_readable(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions(allow_credentials=True)})
    page.set_cookie("session", "abc123")

    res = page.fetch(api.url("/api"), credentials="include")

    res.assert_readable(200, "GET /api")
    assert_calls(api, [("GET", "/api")], res)
    seen = api.requests()[0]
    assert_seen_header(seen, "Cookie", "session=abc123", res)
    assert seen.response_headers.get("Access-Control-Allow-Origin") == page.origin, res.describe()
    assert seen.response_headers.get("Access-Control-Allow-Credentials") == "true", res.describe()


def test_cookies_without_allow_credentials_are_refused(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions(allow_credentials=False)})
    page.set_cookie("session", "abc123")

    res = page.fetch(api.url("/api"), credentials="include")

    res.assert_blocked()
    assert any("Access-Control-Allow-Credentials" in line for line in res.cors_console_errors), (
        res.describe()
    )
    # The cookie went out with the simple request; the browser only withholds the answer.
    assert_calls(api, [("GET", "/api")], res)
    assert_seen_header(api.requests()[0], "Cookie", "session=abc123", res)


def test_same_server_without_credentials_mode_is_readable(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions(allow_credentials=False)})
    page.set_cookie("session", "abc123")

    res = page.fetch(api.url("/api"), credentials="omit")

    res.assert_readable(200, "GET /api")
    assert_seen_header(api.requests()[0], "Cookie", None, res)


def test_credentialed_preflight_then_cookie_on_actual_request(
    page: Page, servers: ServerPool
) -> None:
    api = start_cors_api(
        servers,
        {page.origin: ResourceOptions(allow_credentials=True, allow_headers=("X-Custom",))},
        methods=("PUT",),
    )
    page.set_cookie("session", "s3cr3t")

    res = page.fetch(
        api.url("/api"), method="PUT", headers={"X-Custom": "c"}, credentials="include"
    )

    res.assert_readable(200, "PUT /api x-custom=c")
    assert_calls(api, [("OPTIONS", "/api"), ("PUT", "/api")], res)
    preflight, actual = api.requests()
    assert_seen_header(preflight, "Cookie", None, res)
    assert preflight.response_headers.get("Access-Control-Allow-Credentials") == "true", (
        res.describe()
    )
    assert_seen_header(actual, "Cookie", "session=s3cr3t", res)


def test_credentialed_preflight_refused_without_allow_credentials(
    page: Page, servers: ServerPool
) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions()}, methods=("PUT",))
    page.set_cookie("session", "s3cr3t")

    res = page.fetch(api.url("/api"), method="PUT", credentials="include")

    res.assert_blocked()
    assert_calls(api, [("OPTIONS", "/api")], res)


def test_xhr_with_credentials_is_readable(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(servers, {page.origin: ResourceOptions(allow_credentials=True)})
    page.set_cookie("token", "xhr")

    res = page.xhr(api.url("/api"), with_credentials=True)

    res.assert_readable(200, "GET /api")
    assert_seen_header(api.requests()[0], "Cookie", "token=xhr", res)


def test_credentialed_authorization_with_allow_headers_star(
    page: Page, servers: ServerPool
) -> None:
    # With credentials a literal "*" in Access-Control-Allow-Headers is just a header name;
    # the package must list the requested names for the request to pass.
    api = start_cors_api(
        servers, {page.origin: ResourceOptions(allow_credentials=True, allow_headers="*")}
    )
    page.set_cookie("session", "auth")

    res = page.fetch(
        api.url("/api"),
        headers={"Authorization": "Basic dXNlcjpwdw==", "X-Custom": "both"},
        credentials="include",
    )

    res.assert_readable(200, "GET /api x-custom=both")
    assert_calls(api, [("OPTIONS", "/api"), ("GET", "/api")], res)
    preflight, actual = api.requests()
    assert_seen_header(preflight, "Cookie", None, res)
    assert_seen_header(actual, "Authorization", "Basic dXNlcjpwdw==", res)
    assert_seen_header(actual, "Cookie", "session=auth", res)


def test_xhr_preflighted_put_with_credentials(page: Page, servers: ServerPool) -> None:
    api = start_cors_api(
        servers,
        {page.origin: ResourceOptions(allow_credentials=True, allow_headers=("Content-Type",))},
        methods=("PUT",),
    )
    page.set_cookie("token", "xhr-put")

    res = page.xhr(
        api.url("/api"),
        method="PUT",
        headers={"Content-Type": "application/json"},
        body='{"x": 1}',
        with_credentials=True,
    )

    res.assert_readable(200, 'PUT /api body={"x": 1}')
    assert_calls(api, [("OPTIONS", "/api"), ("PUT", "/api")], res)
    assert_seen_header(api.requests()[1], "Cookie", "token=xhr-put", res)
