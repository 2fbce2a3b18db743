"""Header grammar helpers: request-header lists and Vary merging."""

from __future__ import annotations

import pytest

from aiohttp_cors._core.headers import (
    MAX_EMPTY_ELEMENTS,
    MAX_REQUEST_HEADERS_COUNT,
    MAX_REQUEST_HEADERS_LENGTH,
    HeaderNotAllowed,
    RequestHeadersError,
    exposable_names,
    is_token,
    parse_request_headers,
    printable,
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
        ([",".join(["x"] * MAX_REQUEST_HEADERS_COUNT)], ("x",)),
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
        pytest.param(["a," * 4095], id="duplicates count toward the element limit"),
        pytest.param(["a"] * (MAX_REQUEST_HEADERS_COUNT + 1), id="elements over several lines"),
        pytest.param(["a" + "," * (MAX_EMPTY_ELEMENTS + 1)], id="more empty elements than a few"),
    ],
)
def test_parse_request_headers_refuses(lines: list[str]) -> None:
    with pytest.raises(RequestHeadersError):
        parse_request_headers(lines)


def test_exactly_at_the_limits_is_accepted() -> None:
    names = [f"h{i}" for i in range(MAX_REQUEST_HEADERS_COUNT)]
    assert len(parse_request_headers([",".join(names)])) == MAX_REQUEST_HEADERS_COUNT
    assert parse_request_headers(["a" + "," * MAX_EMPTY_ELEMENTS]) == ("a",)


def test_a_refusal_stops_at_the_first_disallowed_name() -> None:
    # Nothing after "x-b" is read: not even the malformed element that follows.
    with pytest.raises(HeaderNotAllowed) as caught:
        parse_request_headers(["x-a, X-B, not a token, x-c"], frozenset({"x-a"}))
    assert caught.value.name == "X-B"
    assert parse_request_headers(["x-a,X-A"], frozenset({"x-a"})) == ("x-a",)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        pytest.param([], None, id="nothing to expose"),
        pytest.param(["X-A", "x-a", "X-B"], "X-A,X-B", id="each name once"),
        pytest.param(
            ["Content-Type", "Cache-Control", "Set-Cookie", "X-A"],
            "X-A",
            id="fetch#cors-safelisted-response-header-name and Set-Cookie left out",
        ),
        pytest.param(["Access-Control-Allow-Origin", "X-A"], "X-A", id="CORS headers left out"),
    ],
)
def test_exposable_names(names: list[str], expected: str | None) -> None:
    assert exposable_names(names) == expected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("https://a.example", "https://a.example"),
        ("a\nb", "a\\nb"),
        ("\udcff", "\\udcff"),
        ("x" * 300, "x" * 256 + "..."),
    ],
)
def test_printable_escapes_and_shortens(value: str, shown: str) -> None:
    assert printable(value) == shown


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
