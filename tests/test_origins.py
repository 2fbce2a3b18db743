"""Origin keys: validation with fixes, and matching (including bypass attempts)."""

from __future__ import annotations

import re

import pytest

from aiohttp_cors._core.options import ResourceOptions
from aiohttp_cors._core.origins import (
    AnyOrigin,
    ExactOrigin,
    OriginKeyError,
    PredicateOrigin,
    RegexOrigin,
    WildcardOrigin,
    is_sendable_origin,
    parse_origin_key,
    security_concerns,
)
from aiohttp_cors._core.policy import OriginTable, compile_rule, layer_of


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("*", AnyOrigin()),
        ("null", ExactOrigin("null")),
        ("https://example.com", ExactOrigin("https://example.com")),
        ("http://127.0.0.1:8080", ExactOrigin("http://127.0.0.1:8080")),
        ("http://[::1]:3000", ExactOrigin("http://[::1]:3000")),
        ("chrome-extension://abcdefgh", ExactOrigin("chrome-extension://abcdefgh")),
        ("https://xn--bcher-kva.example", ExactOrigin("https://xn--bcher-kva.example")),
    ],
)
def test_valid_keys(key: str, expected: object) -> None:
    assert parse_origin_key(key) == expected


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("https://example.com/", "did you mean 'https://example.com'?"),
        ("https://example.com/api", "has a path"),
        ("HTTPS://Example.com", "did you mean 'https://example.com'?"),
        ("https://example.com:443", "default port"),
        ("http://example.com:80", "did you mean 'http://example.com'?"),
        ("example.com", "has no scheme"),
        ("example.com", "did you mean 'https://example.com'?"),
        ("https://bücher.example", "did you mean 'https://xn--bcher-kva.example'?"),
        ("https://user@example.com", "user info"),
        ("", "empty"),
        ("https://example.com:99999", "not a serialized origin"),
        ("https://-bad.example", "invalid host name"),
    ],
)
def test_invalid_keys_explain_the_fix(key: str, fragment: str) -> None:
    with pytest.raises(OriginKeyError) as caught:
        parse_origin_key(key)
    assert fragment in str(caught.value)
    assert repr(key) in str(caught.value) or key == ""


@pytest.mark.parametrize(
    "key",
    [
        "https://*example.com",
        "https://ex*ample.com",
        "https://*.*.example.com",
        "*://example.com",
        "https://example.com:8*",
        "https://*.",
    ],
)
def test_bad_wildcards(key: str) -> None:
    with pytest.raises(OriginKeyError):
        parse_origin_key(key)


def test_non_string_key_keeps_0_8_1_text() -> None:
    with pytest.raises(ValueError, match="Origin must be string, got 42"):
        parse_origin_key(42)


def table(*keys: object) -> OriginTable:
    layer = layer_of((parse_origin_key(key), ResourceOptions()) for key in keys)
    return OriginTable.build([layer])


SUBDOMAIN_CASES = [
    ("https://a.example.com", True),
    ("https://a.b.example.com", True),
    ("https://example.com", False),  # never the apex
    ("https://evil-example.com", False),  # whole labels only
    ("https://a.example.com.evil.net", False),
    ("https://aexample.com", False),
    ("http://a.example.com", False),  # another scheme
    ("https://a.example.com:8443", False),  # another port
    ("https://.example.com", False),
    ("https://a..example.com", False),
    ("https://A.example.com", False),  # browsers send lower case
    ("https://a.example.com/", False),
    ("null", False),
]


@pytest.mark.parametrize(("origin", "allowed"), SUBDOMAIN_CASES)
def test_subdomain_wildcard(origin: str, allowed: bool) -> None:
    assert (table("https://*.example.com").match(origin) is not None) is allowed


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:3000", True),
        ("http://localhost:1", True),
        ("http://localhost", True),
        ("https://localhost:3000", False),
        ("http://localhost.evil.net:3000", False),
        ("http://evil.localhost:3000", False),
        ("http://localhost:3000:1", False),
        ("http://localhost:abc", False),
    ],
)
def test_port_wildcard(origin: str, allowed: bool) -> None:
    assert (table("http://localhost:*").match(origin) is not None) is allowed


def test_subdomain_and_port_wildcard() -> None:
    matcher = table("https://*.dev.example:*")
    assert matcher.match("https://a.dev.example:1234") is not None
    assert matcher.match("https://a.dev.example") is not None
    assert matcher.match("https://dev.example:1234") is None


