"""Security round 3 (issue 19): each finding of the attack on the new features, as a table
of the attacks it stands for, through the public API.  docs/security.rst's threat table
names these tests."""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import warnings
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsConfigError, CorsViewMixin, ResourceOptions, cors_exempt, custom_cors

from .helpers import ACAC, ACAO, HANDSHAKE, ORIGIN, echo_socket, hello, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient

SITE = "https://app.example"
STRANGER = "https://evil.test"
COOKIE = {"Cookie": "session=victim"}


def vary_of(headers: Any) -> list[str]:
    return [part.strip().lower() for line in headers.getall("Vary", ()) for part in line.split(",")]


# --- 1. cookie-carrying handshakes are judged as credentialed ---------------------------


def socket_app(key: object, *, strict: bool) -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(app, strict=strict)
    cors.add(app.router.add_get("/ws", echo_socket), {key: ResourceOptions()})
    return app


@pytest.mark.parametrize(
    ("key", "origin", "cookie", "status"),
    [
        pytest.param(re.compile(".*"), "null", True, 403, id="match-all regex, null"),
        pytest.param(re.compile(".*"), STRANGER, True, 403, id="match-all regex, stranger"),
        pytest.param(re.compile("https://.*"), STRANGER, True, 403, id="any https origin"),
        pytest.param(
            "https://*.github.io", "https://attacker.github.io", True, 403, id="public suffix"
        ),
        pytest.param("http://intranet.example", "http://intranet.example", True, 403, id="http"),
        pytest.param(re.compile(".*"), STRANGER, False, 101, id="no cookie: nothing to hijack"),
        pytest.param(
            "https://*.github.io", "https://attacker.github.io", False, 101, id="PSL, no cookie"
        ),
        pytest.param(SITE, SITE, True, 101, id="a listed https origin"),
        pytest.param(
            re.compile(r"https://(www\.)?app\.example"), SITE, True, 101, id="an anchored regex"
        ),
        pytest.param("https://*.app.example", "https://a.app.example", True, 101, id="own subs"),
    ],
)
async def test_strict_mode_judges_a_cookie_handshake_as_credentialed(
    aiohttp_client: AiohttpClient, key: object, origin: str, cookie: bool, status: int
) -> None:
    client = await aiohttp_client(socket_app(key, strict=True))
    headers = {ORIGIN: origin, **HANDSHAKE, **(COOKIE if cookie else {})}
    response = await client.get("/ws", headers=headers)
    assert response.status == status, await response.text()
    if status == 403:
        assert "strict mode refuses with credentials" in await response.text()


async def test_strict_mode_leaves_callables_to_their_author(
    aiohttp_client: AiohttpClient,
) -> None:
    client = await aiohttp_client(socket_app(lambda origin: True, strict=True))
    response = await client.get("/ws", headers={ORIGIN: STRANGER, **HANDSHAKE, **COOKIE})
    assert response.status == 101


async def test_default_mode_warns_once_per_route_about_a_cookie_handshake(
    aiohttp_client: AiohttpClient,
) -> None:
    client = await aiohttp_client(socket_app(re.compile("https://.*"), strict=False))
    headers = {ORIGIN: STRANGER, **HANDSHAKE, **COOKIE}
    with pytest.warns(aiohttp_cors.CorsSecurityWarning, match="refuses with credentials"):
        assert (await client.get("/ws", headers=headers)).status == 101
    with warnings.catch_warnings():
        warnings.simplefilter("error", aiohttp_cors.CorsSecurityWarning)
        assert (await client.get("/ws", headers=headers)).status == 101


# --- 2. @cors_exempt means the plugin touches nothing ---------------------------------


async def own_cors_handler(request: web.Request) -> web.Response:
    """An exempt handler doing CORS its own way."""
    return web.Response(
        text="mine",
        headers={ACAO: "https://partner.example", "Vary": "X-Mine", "X-Own": "1"},
    )


