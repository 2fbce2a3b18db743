"""The security review of configured entries, as tables: each row names the attack or
mistake it is about (docs/security.rst, the threat table; PortSwigger's CORS research, the
security issues of this project)."""

from __future__ import annotations

import re

import pytest

from aiohttp_cors._core import review as review_module
from aiohttp_cors._core.options import ResourceOptions
from aiohttp_cors._core.origins import parse_origin_key
from aiohttp_cors._core.review import credential_concern, is_public_suffix, literal_hosts, review

CREDENTIALS = ResourceOptions(allow_credentials=True)
PRIVATE_NETWORK = ResourceOptions(allow_private_network=True)


def concerns(key: object, options: ResourceOptions) -> list[str]:
    """The review's messages (their codes are checked in tests/test_problem_codes.py)."""
    return [concern.message for concern in review(parse_origin_key(key), options)]


@pytest.mark.parametrize(
    ("key", "options", "fragment"),
    [
        pytest.param("*", CREDENTIALS, "every website", id="credentials for every origin"),
        pytest.param("null", CREDENTIALS, "sandboxed iframes", id="credentials for null"),
        pytest.param("http://app.example.com", CREDENTIALS, "plain-http", id="plain http"),
        pytest.param("http://*.example.com", CREDENTIALS, "plain-http", id="plain http wildcard"),
        pytest.param(
            "https://app.example.com",
            ResourceOptions(allow_credentials=True, expose_headers="*"),
            "expose_headers='*'",
            id="every header exposed with credentials",
        ),
        # Wildcards over a suffix anyone can register under (the Public Suffix List,
        # its ICANN and private sections).
        pytest.param("https://*.com", CREDENTIALS, "public suffix 'com'", id="PSL: a TLD"),
        pytest.param("https://*.co.uk", CREDENTIALS, "public suffix", id="PSL: co.uk"),
        pytest.param("https://*.com.pl", CREDENTIALS, "public suffix", id="PSL: com.pl"),
        pytest.param("https://*.gov.au", CREDENTIALS, "public suffix", id="PSL: gov.au"),
        pytest.param("https://*.ac.jp", CREDENTIALS, "public suffix", id="PSL: ac.jp"),
        pytest.param("https://*.uk.com", CREDENTIALS, "public suffix", id="PSL private: uk.com"),
        pytest.param(
            "https://*.duckdns.org", CREDENTIALS, "public suffix", id="PSL private: duckdns.org"
        ),
        pytest.param(
            "https://*.s3.us-east-1.amazonaws.com",
            CREDENTIALS,
            "public suffix",
            id="PSL private: an S3 region",
        ),
        pytest.param(
            "https://*.myshopify.com", CREDENTIALS, "public suffix", id="PSL private: myshopify"
        ),
        pytest.param("https://*.github.io", CREDENTIALS, "public suffix", id="PSL private: github"),
        # Private Network Access for everyone.
        pytest.param("*", PRIVATE_NETWORK, "allow_private_network=True", id="PNA for every origin"),
        pytest.param("null", PRIVATE_NETWORK, "allow_private_network=True", id="PNA for null"),
        pytest.param("http://app.example.com", PRIVATE_NETWORK, "plain-http", id="PNA plain http"),
        pytest.param("https://*.github.io", PRIVATE_NETWORK, "public suffix", id="PNA over PSL"),
        pytest.param(
            re.compile(r"https://.*"),
            PRIVATE_NETWORK,
            "unrelated origin",
            id="PNA any-origin regex",
        ),
        # Regexes, probed with origins they should not match.
        pytest.param(re.compile(r".*"), CREDENTIALS, "matches 'null'", id="regex: match-all"),
        pytest.param(
            re.compile(r"null|https://a\.example"), CREDENTIALS, "matches 'null'", id="regex: null"
        ),
        pytest.param(
            re.compile(r"http://.*\.example\.com"),
            CREDENTIALS,
            "plain-http origin 'http://corsprobe.example.com'",
            id="regex: plain-http subdomains",
        ),
        pytest.param(
            re.compile(r"https://.*example\.com"),
            CREDENTIALS,
            "look-alike origin 'https://corsprobeexample.com'",
            id="regex: unanchored prefix (evilexample.com)",
        ),
        pytest.param(
            re.compile(r"https://app\.example\.com.*"),
            CREDENTIALS,
            "look-alike origin 'https://app.example.com.corsprobe.example'",
            id="regex: unanchored suffix (example.com.evil.net)",
        ),
        pytest.param(
            re.compile(r"https://app.example.com"),
            CREDENTIALS,
            "look-alike origin 'https://appxexample.com'",
            id="regex: unescaped dot",
        ),
        pytest.param(
            re.compile(r"https?://app\.example\.com"),
            CREDENTIALS,
            "plain-http origin 'http://app.example.com'",
            id="regex: optional s",
        ),
        pytest.param(
            re.compile(r"https://[a-z]+\.github\.io"),
            CREDENTIALS,
            "every site under the public suffix 'github.io'",
            id="regex: over a public suffix",
        ),
        pytest.param(
            re.compile(r"https://[a-z0-9]+\.com"),
            CREDENTIALS,
            "public suffix 'com'",
            id="regex: over a TLD",
        ),
    ],
)
def test_concerns(key: object, options: ResourceOptions, fragment: str) -> None:
    found = concerns(key, options)
    assert any(fragment in concern for concern in found), found


