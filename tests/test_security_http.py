"""Configuration validation, security warnings, strict mode, Private Network Access,
WebSocket origin checks and diagnostics, through real apps."""

from __future__ import annotations

import logging
import re
import warnings
from typing import Any

import pytest
from aiohttp import WSMsgType, web

import aiohttp_cors
from aiohttp_cors import CorsConfigError, CorsSecurityWarning, ResourceOptions

from .helpers import ACAC, ACAO, hello, no_cors_headers, preflight

PAGE = "https://page.example"
OTHER = "https://other.example"
# The headers of a WebSocket handshake, as a browser sends them (Origin aside).
HANDSHAKE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


# --- validation ------------------------------------------------------------------------


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


# --- security warnings and strict mode ------------------------------------------------


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


async def test_never_star_with_credentials(aiohttp_client: Any) -> None:
    app = web.Application()
    with pytest.warns(CorsSecurityWarning):
        cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_credentials=True)})
    cors.add(app.router.add_get("/", hello))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    assert response.headers[ACAC] == "true"
    response = await client.options("/", headers=preflight(PAGE, "GET"))
    assert response.headers[ACAO] == PAGE


# --- origin patterns end to end ---------------------------------------------------------


async def test_patterns_over_http(aiohttp_client: Any) -> None:
    async def from_database(origin: str) -> bool:
        return origin == "https://tenant.example"

    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_put("/", hello),
        {
            "https://*.example.com": ResourceOptions(),
            "http://localhost:*": ResourceOptions(),
            re.compile(r"https://pr-\d+\.preview\.example"): ResourceOptions(),
            from_database: ResourceOptions(),
        },
    )
    client = await aiohttp_client(app)
    for origin, allowed in [
        ("https://a.example.com", True),
        ("https://example.com", False),
        ("https://evil-example.com", False),
        ("http://localhost:5173", True),
        ("https://pr-12.preview.example", True),
        ("https://pr-12.preview.example.evil.net", False),
        ("https://tenant.example", True),
        ("https://other.example", False),
    ]:
        response = await client.options("/", headers=preflight(origin, "PUT"))
        assert (response.status == 200) is allowed, origin
        response = await client.put("/", headers={"Origin": origin})
        assert (response.headers.get(ACAO) == origin) is allowed, origin


# --- Private Network Access ---------------------------------------------------------------


@pytest.mark.parametrize("allowed", [True, False])
async def test_private_network_access(aiohttp_client: Any, allowed: bool) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/", hello), {PAGE: ResourceOptions(allow_private_network=allowed)})
    client = await aiohttp_client(app)
    headers = {**preflight(PAGE, "GET"), "Access-Control-Request-Private-Network": "true"}
    response = await client.options("/", headers=headers)
    if allowed:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Private-Network"] == "true"
    else:
        assert response.status == 403
        assert "private network access is not allowed" in await response.text()
    response = await client.options("/", headers=preflight(PAGE, "GET"))
    assert response.status == 200
    assert "Access-Control-Allow-Private-Network" not in response.headers


# --- WebSocket handshakes -----------------------------------------------------------------


async def echo_socket(request: web.Request) -> web.WebSocketResponse:
    socket = web.WebSocketResponse()
    await socket.prepare(request)
    async for message in socket:
        if message.type == WSMsgType.TEXT:
            await socket.send_str(message.data)
    return socket