OWN_HEADERS = {ACAO: "https://partner.example", "Vary": "X-Mine", "X-Own": "1"}
CREDENTIALED = {SITE: ResourceOptions(allow_credentials=True, allow_methods="*")}


def exempt_star_app(shape: str) -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=CREDENTIALED)
    resource = app.router.add_resource("/data")
    if shape == "resource added whole":
        cors.add(resource)
        resource.add_route("GET", hello)
        resource.add_route("*", cors_exempt(own_cors_handler))
    else:  # another CORS route on the path
        cors.add(resource.add_route("GET", hello))
        resource.add_route("*", cors_exempt(own_cors_handler))
    return app


@pytest.mark.parametrize("shape", ["resource added whole", "another CORS route"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
async def test_an_exempt_star_route_gets_nothing_from_the_plugin(
    aiohttp_client: AiohttpClient, shape: str, method: str
) -> None:
    client = await aiohttp_client(exempt_star_app(shape))
    for headers in ({ORIGIN: SITE}, {ORIGIN: STRANGER}, {}):
        response = await client.request(method, "/data", headers=headers)
        assert await response.text() == "mine"
        own = {name: response.headers.getall(name) for name in OWN_HEADERS}
        assert own == {name: [value] for name, value in OWN_HEADERS.items()}
        assert ACAC not in response.headers
    # The CORS route of the same path keeps its answer.
    response = await client.get("/data", headers={ORIGIN: SITE})
    assert response.headers[ACAO] == SITE


class PartlyExemptView(web.View, CorsViewMixin):
    async def get(self) -> web.Response:
        return await hello(self.request)

    @cors_exempt
    async def post(self) -> web.Response:
        return await own_cors_handler(self.request)


async def test_an_exempt_view_method_gets_nothing_from_the_plugin(
    aiohttp_client: AiohttpClient,
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=CREDENTIALED)
    cors.add(app.router.add_view("/view", PartlyExemptView))
    client = await aiohttp_client(app)
    response = await client.post("/view", headers={ORIGIN: SITE})
    assert response.headers.getall(ACAO) == ["https://partner.example"]
    assert response.headers.getall("Vary") == ["X-Mine"]
    assert ACAC not in response.headers
    response = await client.get("/view", headers={ORIGIN: SITE})
    assert response.headers[ACAO] == SITE
    # A preflight for the exempt method is refused, one for the other granted.
    assert (await client.options("/view", headers=preflight(SITE, "POST"))).status == 403
    assert (await client.options("/view", headers=preflight(SITE, "GET"))).status == 200


# --- 3. inherit_defaults=False without a config closes the route ------------------------


async def test_inherit_defaults_false_without_config_closes_the_route(
    aiohttp_client: AiohttpClient,
) -> None:
    @custom_cors({"https://own.example": ResourceOptions()})
    async def with_own_config(request: web.Request) -> web.Response:
        return web.Response(text="own")

    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults=CREDENTIALED)
    cors.add(app.router.add_get("/closed", hello), inherit_defaults=False)
    cors.add(app.router.add_get("/own", with_own_config), inherit_defaults=False)
    cors.add(app.router.add_get("/open", hello))
    client = await aiohttp_client(app)
    response = await client.get("/closed", headers={ORIGIN: SITE})
    assert ACAO not in response.headers and ACAC not in response.headers
    assert "origin" in vary_of(response.headers)
    assert (await client.options("/closed", headers=preflight(SITE, "GET"))).status == 403
    # The handler's own config still applies, without the defaults under it.
    response = await client.get("/own", headers={ORIGIN: "https://own.example"})
    assert response.headers[ACAO] == "https://own.example"
    assert ACAO not in (await client.get("/own", headers={ORIGIN: SITE})).headers
    assert (await client.get("/open", headers={ORIGIN: SITE})).headers[ACAC] == "true"


# --- 4. the regex review reads the parsed pattern --------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        pytest.param(r"https://.*example[.]com", id="[.]"),
        pytest.param(r"https://.*example(?:\.)com", id="(?:\\.)"),
        pytest.param(r"https://.*example\x2ecom", id="\\x2e"),
        pytest.param(r"https://.*example\056com", id="\\056"),
        pytest.param(r"https://.*example\u002ecom", id="\\u002e"),
        pytest.param(r"https://.*example[\.]com", id="[\\.]"),
        pytest.param(r"https://.*example(\.)com", id="(\\.)"),
        pytest.param(r"https://.*example.{1}com", id="dot repeated once"),
    ],
)
def test_strict_mode_refuses_a_regex_however_its_dots_are_spelled(pattern: str) -> None:
    app = web.Application()
    config = {re.compile(pattern): ResourceOptions(allow_credentials=True)}
    with pytest.raises(CorsConfigError, match="look-alike"):
        aiohttp_cors.setup(app, defaults=config, strict=True)


