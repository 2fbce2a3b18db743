"""Origin keys: validation with fixes, and matching (including bypass attempts)."""

from __future__ import annotations

import re
from collections.abc import Awaitable

import pytest

from aiohttp_cors._core.options import ResourceOptions
from aiohttp_cors._core.origins import (
    AnyOrigin,
    ExactOrigin,
    OriginKeyError,
    PredicateOrigin,
    RegexOrigin,
    WildcardOrigin,
    parse_origin_key,
    parse_request_origin,
)
from aiohttp_cors._core.table import OriginTable


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
    return OriginTable.build([tuple((parse_origin_key(key), ResourceOptions()) for key in keys)])


def admits(keys: object, origin: str) -> bool:
    found = table(keys).match(origin, None)
    assert not isinstance(found, Awaitable)
    return found is not None


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
    assert admits("https://*.example.com", origin) is allowed


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
    assert admits("http://localhost:*", origin) is allowed


def test_subdomain_and_port_wildcard() -> None:
    assert admits("https://*.dev.example:*", "https://a.dev.example:1234")
    assert admits("https://*.dev.example:*", "https://a.dev.example")
    assert not admits("https://*.dev.example:*", "https://dev.example:1234")


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
    assert admits(re.compile(pattern), origin) is allowed


def test_wildcard_spec_fields() -> None:
    spec = parse_origin_key("https://*.example.com:8443")
    assert isinstance(spec, WildcardOrigin)
    assert (spec.scheme, spec.parent, spec.port) == ("https", "example.com", "8443")
    assert isinstance(parse_origin_key(re.compile("x")), RegexOrigin)


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        pytest.param("https:/a.com", "did you mean 'https://a.com'?", id="one slash"),
        pytest.param("https:a.com", "did you mean 'https://a.com'?", id="no slash"),
        pytest.param("NULL", "written 'null', in lower case", id="null in capitals"),
        pytest.param("Null", "written 'null'", id="null capitalised"),
        pytest.param("https://a.com:*:*", "more than one ':port' part", id="two port wildcards"),
        pytest.param("localhost:8080", "did you mean 'https://localhost:8080'?", id="no scheme"),
    ],
)
def test_hints_point_at_the_real_mistake(key: str, fragment: str) -> None:
    with pytest.raises(OriginKeyError) as caught:
        parse_origin_key(key)
    assert fragment in str(caught.value)
    assert "https://https" not in str(caught.value) and "https://null" not in str(caught.value)


def test_trailing_dot_origins_are_configured_as_browsers_send_them() -> None:
    # A page at https://example.com./ sends "Origin: https://example.com." (another origin).
    assert parse_origin_key("https://example.com.") == ExactOrigin("https://example.com.")
    assert parse_request_origin("https://example.com.") is not None
    assert admits("https://example.com.", "https://example.com.")
    assert not admits("https://example.com.", "https://example.com")
    assert not admits("https://example.com", "https://example.com.")
    assert admits("https://*.example.com.", "https://a.example.com.")
    assert not admits("https://*.example.com", "https://a.example.com.")


@pytest.mark.parametrize(
    ("key", "takes_request"),
    [
        pytest.param(lambda origin: True, False, id="one parameter: called with the origin"),
        pytest.param(lambda origin, request: True, True, id="two: called with the request too"),
        pytest.param(lambda origin, request=None: True, True, id="a defaulted second counts"),
        pytest.param(lambda *args: True, False, id="*args: the origin, as before"),
        pytest.param(str.islower, False, id="a method descriptor"),
    ],
)
def test_request_aware_callables_are_detected_when_validated(
    key: object, takes_request: bool
) -> None:
    spec = parse_origin_key(key)
    assert isinstance(spec, PredicateOrigin)
    assert spec.takes_request is takes_request


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(lambda: True, id="no parameter"),
        pytest.param(lambda a, b, c: True, id="three required"),
        pytest.param(lambda origin, *, flag: True, id="a required keyword"),
    ],
)
def test_callables_that_cannot_take_the_origin_are_refused(key: object) -> None:
    with pytest.raises(OriginKeyError, match="must take the origin"):
        parse_origin_key(key)


class _Lookup:
    async def __call__(self, origin: str) -> bool:
        return True


def test_callable_objects_and_async_callables_are_keys() -> None:
    assert isinstance(parse_origin_key(_Lookup()), PredicateOrigin)