@pytest.mark.parametrize(
    ("pattern", "origin", "allowed"),
    [
        (r"https://app\d\.example\.com", "https://app1.example.com", True),
        (r"https://app\d\.example\.com", "https://app1.example.com.evil.net", False),
        (r"^https://app\d\.example\.com", "https://app1.example.com.evil.net", False),
        (r"https://.*\.example\.com", "https://evil.com/.example.com", False),
        (r"https://app\d\.example\.com$", "xhttps://app1.example.com", False),
    ],
)
def test_regex_is_full_match(pattern: str, origin: str, allowed: bool) -> None:
    assert (table(re.compile(pattern)).match(origin) is not None) is allowed


def test_callable_and_failing_callable() -> None:
    def trusted(origin: str) -> bool:
        return origin.endswith(".trusted.example")

    def broken(origin: str) -> bool:
        raise RuntimeError("database down")

    assert table(trusted).match("https://a.trusted.example") is not None
    assert table(trusted).match("https://a.other.example") is None
    assert table(broken).match("https://a.trusted.example") is None
    assert isinstance(parse_origin_key(trusted), PredicateOrigin)


async def test_async_callable() -> None:
    async def lookup(origin: str) -> bool:
        return origin == "https://db.example"

    matcher = table(lookup)
    assert matcher.has_async
    assert await matcher.match_async("https://db.example") is not None
    assert await matcher.match_async("https://other.example") is None


def test_truthy_non_bool_from_callable_does_not_allow() -> None:
    assert table(lambda origin: "yes").match("https://a.example") is None


def test_precedence_exact_then_patterns_in_order_then_star() -> None:
    exact = ResourceOptions(max_age=1)
    first = ResourceOptions(max_age=2)
    second = ResourceOptions(max_age=3)
    star = ResourceOptions(max_age=4)
    layer = layer_of(
        [
            (parse_origin_key("*"), star),
            (parse_origin_key(re.compile(r"https://[a-z]+\.example\.com")), first),
            (parse_origin_key("https://*.example.com"), second),
            (parse_origin_key("https://a.example.com"), exact),
        ]
    )
    matcher = OriginTable.build([layer])
    assert matcher.match("https://a.example.com") == compile_rule(exact)
    assert matcher.match("https://b.example.com") == compile_rule(first)
    assert matcher.match("https://b1.example.com") == compile_rule(second)
    assert matcher.match("https://elsewhere.net") == compile_rule(star)


def test_layers_route_before_defaults() -> None:
    route, defaults = ResourceOptions(max_age=1), ResourceOptions(max_age=2)
    matcher = OriginTable.build(
        [
            layer_of([(parse_origin_key("*"), route)]),
            layer_of([(parse_origin_key("https://a.example"), defaults)]),
        ]
    )
    # A specific origin at any layer is found before "*" (aiohttp-cors 0.8.1's order).
    assert matcher.match("https://a.example") == compile_rule(defaults)
    assert matcher.match("https://b.example") == compile_rule(route)


@pytest.mark.parametrize(
    "origin",
    [
        "",
        "https://",
        "https://a.example/",
        "javascript:alert(1)",
        "https://a b.example",
        "https://a.example\x00",
        "https://" + "a" * 2000 + ".example",
        "NULL",
        "file://",
    ],
)
def test_star_never_reflects_junk(origin: str) -> None:
    assert table("*").match(origin) is None
    assert not is_sendable_origin(origin)


def test_star_matches_null_as_0_8_1_did() -> None:
    assert table("*").match("null") is not None


@pytest.mark.parametrize(
    ("key", "credentials", "expose_all", "fragment"),
    [
        ("*", True, False, "every website"),
        ("null", True, False, "sandboxed iframes"),
        ("http://app.example.com", True, False, "plain-http"),
        ("http://*.example.com", True, False, "plain-http"),
        ("https://*.github.io", False, False, "public suffix"),
        ("https://*.com", False, False, "public suffix"),
        ("https://*.co.uk", True, False, "public suffix"),
        ("https://app.example.com", True, True, "expose_headers='*'"),
    ],
)
def test_security_concerns(key: str, credentials: bool, expose_all: bool, fragment: str) -> None:
    concerns = security_concerns(
        parse_origin_key(key), credentials=credentials, expose_all=expose_all
    )
    assert any(fragment in concern for concern in concerns), concerns


@pytest.mark.parametrize(
    "key",
    [
        "https://app.example.com",
        "http://localhost:3000",
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "http://app.localhost",
        "https://*.example.com",
        "*",
    ],
)
def test_no_concerns_for_safe_setups(key: str) -> None:
    spec = parse_origin_key(key)
    credentials = not isinstance(spec, AnyOrigin)
    assert security_concerns(spec, credentials=credentials, expose_all=False) == []


def test_wildcard_spec_fields() -> None:
    spec = parse_origin_key("https://*.example.com:8443")
    assert isinstance(spec, WildcardOrigin)
    assert (spec.scheme, spec.parent, spec.port) == ("https", "example.com", "8443")
    assert isinstance(parse_origin_key(re.compile("x")), RegexOrigin)
