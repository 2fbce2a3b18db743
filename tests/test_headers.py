"""Header grammar helpers: request-header lists and Vary merging."""

from __future__ import annotations

import pytest

from aiohttp_cors._core.headers import (
    MAX_REQUEST_HEADERS_COUNT,
    MAX_REQUEST_HEADERS_LENGTH,
    RequestHeadersError,
    is_token,
    parse_request_headers,
    vary_with,
)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], ()),
        ([""], ()),
        (["x-a"], ("x-a",)),
        (["x-a,x-b"], ("x-a", "x-b")),
        (["X-A, X-B"], ("x-a", "x-b")),
        ([" x-a ,, ,x-b,"], ("x-a", "x-b")),
        (["x-a", "x-b,x-c"], ("x-a", "x-b", "x-c")),
        (["x-a,X-A,x-a"], ("x-a",)),
        (["\tx-a\t"], ("x-a",)),
    ],
)
def test_parse_request_headers(lines: list[str], expected: tuple[str, ...]) -> None:
    assert parse_request_headers(lines) == expected


@pytest.mark.parametrize(
    "lines",
    [
        ["x a"],
        ["x-a;b"],
        ["é"],
        ["," * (MAX_REQUEST_HEADERS_LENGTH + 1)],
        ["a" * 5000, "b" * 5000],
        [",".join(f"h{i}" for i in range(MAX_REQUEST_HEADERS_COUNT + 1))],
    ],
)
def test_parse_request_headers_refuses(lines: list[str]) -> None:
    with pytest.raises(RequestHeadersError):
        parse_request_headers(lines)


def test_exactly_at_the_limits_is_accepted() -> None:
    names = [f"h{i}" for i in range(MAX_REQUEST_HEADERS_COUNT)]
    assert len(parse_request_headers([",".join(names)])) == MAX_REQUEST_HEADERS_COUNT
    assert parse_request_headers(["," * MAX_REQUEST_HEADERS_LENGTH]) == ()


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], "Origin"),
        (["Accept-Encoding"], "Accept-Encoding, Origin"),
        (["Accept-Encoding", "Cookie"], "Accept-Encoding, Cookie, Origin"),
        (["accept, ORIGIN"], None),
        (["*"], None),
        (["a,,b"], "a, b, Origin"),
    ],
)
def test_vary_with(lines: list[str], expected: str | None) -> None:
    assert vary_with(lines, "Origin") == expected


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("X-Custom", True),
        ("!#$%&'*+-.^_`|~09az", True),
        ("", False),
        ("a b", False),
        ("a:b", False),
        ("a,b", False),
        ("ü", False),
    ],
)
def test_is_token(value: str, valid: bool) -> None:
    assert is_token(value) is valid


def test_accepted_preflights_cache_is_bounded() -> None:
    from aiohttp_cors._core.options import ResourceOptions
    from aiohttp_cors._core.policy import (
        ACCEPTED_CACHE_SIZE,
        ACCEPTED_HEADERS_LENGTH,
        compile_rule,
        judge_preflight,
    )

    rule = compile_rule(ResourceOptions(allow_headers="*", max_age=7))
    long_value = ",".join(["x-a"] * (ACCEPTED_HEADERS_LENGTH // 4 + 1))
    for spaces in range(3):
        verdict = judge_preflight(
            origin="https://a.example",
            method="PUT",
            rule=rule,
            routed=True,
            table_empty=False,
            request_headers=[" " * spaces + long_value],
            private_network=False,
        )
        assert isinstance(verdict, tuple)
    assert rule.accepted == {}  # long header lists are answered but not remembered
    for i in range(ACCEPTED_CACHE_SIZE + 10):
        judge_preflight(
            origin="https://a.example",
            method="PUT",
            rule=rule,
            routed=True,
            table_empty=False,
            request_headers=[f"x-{i}"],
            private_network=False,
        )
    assert len(rule.accepted) == ACCEPTED_CACHE_SIZE