def test_strict_mode_refuses_a_verbose_regex() -> None:
    pattern = re.compile(
        r"""https://  .*    # any prefix: the mistake
            example [.] com""",
        re.X,
    )
    with pytest.raises(CorsConfigError, match="look-alike"):
        aiohttp_cors.setup(
            web.Application(),
            defaults={pattern: ResourceOptions(allow_credentials=True)},
            strict=True,
        )


@pytest.mark.parametrize(
    "pattern",
    [
        r"https://(www[.])?example[.]com",
        r"https://(?:www\x2e)?example\056com",
        r"https://[a-z]+(?:\.)example\.com",
    ],
)
def test_strict_mode_accepts_an_anchored_regex_however_its_dots_are_spelled(pattern: str) -> None:
    config = {re.compile(pattern): ResourceOptions(allow_credentials=True)}
    aiohttp_cors.setup(web.Application(), defaults=config, strict=True)


# --- 5. varies_on ---------------------------------------------------------------------------


@aiohttp_cors.varies_on("X-Plan")
def paying(origin: str, request: web.Request) -> bool:
    return request.headers.get("X-Plan") == "pro"


@aiohttp_cors.varies_on("X-Plan", "X-Tenant")
async def paying_async(origin: str, request: web.Request) -> bool:
    await asyncio.sleep(0)
    return request.headers.get("X-Plan") == "pro"