@web.middleware
async def passthrough(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    return response


async def ws_app(aiohttp_client: Any, *, other_middleware: bool = False) -> Any:
    # With another middleware the plugin keeps its own and checks the handshake before
    # the handler runs; without, it checks when the 101 is prepared: both must refuse.
    app = web.Application(middlewares=[passthrough] if other_middleware else [])
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/ws", echo_socket), {PAGE: ResourceOptions()})
    app.router.add_get("/open", echo_socket)
    return await aiohttp_client(app)


async def test_websocket_from_allowed_origin(aiohttp_client: Any) -> None:
    client = await ws_app(aiohttp_client)
    async with client.ws_connect("/ws", headers={"Origin": PAGE}) as socket:
        await socket.send_str("hi")
        assert (await socket.receive()).data == "hi"


async def test_websocket_without_origin_passes(aiohttp_client: Any) -> None:
    client = await ws_app(aiohttp_client)
    async with client.ws_connect("/ws") as socket:
        await socket.send_str("hi")
        assert (await socket.receive()).data == "hi"


async def test_websocket_from_own_origin_passes(aiohttp_client: Any) -> None:
    client = await ws_app(aiohttp_client)
    own = f"http://{client.host}:{client.port}"
    async with client.ws_connect("/ws", headers={"Origin": own}) as socket:
        await socket.send_str("hi")
        assert (await socket.receive()).data == "hi"


@pytest.mark.parametrize("other_middleware", [False, True])
async def test_websocket_from_refused_origin_is_403(
    aiohttp_client: Any, caplog: pytest.LogCaptureFixture, other_middleware: bool
) -> None:
    client = await ws_app(aiohttp_client, other_middleware=other_middleware)
    caplog.set_level(logging.DEBUG, logger="aiohttp_cors")
    response = await client.get(
        "/ws",
        headers={"Origin": OTHER, **HANDSHAKE},
    )
    assert response.status == 403
    assert "origin 'https://other.example' is not allowed" in await response.text()
    assert "websocket handshake refused" in caplog.text
    # Routes without CORS are left to the application.
    async with client.ws_connect("/open", headers={"Origin": OTHER}) as socket:
        await socket.send_str("hi")
        assert (await socket.receive()).data == "hi"


# --- diagnostics ---------------------------------------------------------------------------


async def test_refusals_are_logged_without_forgeable_lines(
    aiohttp_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/", hello), {PAGE: ResourceOptions()})
    client = await aiohttp_client(app)
    caplog.set_level(logging.DEBUG, logger="aiohttp_cors")
    hostile = "https://evil.example\tFAKE LOG LINE" + "x" * 500
    response = await client.options("/", headers=preflight(hostile, "GET"))
    assert response.status == 403
    assert no_cors_headers(response.headers)
    records = [r for r in caplog.records if r.name == "aiohttp_cors"]
    assert len(records) == 1
    line = records[0].getMessage()
    assert "preflight refused" in line
    assert "\t" not in line and "\n" not in line
    assert "\\t" in line  # escaped, visible
    assert len(line) < 600
    assert "route='/'" in line


async def test_handshake_refused_before_the_socket_opens_with_middlewares(
    aiohttp_client: Any,
) -> None:
    ran: list[str] = []

    async def socket_handler(request: web.Request) -> web.WebSocketResponse:
        ran.append("handler")
        socket = await echo_socket(request)
        ran.append("socket opened")
        return socket

    app = web.Application(middlewares=[passthrough])
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/ws", socket_handler), {PAGE: ResourceOptions()})
    client = await aiohttp_client(app)
    response = await client.get(
        "/ws",
        headers={"Origin": OTHER, **HANDSHAKE},
    )
    assert response.status == 403
    # The check runs in ws.prepare(): the handler's code before it runs, the socket never
    # opens and no message can be exchanged.
    assert ran == ["handler"]


@pytest.mark.parametrize(
    ("shape", "kept"),
    [
        ("plain", False),
        ("user middleware", True),
        ("star route", True),
        ("sub-app middleware", True),
    ],
)
async def test_middleware_kept_only_where_needed(
    aiohttp_client: Any, shape: str, kept: bool
) -> None:
    app = web.Application(middlewares=[passthrough] if shape == "user middleware" else [])
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions()})
    if shape == "star route":
        cors.add(app.router.add_route("*", "/", hello))
    else:
        cors.add(app.router.add_get("/", hello))
    if shape == "sub-app middleware":
        api = web.Application(middlewares=[passthrough])
        api.router.add_get("/x", hello)
        app.add_subapp("/api", api)
    client = await aiohttp_client(app)
    assert (len(app.middlewares) == (2 if shape == "user middleware" else 1)) is kept
    # Either way, preflights are answered and actual responses get their headers.
    response = await client.options("/", headers=preflight(PAGE, "GET"))
    assert response.status == 200
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE


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


# --- hostile request values --------------------------------------------------------------


async def raw_exchange(client: Any, raw: bytes) -> tuple[str, list[str]]:
    """Send raw request bytes (values aiohttp's client would refuse to send) and return
    the status line and the header lines of the answer."""
    import asyncio

    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(raw)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(65536), 5)
    writer.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    return head[0], head[1:]


@pytest.mark.parametrize(
    "origin",
    [b"\xff\xfe\x80", b"https://\xc3\xa9.example.com", b"https://a.example.com\tx", b"\xc3"],
)
@pytest.mark.parametrize("kind", ["preflight", "actual", "websocket"])
async def test_undecodable_origins_get_a_clean_refusal(
    aiohttp_client: Any, origin: bytes, kind: str
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_headers="*")})
    cors.add(app.router.add_get("/", echo_socket if kind == "websocket" else hello))
    client = await aiohttp_client(app)
    request = {
        "preflight": b"OPTIONS / HTTP/1.1\r\nAccess-Control-Request-Method: GET\r\n",
        "actual": b"GET / HTTP/1.1\r\n",
        "websocket": b"GET / HTTP/1.1\r\n"
        + b"".join(f"{k}: {v}\r\n".encode() for k, v in HANDSHAKE.items()),
    }[kind]
    raw = request + b"Host: x\r\nOrigin: " + origin + b"\r\nConnection: close\r\n\r\n"
    status, lines = await raw_exchange(client, raw)
    assert status.split()[1] in {"200", "403"}, status
    assert not any(line.lower().startswith("access-control-allow-origin") for line in lines)


@pytest.mark.parametrize("kind", ["preflight", "actual"])
async def test_several_origin_headers_are_trusted_for_none(aiohttp_client: Any, kind: str) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={PAGE: ResourceOptions(), OTHER: ResourceOptions()})
    cors.add(app.router.add_get("/", hello))
    client = await aiohttp_client(app)
    headers = [("Origin", PAGE), ("Origin", OTHER)]
    if kind == "preflight":
        response = await client.options(
            "/", headers=[*headers, ("Access-Control-Request-Method", "GET")]
        )
        assert response.status == 403
        assert "more than one Origin header" in await response.text()
    else:
        response = await client.get("/", headers=headers)
        assert response.status == 200
    assert no_cors_headers(response.headers)
