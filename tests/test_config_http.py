"""Configuring the plugin on real apps: validation errors that list every problem, security
warnings and strict mode, how warning filters treat them, and the configuration's lifecycle
(frozen once the application starts)."""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsConfigError, CorsSecurityWarning, ResourceOptions

from .helpers import hello

if TYPE_CHECKING:
    from .helpers import AiohttpClient

PAGE = "https://page.example"
# The origins of the tests written against aiohttp-cors 0.8.1's behaviour, kept as they were.
HTTP_PAGE = "http://page.example"
HTTP_OTHER = "http://other.example"


# --- validation ----------------------------------------------------------------------------


def test_all_problems_of_one_call_are_reported_together() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    route = app.router.add_get("/items", hello)
    with pytest.raises(CorsConfigError) as caught:
        cors.add(
            route,
            {
                "https://a.example/": ResourceOptions(),
                "HTTPS://B.example": ResourceOptions(),
                "https://c.example": {"max_age": 10**6, "allow_methods": ["TRACE"]},
            },
        )
    problems = caught.value.problems
    assert len(problems) == 4, problems
    text = str(caught.value)
    assert "route 'GET /items'" in text
    assert "did you mean 'https://a.example'?" in text
    assert "did you mean 'https://b.example'?" in text
    assert "'max_age' is 1000000" in text
    assert "'TRACE'" in text
    assert isinstance(caught.value, ValueError)


def test_defaults_are_validated_by_setup() -> None:
    with pytest.raises(CorsConfigError, match="did you mean 'http://localhost:8080'"):
        aiohttp_cors.setup(web.Application(), defaults={"http://localhost:8080/": {}})


def test_invalid_custom_cors_reported_when_added() -> None:
    @aiohttp_cors.custom_cors({"www.example.com": ResourceOptions()})
    async def handler(request: web.Request) -> web.Response:
        return web.Response()

    app = web.Application()
    cors = aiohttp_cors.setup(app)
    with pytest.raises(CorsConfigError, match=r"'www\.example\.com' has no scheme"):
        cors.add(app.router.add_get("/", handler))


# --- security warnings and strict mode -----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "options", "fragment"),
    [
        ("*", ResourceOptions(allow_credentials=True), "every website"),
        ("null", ResourceOptions(allow_credentials=True), "'null'"),
        ("http://app.example.com", ResourceOptions(allow_credentials=True), "plain-http"),
        ("https://*.github.io", ResourceOptions(allow_credentials=True), "public suffix"),
        (PAGE, ResourceOptions(allow_credentials=True, expose_headers="*"), "expose_headers"),
    ],
)
def test_insecure_setups_warn_and_strict_refuses(
    key: str, options: ResourceOptions, fragment: str
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    with pytest.warns(CorsSecurityWarning, match=re.escape(fragment)) as caught:
        cors.add(app.router.add_get("/secret", hello), {key: options})
    message = str(caught[0].message)
    assert "route 'GET /secret'" in message
    assert caught[0].filename == __file__  # points at the user's call

    strict_app = web.Application()
    strict = aiohttp_cors.setup(strict_app, strict=True)
    with pytest.raises(CorsConfigError, match="strict mode"):
        strict.add(strict_app.router.add_get("/secret", hello), {key: options})


def test_safe_setup_is_silent() -> None:
    app = web.Application()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cors = aiohttp_cors.setup(
            app,
            defaults={"https://app.example.com": ResourceOptions(allow_credentials=True)},
            strict=True,
        )
        cors.add(app.router.add_get("/", hello))


# --- warning filters -----------------------------------------------------------------------


def test_blanket_error_filter_shows_but_does_not_raise() -> None:
    # aiohttp-cors 0.8.1's own test suite runs with filterwarnings=error and configures
    # "*" with credentials: the warning must be shown, and setup must still succeed.
    app = web.Application()
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("error")
        aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_credentials=True)})
    assert [w.category for w in shown] == [CorsSecurityWarning]


def test_filter_naming_the_warning_makes_it_an_error() -> None:
    app = web.Application()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CorsSecurityWarning)
        with pytest.raises(CorsSecurityWarning, match="every website"):
            aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_credentials=True)})


def test_ignore_filter_silences_the_warning() -> None:
    app = web.Application()
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=CorsSecurityWarning)
        aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_credentials=True)})
    assert shown == []


# --- lifecycle -----------------------------------------------------------------------------