@pytest.mark.parametrize(
    ("key", "options"),
    [
        pytest.param("https://app.example.com", CREDENTIALS, id="an https origin"),
        pytest.param("http://localhost:3000", CREDENTIALS, id="loopback over http"),
        pytest.param("http://127.0.0.1:8080", CREDENTIALS, id="IPv4 loopback"),
        pytest.param("http://[::1]:8080", CREDENTIALS, id="IPv6 loopback"),
        pytest.param("http://app.localhost", CREDENTIALS, id="a .localhost name"),
        pytest.param("http://*.localhost:*", CREDENTIALS, id="any .localhost name and port"),
        pytest.param("https://*.example.com", CREDENTIALS, id="own subdomains"),
        pytest.param("https://*.corp.example.co.uk", CREDENTIALS, id="own subdomains under co.uk"),
        pytest.param("*", ResourceOptions(), id="public data: '*' without credentials"),
        pytest.param(
            "https://*.github.io", ResourceOptions(), id="public data: a suffix without credentials"
        ),
        pytest.param(
            re.compile(r"https://(www\.)?example\.com"), CREDENTIALS, id="a careful regex"
        ),
        pytest.param(
            re.compile(r"https://[a-z0-9-]+\.example\.com"), CREDENTIALS, id="a subdomain regex"
        ),
        pytest.param(lambda origin: True, CREDENTIALS, id="callables cannot be reviewed"),
        pytest.param("https://app.example.com", PRIVATE_NETWORK, id="PNA for one https origin"),
    ],
)
def test_no_concerns_for_safe_setups(key: object, options: ResourceOptions) -> None:
    assert concerns(key, options) == []


def test_every_probe_that_matched_is_named_once_per_kind() -> None:
    found = concerns(re.compile(r".*"), CREDENTIALS)
    assert len(found) == len(set(found))
    assert any("'null'" in concern for concern in found)
    assert any("unrelated origin" in concern for concern in found)
    assert all(concern.startswith("allow_credentials=True with re.compile") for concern in found)


@pytest.mark.parametrize(
    ("pattern", "hosts"),
    [
        (r"https://(www\.)?example\.com", {"example.com"}),
        (r"https://app\d\.example\.com:8443", {"example.com"}),
        (r"https://[a-z]+\.co\.uk", {"co.uk"}),
        (r"https://[a-z]+\.com", {"com"}),
        (r"https://a.example.com", {"a.example.com"}),
        (r".*", set()),
        # Every spelling of a dot is a dot: the parsed pattern is read, not its text.
        (r"https://.*example[.]com", {"example.com"}),
        (r"https://.*example(?:\.)com", {"example.com"}),
        (r"https://.*example\x2ecom", {"example.com"}),
        (r"https://.*example\056com", {"example.com"}),
        (r"https://.*example\u002ecom", {"example.com"}),
        (r"https://.*example\N{FULL STOP}com", {"example.com"}),
        (r"https://.*example.{1}com", {"example.com"}),
        (r"(?i)HTTPS://APP\.EXAMPLE\.COM", {"app.example.com"}),
        (r"https://(?:a|b)\.example\.com", {"example.com"}),
        (r"https://(?=x)x\.example\.org", {"x.example.org"}),
    ],
)
def test_literal_hosts(pattern: str, hosts: set[str]) -> None:
    assert literal_hosts(pattern) == hosts


def test_literal_hosts_of_a_verbose_pattern() -> None:
    pattern = re.compile(r"https:// .* example [.] com  # a comment", re.X)
    assert literal_hosts(pattern.pattern, pattern.flags) == {"example.com"}


def test_literal_hosts_without_the_private_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """If a Python release drops its regex parser, the review reads the text instead."""
    monkeypatch.setattr(review_module, "_regex_parser", lambda: None)
    assert literal_hosts(r"https://(www\.)?example\.com") == {"example.com"}
    assert literal_hosts(r"https://.*example[.]com") == set()  # the text misses this dot


@pytest.mark.parametrize(
    ("key", "concern"),
    [
        ("*", "every website"),
        ("null", "sandboxed"),
        (re.compile(".*"), "'null'"),
        (re.compile("https://.*"), "unrelated"),
        ("https://*.github.io", "public suffix"),
        ("http://intranet.example", "plain-http"),
        ("https://app.example", None),
        ("https://*.app.example", None),
        ("http://localhost:*", None),
        (re.compile(r"https://app\.example"), None),
    ],
)
def test_credential_concern(key: object, concern: str | None) -> None:
    found = credential_concern(parse_origin_key(key))
    if concern is None:
        assert found is None
    else:
        assert found is not None and concern in found


@pytest.mark.parametrize(
    ("domain", "public"),
    [
        ("com", True),
        ("co.uk", True),
        ("github.io", True),
        ("example.com", False),
        ("localhost", False),
        ("corp.example.co.uk", False),
    ],
)
def test_is_public_suffix(domain: str, public: bool) -> None:
    assert is_public_suffix(domain) is public
