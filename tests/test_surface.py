"""``CorsConfig.describe()``: the CORS surface, read from the compiled policies, before the
app starts and while it serves."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

import aiohttp_cors
from aiohttp_cors import (
    CorsSurface,
    CorsViewMixin,
    OriginEntry,
    ResourceOptions,
    RouteSurface,
    cors_exempt,
)

from .helpers import ACAO, HANDSHAKE, echo_socket, hello, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient

PAGE = "https://page.example"


def allowed_origin(origin: str) -> bool:
    return origin.endswith(".partner.example")


def rows(surface: CorsSurface) -> dict[tuple[str, str], RouteSurface]:
    return {(route.path, route.method): route for route in surface}


def entries(route: RouteSurface) -> list[tuple[str, str]]:
    return [(entry.origin, entry.kind) for entry in route.origins]


@pytest.mark.parametrize(
    ("key", "shown", "kind"),
    [
        pytest.param("https://a.example", "https://a.example", "exact", id="exact"),
        pytest.param("https://*.example.com", "https://*.example.com", "pattern", id="subdomain"),
        pytest.param("http://localhost:*", "http://localhost:*", "pattern", id="any-port"),
        pytest.param(
            re.compile(r"https://app-\d+\.example"),
            r"https://app-\d+\.example",
            "regex",
            id="regex",
        ),
        pytest.param(allowed_origin, "allowed_origin", "callable", id="callable"),
        pytest.param("*", "*", "*", id="star"),
        pytest.param("null", "null", "null", id="null"),
    ],
)
def test_each_kind_of_origin_entry_is_named(key: Any, shown: str, kind: str) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/items", hello), {key: ResourceOptions()})

    route = rows(cors.describe())[("/items", "GET")]

    assert entries(route) == [(shown, kind)]


def test_what_each_entry_grants() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(
        app,
        defaults={
            PAGE: ResourceOptions(
                allow_credentials=True,
                allow_headers=["X-Token"],
                expose_headers=["X-Total"],
                max_age=600,
                allow_methods=["DELETE"],
            )
        },
    )
    cors.add(app.router.add_get("/items", hello))
    app.router.add_delete("/items", hello)  # served without CORS: allow_methods admits it

    route = rows(cors.describe())[("/items", "GET")]

    assert route.app == "/"
    assert not route.exempt
    assert route.websocket == "listed"
    assert route.origins == (
        OriginEntry(
            origin=PAGE,
            kind="exact",
            credentials=True,
            # The path's CORS routes, and what allow_methods adds to them.
            allow_methods=("DELETE", "GET", "HEAD"),
            allow_headers=("X-TOKEN",),
            expose_headers=("X-Total",),
            max_age=600,
            private_network=False,
            send_wildcard=False,
        ),
    )


def test_allow_methods_none_lists_the_paths_cors_routes() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/items", hello))
    cors.add(app.router.add_put("/items", hello))
    app.router.add_patch("/items", hello)  # served, but not added to CORS

    surface = rows(cors.describe())

    assert set(surface) == {("/items", "GET"), ("/items", "HEAD"), ("/items", "PUT")}
    assert surface[("/items", "PUT")].origins[0].allow_methods == ("GET", "HEAD", "PUT")


def test_precedence_order_exact_then_patterns_then_star() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    config = {
        "*": ResourceOptions(),
        re.compile(r"https://r\.example"): ResourceOptions(),
        PAGE: ResourceOptions(allow_credentials=True),
        "https://*.page.example": ResourceOptions(),
    }
    cors.add(app.router.add_get("/items", hello), config)

    route = rows(cors.describe())[("/items", "GET")]

    assert entries(route) == [
        (PAGE, "exact"),
        (r"https://r\.example", "regex"),
        ("https://*.page.example", "pattern"),
        ("*", "*"),
    ]
    assert route.websocket == "any"


def test_exempt_methods_websockets_and_strict_mode() -> None:
    @cors_exempt
    async def webhook(request: web.Request) -> web.Response:
        return web.Response()

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions()}, strict=True)
    resource = app.router.add_resource("/hook")
    resource.add_route("GET", webhook)
    resource.add_route("POST", hello)
    cors.add(resource)
    cors.add(app.router.add_get("/ws", echo_socket))

    surface = rows(cors.describe())

    assert surface[("/hook", "GET")].exempt
    assert surface[("/hook", "GET")].origins == ()
    assert surface[("/hook", "GET")].websocket == "unchecked"
    assert not surface[("/hook", "POST")].exempt
    assert surface[("/hook", "POST")].websocket is None
    # Strict mode refuses handshakes admitted only by "*".
    assert surface[("/ws", "GET")].websocket == "listed"


def test_null_entry_opens_websockets_to_sandboxed_pages() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/ws", echo_socket), {PAGE: {}, "null": {}})

    assert rows(cors.describe())[("/ws", "GET")].websocket == "listed+null"


def test_star_route_and_views() -> None:
    class Items(web.View, CorsViewMixin):
        async def get(self) -> web.Response:
            return web.Response()

        async def post(self) -> web.Response:
            return web.Response()

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions(allow_methods="*")})
    cors.add(app.router.add_route("*", "/any", hello))
    cors.add(app.router.add_view("/items", Items))

    surface = rows(cors.describe())

    assert surface[("/any", "*")].origins[0].allow_methods == "*"
    assert {method for path, method in surface if path == "/items"} == {"GET", "HEAD", "POST"}


def test_sub_applications_are_named_by_their_prefix_or_domain() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/", hello))
    admin = web.Application()
    admin_cors = aiohttp_cors.setup(admin, defaults={"https://admin.example": ResourceOptions()})
    admin_cors.add(admin.router.add_get("/users", hello))
    app.add_subapp("/admin", admin)
    api = web.Application()
    api.router.add_get("/v1", hello)
    app.add_domain("api.example.com", api)

    surface = rows(cors.describe())

    assert surface[("/", "GET")].app == "/"
    assert surface[("/admin/users", "GET")].app == "/admin"
    assert entries(surface[("/admin/users", "GET")]) == [("https://admin.example", "exact")]
    # The sub-application's own description is its part only.
    assert {path for path, _ in rows(admin_cors.describe())} == {"/admin/users"}


def test_domain_sub_application_in_app_wide_mode() -> None:
    app = web.Application()
    api = web.Application()
    api.router.add_get("/v1", hello)
    app.add_domain("api.example.com", api)
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()}, all_routes=True)

    assert rows(cors.describe())[("/v1", "GET")].app == "domain api.example.com"


async def test_describe_before_start_sees_later_routes_and_after_start_what_requests_get(
    aiohttp_client: AiohttpClient,
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()}, all_routes=True)
    app.router.add_get("/first", hello)
    before = cors.describe()
    app.router.add_get("/second", hello)  # app-wide mode: covered, though added later

    client = await aiohttp_client(app)
    after = cors.describe()

    assert {path for path, _ in rows(before)} == {"/first"}
    assert {path for path, _ in rows(after)} == {"/first", "/second"}
    response = await client.get("/second", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE


async def test_describe_follows_reconfigure(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    cors.add(app.router.add_get("/items", hello))
    await aiohttp_client(app)

    cors.reconfigure(defaults={"https://new.example": ResourceOptions()})

    assert entries(rows(cors.describe())[("/items", "GET")]) == [("https://new.example", "exact")]


async def test_describe_matches_what_requests_get(aiohttp_client: AiohttpClient) -> None:
    """The description is read from the policies requests use, not from a second reading of
    the configuration: every origin it lists is admitted, with the credentials it says."""
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_get("/items", hello),
        {PAGE: ResourceOptions(allow_credentials=True), "https://b.example": ResourceOptions()},
    )
    client = await aiohttp_client(app)
    for entry in rows(cors.describe())[("/items", "GET")].origins:
        response = await client.get("/items", headers={"Origin": entry.origin})
        assert response.headers.get(ACAO) == entry.origin
        assert ("Access-Control-Allow-Credentials" in response.headers) == entry.credentials
        answer = await client.options("/items", headers=preflight(entry.origin, "GET"))
        assert answer.status == 200
    handshake = await client.get("/items", headers={**HANDSHAKE, "Origin": PAGE})
    assert handshake.status != 403


def test_a_configuration_that_does_not_compile_is_a_clear_error() -> None:
    class Broken(web.View, CorsViewMixin):
        cors_config = {"not an origin": ResourceOptions()}

        async def get(self) -> web.Response:
            return web.Response()

    app = web.Application()
    cors = aiohttp_cors.setup(app, all_routes=True)
    app.router.add_view("/broken", Broken)

    with pytest.raises(aiohttp_cors.CorsConfigError, match="not an origin"):
        cors.describe()


def test_json_is_plain_and_reads_back() -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions(expose_headers="*")})
    cors.add(app.router.add_get("/items", hello))
    surface = cors.describe()

    document = json.loads(json.dumps(surface.to_json()))

    assert document["format"] == "aiohttp_cors-surface"
    assert document["routes"][0]["origins"][0]["expose_headers"] == "*"
    assert CorsSurface.from_json(document) == surface


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param([], "not a CORS surface document", id="not-a-mapping"),
        pytest.param({"format": "other", "routes": []}, "not a CORS surface", id="other-format"),
        pytest.param(
            {"format": "aiohttp_cors-surface", "version": 99, "routes": []},
            "version 99",
            id="version",
        ),
        pytest.param(
            {"format": "aiohttp_cors-surface", "version": 1, "routes": [{"app": "/"}]},
            "malformed",
            id="missing-field",
        ),
        pytest.param(
            {
                "format": "aiohttp_cors-surface",
                "version": 1,
                "routes": [
                    {"app": "/", "path": "/", "method": "GET", "exempt": "no", "origins": []}
                ],
            },
            "exempt must be true or false",
            id="wrong-type",
        ),
    ],
)
def test_bad_documents_are_refused_clearly(document: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CorsSurface.from_json(document)


names = st.lists(st.sampled_from(["X-A", "X-B", "X-C"]), unique=True).map(tuple)


@given(
    credentials=st.booleans(),
    methods=st.one_of(st.just("*"), names.map(lambda found: tuple(n.upper() for n in found))),
    headers=st.one_of(st.just("*"), names),
    exposed=st.one_of(st.just("*"), names),
    max_age=st.one_of(st.none(), st.integers(0, 86400)),
)
def test_every_entry_round_trips_through_json(
    credentials: bool, methods: Any, headers: Any, exposed: Any, max_age: int | None
) -> None:
    entry = OriginEntry(
        PAGE, "exact", credentials, methods, headers, exposed, max_age, False, False
    )
    route = RouteSurface("/", "/p", "GET", False, (entry,), "listed")
    surface = CorsSurface((route,))

    assert CorsSurface.from_json(json.loads(json.dumps(surface.to_json()))) == surface