async def test_configuration_is_frozen_once_the_app_starts(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={HTTP_PAGE: ResourceOptions()})
    late = app.router.add_get("/late", hello)
    await aiohttp_client(app)
    with pytest.raises(RuntimeError, match="has started"):
        cors.add(late)
    with pytest.raises(RuntimeError, match="has started"):
        cors.defaults = {HTTP_OTHER: ResourceOptions()}


async def test_configuring_from_a_later_startup_handler_is_refused(
    aiohttp_client: AiohttpClient,
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={HTTP_PAGE: ResourceOptions()})
    late = app.router.add_get("/late", hello)
    refused: list[Exception] = []

    async def configure_late(app: web.Application) -> None:
        try:
            cors.add(late)
        except RuntimeError as exc:
            refused.append(exc)

    app.on_startup.append(configure_late)  # runs after the plugin compiled its policies
    await aiohttp_client(app)
    assert len(refused) == 1
    assert "has started" in str(refused[0])


async def test_setup_on_frozen_sub_app_is_a_clear_error() -> None:
    app, api = web.Application(), web.Application()
    app.add_subapp("/api", api)
    with pytest.raises(RuntimeError, match="before the application starts"):
        aiohttp_cors.setup(api)


# --- strict mode reviews every entry (security round 2) -----------------------------------

STRICT_CORPUS = [
    pytest.param({re.compile(r".*"): {"allow_credentials": True}}, "'null'", id="regex .*"),
    pytest.param(
        {re.compile(r"null|https://a\.example"): {"allow_credentials": True}},
        "'null'",
        id="regex naming null",
    ),
    pytest.param(
        {re.compile(r"http://.*\.example\.com"): {"allow_credentials": True}},
        "plain-http",
        id="regex over plain http",
    ),
    pytest.param({"https://*.com.pl": {"allow_credentials": True}}, "public suffix", id="com.pl"),
    pytest.param({"https://*.gov.au": {"allow_credentials": True}}, "public suffix", id="gov.au"),
    pytest.param(
        {"https://*.myshopify.com": {"allow_credentials": True}},
        "public suffix",
        id="myshopify.com",
    ),
    pytest.param({"*": {"allow_private_network": True}}, "allow_private_network", id="PNA *"),
    pytest.param({"null": {"allow_private_network": True}}, "allow_private_network", id="PNA null"),
    pytest.param(
        {"http://device.example": {"allow_private_network": True}}, "plain-http", id="PNA http"
    ),
    pytest.param(
        {re.compile(r"https?://.*"): {"allow_private_network": True}},
        "unrelated origin",
        id="PNA any-origin regex",
    ),
]


@pytest.mark.parametrize(("config", "fragment"), STRICT_CORPUS)
def test_strict_mode_refuses_and_default_mode_warns(
    config: dict[object, object], fragment: str
) -> None:
    strict_app = web.Application()
    strict = aiohttp_cors.setup(strict_app, strict=True)
    with pytest.raises(CorsConfigError, match=re.escape(fragment)) as caught:
        strict.add(strict_app.router.add_get("/", hello), config)  # type: ignore[arg-type]
    assert "refused by strict mode" in str(caught.value)
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    with pytest.warns(CorsSecurityWarning) as warned:
        cors.add(app.router.add_get("/", hello), config)  # type: ignore[arg-type]
    assert any(fragment in str(warning.message) for warning in warned)


def test_a_careful_regex_passes_strict_mode() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, strict=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cors.add(
            app.router.add_get("/", hello),
            {
                re.compile(r"https://([a-z0-9-]+\.)?example\.com"): ResourceOptions(
                    allow_credentials=True
                )
            },
        )


def test_an_insecure_entry_is_warned_about_once_however_many_routes_use_it() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    insecure = {"*": ResourceOptions(allow_credentials=True)}
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        for path in ("/a", "/b", "/c"):
            cors.add(app.router.add_get(path, hello), insecure)
    assert [w.category for w in warned] == [CorsSecurityWarning]
    assert "route 'GET /a'" in str(warned[0].message)
    strict_app = web.Application()
    strict = aiohttp_cors.setup(strict_app, strict=True)
    for path in ("/a", "/b"):
        with pytest.raises(CorsConfigError, match=re.escape(f"route 'GET {path}'")):
            strict.add(strict_app.router.add_get(path, hello), insecure)
