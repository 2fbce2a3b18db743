"""Every configuration problem and security finding carries a stable ``code``: each code is
produced by the example docs/problem-codes.rst gives for it, the page lists every code the
package can produce, and ``str()`` keeps the message (0.8.1's where 0.8.1 had one)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsConfigError, CorsSecurityWarning, ResourceOptions

from .helpers import hello

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "problem-codes.rst"


def _setup(defaults: object, *, strict: bool = False) -> None:
    aiohttp_cors.setup(web.Application(), defaults=defaults, strict=strict)  # type: ignore[arg-type]


def _options(**keywords: object) -> None:
    ResourceOptions(**keywords)  # type: ignore[arg-type]


def _parent_adds_subapp_route() -> None:
    app, sub = web.Application(), web.Application()
    cors = aiohttp_cors.setup(app)
    aiohttp_cors.setup(sub)
    cors.add(sub.router.add_get("/x", hello))
    app.add_subapp("/sub", sub)
    cors._hooks.compiled()  # what the app's start does


def _checker(origin: str, request: object) -> bool:
    return True


#: code -> what produces it (the docs' example, as code).
ERRORS: dict[str, Callable[[], None]] = {
    "config-not-mapping": lambda: _setup("https://a.example"),
    "config-list": lambda: _setup(["https://a.example"]),
    "origin-key-invalid": lambda: _setup({"https://a.example/": ResourceOptions()}),
    "origin-key-type": lambda: _setup({1: ResourceOptions()}),
    "options-type": lambda: _setup({"https://a.example": 5}),
    "options-keyword": lambda: _setup({"https://a.example": {"allow_cookies": True}}),
    "option-type": lambda: _options(max_age="600"),
    "header-name-invalid": lambda: _options(allow_headers=["X Token"]),
    "method-name-invalid": lambda: _options(allow_methods=["GE T"]),
    "forbidden-method": lambda: _options(allow_methods=["TRACE"]),
    "max-age-too-long": lambda: _options(max_age=999_999),
    "wildcard-with-credentials": lambda: _options(send_wildcard=True, allow_credentials=True),
    "send-wildcard-key": lambda: _setup({"https://a.example": ResourceOptions(send_wildcard=True)}),
    "route-of-configured-subapp": _parent_adds_subapp_route,
}
CREDENTIALS = ResourceOptions(allow_credentials=True)
NETWORK = ResourceOptions(allow_private_network=True)
#: code -> the defaults whose review finds it (strict mode refuses them, else they warn).
FINDINGS: dict[str, dict[object, ResourceOptions]] = {
    "any-origin-with-credentials": {"*": CREDENTIALS},
    "null-origin-with-credentials": {"null": CREDENTIALS},
    "open-regex-with-credentials": {re.compile(r"https://.*"): CREDENTIALS},
    "plain-http-with-credentials": {"http://a.example": CREDENTIALS},
    "public-suffix-with-credentials": {"https://*.github.io": CREDENTIALS},
    "any-origin-with-private-network": {"*": NETWORK},
    "null-origin-with-private-network": {"null": NETWORK},
    "open-regex-with-private-network": {re.compile(r"https://.*"): NETWORK},
    "plain-http-with-private-network": {"http://a.example": NETWORK},
    "public-suffix-with-private-network": {"https://*.github.io": NETWORK},
    "expose-all-with-credentials": {
        "https://a.example": ResourceOptions(allow_credentials=True, expose_headers="*")
    },
    "callable-without-varies-on": {_checker: ResourceOptions()},
}
#: Produced while serving, not at configuration: tests/test_websocket_http.py.
AT_REQUEST_TIME = {"cookie-handshake-admitted"}


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_each_error_carries_its_code(code: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorsSecurityWarning)
        with pytest.raises(CorsConfigError) as raised:
            ERRORS[code]()
    problem = raised.value.problems[0]
    assert problem.code == code
    assert str(problem).endswith(problem.message)
    assert str(problem) in str(raised.value)


@pytest.mark.parametrize("code", sorted(FINDINGS))
def test_each_finding_carries_its_code_warned_or_refused(code: str) -> None:
    with pytest.warns(CorsSecurityWarning) as caught:
        _setup(FINDINGS[code])
    warning = next(w.message for w in caught if isinstance(w.message, CorsSecurityWarning))
    assert warning.code == code
    assert warning.where.startswith("defaults, origin ")
    assert str(warning).startswith(warning.where + ": ")
    with pytest.raises(CorsConfigError) as raised:
        _setup(FINDINGS[code], strict=True)
    assert code in {problem.code for problem in raised.value.problems}


def test_0_8_1_texts_are_unchanged() -> None:
    with pytest.raises(ValueError, match=r"^Config must be mapping, got 'x'$"):
        _setup("x")
    with pytest.raises(ValueError, match=r"^Unexpected keywords in resource options: a$"):
        _setup({"https://a.example": {"a": 1}})


def documented_codes() -> set[str]:
    return set(re.findall(r"^``([a-z0-9-]+)``$", PAGE.read_text(encoding="utf-8"), re.M))


def produced_codes() -> set[str]:
    """Every code the package's source names (literal codes, and the review's families)."""
    found: set[str] = set()
    for path in (ROOT / "aiohttp_cors").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'code="([a-z0-9-]+)"', text))
        found.update(re.findall(r'Concern\(\s*"([a-z0-9-]+)"', text))
        for family in re.findall(r'Concern\(\s*f"([a-z-]+)-with-\{grants\}"', text):
            found.update({f"{family}-with-credentials", f"{family}-with-private-network"})
    return found - {"config-invalid", "security-concern"}  # the fallbacks of hand-made errors


def test_the_page_lists_exactly_the_codes_the_package_produces() -> None:
    assert documented_codes() == produced_codes()


def test_every_documented_code_is_exercised_here() -> None:
    assert documented_codes() == set(ERRORS) | set(FINDINGS) | AT_REQUEST_TIME