@pytest.mark.parametrize("key", [paying, paying_async], ids=["sync", "async"])
async def test_every_response_of_the_path_varies_on_what_the_callable_reads(
    aiohttp_client: AiohttpClient, key: Any
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    resource = app.router.add_resource("/report")
    cors.add(resource, {key: ResourceOptions()})
    resource.add_route("GET", hello)
    client = await aiohttp_client(app)
    names = {"origin", *(name.lower() for name in key.__aiohttp_cors_varies_on__)}
    requests: list[tuple[str, dict[str, str]]] = [
        ("GET", {ORIGIN: SITE, "X-Plan": "pro"}),
        ("GET", {ORIGIN: SITE, "X-Plan": "free"}),
        ("GET", {}),
        ("OPTIONS", {**preflight(SITE, "GET"), "X-Plan": "pro"}),
        ("OPTIONS", {**preflight(SITE, "GET"), "X-Plan": "free"}),
    ]
    granted = []
    for method, headers in requests:
        response = await client.request(method, "/report", headers=headers)
        assert names <= set(vary_of(response.headers)), (method, headers, response.headers)
        granted.append(ACAO in response.headers)
    assert granted == [True, False, False, True, False]


async def test_a_request_aware_callable_without_varies_on_is_warned_about() -> None:
    def reads_a_header(origin: str, request: web.Request) -> bool:
        return request.headers.get("X-Plan") == "pro"

    with pytest.warns(aiohttp_cors.CorsSecurityWarning, match="varies_on"):
        aiohttp_cors.setup(web.Application(), defaults={reads_a_header: ResourceOptions()})
    with pytest.raises(CorsConfigError, match="varies_on"):
        aiohttp_cors.setup(
            web.Application(), defaults={reads_a_header: ResourceOptions()}, strict=True
        )
    # Origin-only callables and marked ones are not.
    with warnings.catch_warnings():
        warnings.simplefilter("error", aiohttp_cors.CorsSecurityWarning)
        aiohttp_cors.setup(web.Application(), defaults={paying: ResourceOptions()}, strict=True)
        aiohttp_cors.setup(web.Application(), defaults={lambda o: True: ResourceOptions()})


def test_a_callable_is_warned_about_once_however_many_routes_use_it() -> None:
    def reads_a_header(origin: str, request: web.Request) -> bool:
        return request.headers.get("X-Plan") == "pro"

    app = web.Application()
    cors = aiohttp_cors.setup(app)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for number in range(5):
            cors.add(app.router.add_get(f"/r{number}", hello), {reads_a_header: ResourceOptions()})
    assert len([w for w in caught if "varies_on" in str(w.message)]) == 1


@pytest.mark.parametrize(
    ("names", "error"),
    [
        (("X Plan",), ValueError),
        (("",), ValueError),
        ((b"X-Plan",), ValueError),
    ],
)
def test_varies_on_takes_header_names(names: tuple[Any, ...], error: type[Exception]) -> None:
    with pytest.raises(error, match="header names"):
        aiohttp_cors.varies_on(*names)


def test_varies_on_marks_functions_not_bound_methods() -> None:
    class Checker:
        def check(self, origin: str, request: object) -> bool:
            return True

    with pytest.raises(TypeError, match="bound method"):
        aiohttp_cors.varies_on("X-Plan")(Checker().check)


# --- 6. cache bounds count every part of the key -----------------------------------------


async def test_long_methods_do_not_grow_the_granted_preflight_cache(
    aiohttp_client: AiohttpClient,
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    route = cors.add(
        app.router.add_route("*", "/any", hello), {"*": ResourceOptions(allow_methods="*")}
    )
    client = await aiohttp_client(app)
    for number in range(40):
        method = f"M{number}" + "X" * 8000
        response = await client.options("/any", headers=preflight(SITE, method))
        assert response.status == 200
    assert cors._hooks.compiled().by_resource[route.resource].granted == {}


# --- 7. a parent's cors.add on a route of a sub-application with its own setup ------------


async def test_a_parents_add_on_a_route_of_a_configured_sub_app_is_an_error(
    aiohttp_client: AiohttpClient,
) -> None:
    sub = web.Application()
    aiohttp_cors.setup(sub, defaults={SITE: ResourceOptions()})
    route = sub.router.add_get("/x", hello)
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={STRANGER: ResourceOptions()})
    cors.add(route)
    app.add_subapp("/sub", sub)
    with pytest.raises(CorsConfigError, match=r"own aiohttp_cors\.setup"):
        await aiohttp_client(app)


# --- 8. origin_timeout ---------------------------------------------------------------------


async def hangs(origin: str) -> bool:
    await asyncio.sleep(3600)
    return True


async def cancels(origin: str) -> bool:
    raise asyncio.CancelledError


def cancels_synchronously(origin: str) -> bool:
    raise asyncio.CancelledError


def callable_app(key: object, **setup: Any) -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(app, **setup)
    cors.add(app.router.add_get("/ws", echo_socket), {key: ResourceOptions()})
    cors.add(app.router.add_put("/data", hello), {key: ResourceOptions()})
    return app


async def test_a_hanging_origin_callable_is_refused_after_origin_timeout(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = await aiohttp_client(callable_app(hangs, origin_timeout=0.05))
    with caplog.at_level(logging.DEBUG, logger="aiohttp_cors"):
        for _ in range(2):
            response = await client.put("/data", headers={ORIGIN: SITE})
            assert response.status == 200 and ACAO not in response.headers
            assert "origin" in vary_of(response.headers)
        response = await client.options("/data", headers=preflight(SITE, "PUT"))
        assert response.status == 403
        assert "origin_timeout" in await response.text()
        response = await client.get("/ws", headers={ORIGIN: SITE, **HANDSHAKE})
        assert response.status == 403
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "timeout" in r.message]
    assert sum("'/data'" in record.message for record in warned) == 1
    assert sum("'/ws'" in record.message for record in warned) == 1


@pytest.mark.parametrize("key", [cancels, cancels_synchronously], ids=["async", "sync"])
async def test_a_cancelled_error_from_the_callable_is_a_refusal(
    aiohttp_client: AiohttpClient, key: object
) -> None:
    client = await aiohttp_client(callable_app(key))
    response = await client.put("/data", headers={ORIGIN: SITE})
    assert response.status == 200 and ACAO not in response.headers
    response = await client.options("/data", headers=preflight(SITE, "PUT"))
    assert response.status == 403
    response = await client.get("/ws", headers={ORIGIN: SITE, **HANDSHAKE})
    assert response.status == 403


def test_origin_timeout_has_a_documented_default() -> None:
    assert inspect.signature(aiohttp_cors.setup).parameters["origin_timeout"].default == 5.0


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (0, ValueError),
        (-1, ValueError),
        (float("inf"), ValueError),
        (float("nan"), ValueError),
        ("5", TypeError),
        (True, TypeError),
    ],
)
def test_origin_timeout_is_checked(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="origin_timeout"):
        aiohttp_cors.setup(web.Application(), origin_timeout=value)  # type: ignore[arg-type]


