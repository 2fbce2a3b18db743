"""The aiohttp-cors 0.8.1 API that existing code relies on: names, arguments, what
registration leaves in the router, and the text of its errors."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

from .helpers import PayloadView, hello, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient

# The origin of the tests written against aiohttp-cors 0.8.1's behaviour, kept as it was.
HTTP_PAGE = "http://page.example"


def test_setup_stores_config_under_app_key() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    assert app[aiohttp_cors.APP_CONFIG_KEY] is cors
    assert isinstance(cors, aiohttp_cors.CorsConfig)


def test_adding_cors_creates_no_named_routes() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions()})
    route = app.router.add_route("GET", "/{name}", hello, name="named")
    static = app.router.add_static("/files", "/", name="files")
    cors.add(route)
    cors.add(static)
    assert sorted(app.router.keys()) == ["files", "named"]


def test_webview_flag_is_deprecated() -> None:
    app = web.Application()
    cors = aiohttp_cors.CorsConfig(app, defaults={"*": ResourceOptions()})
    route = app.router.add_route("*", "/", PayloadView)
    with pytest.warns(DeprecationWarning):
        cors.add(route, webview=True)


async def test_mapping_options_accept_allow_methods(aiohttp_client: AiohttpClient) -> None:
    """FIX: 0.8.1 refused ``allow_methods`` in the mapping form of options ("Unexpected
    keywords"); here it works like the keyword: it lets preflights ask for the PUT of a
    route that was not added to CORS."""
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    resource = app.router.add_resource("/")
    cors.add(resource.add_route("GET", hello), {HTTP_PAGE: {"allow_methods": ["GET", "PUT"]}})
    resource.add_route("PUT", hello)
    resource.add_route("DELETE", hello)
    client = await aiohttp_client(app)
    response = await client.options("/", headers=preflight(HTTP_PAGE, "PUT"))
    assert response.status == 200
    response = await client.options("/", headers=preflight(HTTP_PAGE, "DELETE"))
    assert response.status == 403


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("not a mapping", "Config must be mapping, got 'not a mapping'"),
        ({1: ResourceOptions()}, "Origin must be string, got 1"),
        (
            {HTTP_PAGE: 5},
            "Origin options must be either aiohttp_cors.ResourceOptions instance or mapping",
        ),
        (
            {HTTP_PAGE: {"allow_credentials": True, "colour": 1, "age": 2}},
            "Unexpected keywords in resource options: age,colour",
        ),
    ],
)
def test_config_errors_keep_their_text(config: Any, message: str) -> None:
    # *config* is ill-typed on purpose: these are the errors of a wrong value.
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    with pytest.raises(ValueError) as caught:
        cors.add(app.router.add_get("/", hello), config)
    assert message in str(caught.value)


LIST_OF_ORIGINS_ROWS = [
    pytest.param(
        ["https://a.example"],
        "Config must be mapping, got '['https://a.example']': ",
        '{"https://a.example": ResourceOptions()}',
        id="list: 0.8.1's text, then the mapping with the user's origin",
    ),
    pytest.param(
        ("https://a.example", "https://b.example"),
        "Config must be mapping, got '('https://a.example', 'https://b.example')': ",
        '{"https://a.example": ResourceOptions(), "https://b.example": ResourceOptions()}',
        id="tuple: every origin in the mapping, in order",
    ),
    pytest.param(
        {"https://b.example", "https://a.example"},
        "Config must be mapping, got '{",
        '{"https://a.example": ResourceOptions(), "https://b.example": ResourceOptions()}',
        id="set: every origin in the mapping, sorted",
    ),
    pytest.param(
        [],
        "Config must be mapping, got '[]': ",
        '{"https://app.example.com": ResourceOptions()}',
        id="empty list: an example mapping",
    ),
]


@pytest.mark.parametrize(("origins", "start", "mapping"), LIST_OF_ORIGINS_ROWS)
def test_list_of_origins_as_defaults_shows_the_mapping(
    origins: Any, start: str, mapping: str
) -> None:
    # *origins* is ill-typed on purpose: what Starlette and django-cors-headers users write.
    with pytest.raises(ValueError) as caught:
        aiohttp_cors.setup(web.Application(), defaults=origins)
    message = str(caught.value)
    assert message.startswith(start)
    assert mapping in message


@pytest.mark.parametrize(("origins", "start", "mapping"), LIST_OF_ORIGINS_ROWS)
def test_list_of_origins_as_a_config_shows_the_mapping(
    origins: Any, start: str, mapping: str
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    with pytest.raises(ValueError) as caught:
        cors.add(app.router.add_get("/", hello), origins)
    message = str(caught.value)
    assert message.startswith(start)
    assert mapping in message


def test_registration_errors() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions()})
    resource = app.router.add_resource("/a")
    route = resource.add_route("GET", hello)
    cors.add(route)
    with pytest.raises(
        ValueError, match=r"Can't setup CORS for .* route: CORS already configured on resource"
    ):
        cors.add(route)
    with pytest.raises(ValueError, match="add the resource before its routes"):
        cors.add(resource)
    other = app.router.add_resource("/b")
    cors.add(other)
    with pytest.raises(ValueError, match=r"CORS is already configured for .* resource"):
        cors.add(other)
    with pytest.raises(ValueError, match="Resource or route expected"):
        cors.add("/c")  # type: ignore[type-var]


# Every public name aiohttp-cors 0.8.1 had, at every path it had it (issue "Drop-in for real
# code"): real code imports ResourceOptions, CorsConfig and the mixin from their modules.
OLD_PATHS = [
    ("aiohttp_cors", "setup"),
    ("aiohttp_cors", "CorsConfig"),
    ("aiohttp_cors", "ResourceOptions"),
    ("aiohttp_cors", "CorsViewMixin"),
    ("aiohttp_cors", "custom_cors"),
    ("aiohttp_cors", "APP_CONFIG_KEY"),
    ("aiohttp_cors.resource_options", "ResourceOptions"),
    ("aiohttp_cors.cors_config", "CorsConfig"),
    ("aiohttp_cors.mixin", "CorsViewMixin"),
    ("aiohttp_cors.mixin", "custom_cors"),
] + [
    (module, name)
    for module in ("aiohttp_cors", "aiohttp_cors.__about__")
    for name in (
        "__title__",
        "__version__",
        "__author__",
        "__email__",
        "__license__",
        "__summary__",
        "__uri__",
        "__copyright__",
    )
]


@pytest.mark.parametrize(("module", "name"), OLD_PATHS)
def test_every_0_8_1_import_path_works(module: str, name: str) -> None:
    imported = importlib.import_module(module)
    assert getattr(imported, name) is getattr(aiohttp_cors, name)
    if module == "aiohttp_cors":
        assert name in aiohttp_cors.__all__


@pytest.mark.parametrize(
    "name",
    ["__title__", "__version__", "__author__", "__summary__", "__license__", "__copyright__"],
)
def test_metadata_names_say_something(name: str) -> None:
    value = getattr(aiohttp_cors, name)
    assert isinstance(value, str) and value
