"""One origin grammar for the plugin and its referee: the serialized form, and the origin a
person most likely meant, which configuration errors and the doctor both suggest."""

from __future__ import annotations

import pytest

from aiohttp_cors._core.origin_grammar import did_you_mean, likely_origin, serialize_origin
from aiohttp_cors._core.origins import OriginKeyError, parse_origin_key
from aiohttp_cors._tools.browser import origin_problem


@pytest.mark.parametrize(
    ("scheme", "host", "port", "expected"),
    [
        pytest.param("https", "a.example", 443, "https://a.example", id="default port left out"),
        pytest.param("http", "a.example:80", None, "http://a.example", id="Host header port"),
        pytest.param("http", "A.Example:8080", None, "http://a.example:8080", id="lower case"),
        pytest.param("wss", "[::1]", "443", "wss://[::1]", id="IPv6, default port"),
        pytest.param("https", "a.example", 8443, "https://a.example:8443", id="other port kept"),
    ],
)
def test_serialize_origin(scheme: str, host: str, port: int | str | None, expected: str) -> None:
    assert serialize_origin(scheme, host, port) == expected


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        pytest.param("http:/a.example", "http://a.example", id="one slash"),
        pytest.param("https:a.example", "https://a.example", id="no slash"),
        pytest.param("a.example", "https://a.example", id="no scheme"),
        pytest.param("https://A.example/", "https://a.example", id="case and slash"),
        pytest.param("https://a.example:443", "https://a.example", id="default port"),
        pytest.param("https://bücher.example", "https://xn--bcher-kva.example", id="punycode"),
        pytest.param("http://[0:0::1]:8080", "http://[::1]:8080", id="IPv6 compressed"),
        pytest.param("NULL", "null", id="null"),
        pytest.param("https://*.example", None, id="a pattern has no one origin"),
    ],
)
def test_likely_origin(typed: str, meant: str | None) -> None:
    assert likely_origin(typed) == meant


@pytest.mark.parametrize(
    "typed",
    [
        "http:/a.example",
        "https:a.example",
        "a.example",
        "https://A.example",
        "https://a.example/",
        "https://a.example:443",
        "https://bücher.example",
        "http://a.example/path?q",
    ],
)
def test_the_doctor_suggests_what_configuration_errors_suggest(typed: str) -> None:
    """The referee keeps its own decision and wording, but never another suggestion
    (for ``http:/a.example`` the doctor once suggested ``https://http``)."""
    hint = did_you_mean(typed)
    assert hint
    with pytest.raises(OriginKeyError) as raised:
        parse_origin_key(typed)
    assert hint in str(raised.value)
    problem = origin_problem(typed)
    assert problem is not None and hint in problem