# --- 10. all_routes of a sub-application is relative to it -------------------------------


@pytest.mark.parametrize("first", ["actual", "preflight"])
async def test_all_routes_of_a_sub_app_ignores_its_mount_prefix(
    aiohttp_client: AiohttpClient, first: str
) -> None:
    sub = web.Application()
    aiohttp_cors.setup(sub, all_routes="/foo", defaults={SITE: ResourceOptions()})
    sub.router.add_put("/foo/x", hello)
    sub.router.add_put("/bar", hello)
    app = web.Application()
    app.add_subapp("/prefix", sub)
    client = await aiohttp_client(app)
    if first == "preflight":
        response = await client.options("/prefix/foo/x", headers=preflight(SITE, "PUT"))
        assert response.status == 200, await response.text()
    response = await client.put("/prefix/foo/x", headers={ORIGIN: SITE})
    assert response.headers[ACAO] == SITE
    response = await client.put("/prefix/bar", headers={ORIGIN: SITE})
    assert ACAO not in response.headers
    response = await client.options("/prefix/foo/x", headers=preflight(SITE, "PUT"))
    assert response.status == 200
    # Router errors under the relative scope are readable, outside it not.
    response = await client.get("/prefix/foo/missing", headers={ORIGIN: SITE})
    assert response.status == 404 and response.headers[ACAO] == SITE
    response = await client.get("/prefix/missing", headers={ORIGIN: SITE})
    assert response.status == 404 and ACAO not in response.headers


# --- 11. the smaller ones --------------------------------------------------------------------


async def test_options_may_be_preflighted_on_a_star_route(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_route("*", "/any", hello), {SITE: ResourceOptions()})
    client = await aiohttp_client(app)
    response = await client.options("/any", headers=preflight(SITE, "OPTIONS"))
    assert response.status == 200, await response.text()
    assert response.headers["Access-Control-Allow-Methods"] == "OPTIONS"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:65535", True),
        ("http://localhost:1", True),
        ("http://localhost", True),
        ("http://localhost:65536", False),
        ("http://localhost:99999", False),
        ("http://localhost:0", False),
        ("http://localhost:080", False),
        ("http://localhost:80", False),  # the default port is never serialized
    ],
)
async def test_a_port_wildcard_admits_only_ports_a_browser_sends(
    aiohttp_client: AiohttpClient, origin: str, allowed: bool
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"http://localhost:*": ResourceOptions()})
    cors.add(app.router.add_get("/", hello))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={ORIGIN: origin})
    assert (response.headers.get(ACAO) == origin) is allowed
