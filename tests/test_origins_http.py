"""The Origin header through real apps: origin keys of every form (exact, wildcard, port,
pattern, callable) end to end, and Origin values no origin key may match (undecodable bytes,
several Origin headers) refused cleanly in preflights, actual requests and handshakes."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

from .helpers import ACAO, HANDSHAKE, echo_socket, hello, no_cors_headers, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient, Client

PAGE = "https://page.example"
OTHER = "https://other.example"


async def test_patterns_over_http(aiohttp_client: AiohttpClient) -> None:
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


# --- hostile Origin values -----------------------------------------------------------------


async def raw_exchange(client: Client, raw: bytes) -> tuple[str, list[str]]:
    """Send raw request bytes (values aiohttp's client would refuse to send) and return
    the status line and the header lines of the answer."""
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
    aiohttp_client: AiohttpClient, origin: bytes, kind: str
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
async def test_several_origin_headers_are_trusted_for_none(
    aiohttp_client: AiohttpClient, kind: str
) -> None:
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


# --- origin callables that see the request (django-cors-headers' check_request_enabled) ----

TENANTS = {"a.api.example": "https://a.example", "b.api.example": "https://b.example"}


@aiohttp_cors.varies_on()  # the host is part of the URL: no header to add to Vary
def tenant_origin(origin: str, request: web.Request) -> bool:
    return TENANTS.get(request.host) == origin


@aiohttp_cors.varies_on()
async def tenant_origin_async(origin: str, request: web.Request) -> bool:
    await asyncio.sleep(0)
    return TENANTS.get(request.host) == origin


@pytest.mark.parametrize("key", [tenant_origin, tenant_origin_async], ids=["sync", "async"])
async def test_request_aware_callables_decide_per_host(
    aiohttp_client: AiohttpClient, key: object
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_put("/data", hello), {key: ResourceOptions()})
    client = await aiohttp_client(app)
    for host, origin, allowed in (
        ("a.api.example", "https://a.example", True),
        ("b.api.example", "https://a.example", False),
        ("b.api.example", "https://b.example", True),
        ("a.api.example", "https://a.example", True),  # never cached: asked again
    ):
        headers = {"Host": host}
        response = await client.put("/data", headers={"Origin": origin, **headers})
        assert (response.headers.get(ACAO) == origin) is allowed, (host, origin)
        response = await client.options("/data", headers={**preflight(origin, "PUT"), **headers})
        assert (response.status == 200) is allowed, (host, origin)


async def test_request_aware_callables_check_handshakes(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/ws", echo_socket), {tenant_origin: ResourceOptions()})
    client = await aiohttp_client(app)
    allowed = {"Origin": "https://a.example", "Host": "a.api.example", **HANDSHAKE}
    response = await client.get("/ws", headers=allowed)
    assert response.status == 101
    response.close()
    refused = {"Origin": "https://a.example", "Host": "b.api.example", **HANDSHAKE}
    response = await client.get("/ws", headers=refused)
    assert response.status == 403


async def test_a_failing_callable_refuses_and_logs_once(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(origin: str) -> bool:
        raise LookupError("the tenant table is down")

    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_put("/", hello), {broken: ResourceOptions()})
    client = await aiohttp_client(app)
    caplog.set_level(logging.DEBUG, logger="aiohttp_cors")
    for _ in range(3):
        response = await client.put("/", headers={"Origin": PAGE})
        assert response.status == 200
        assert ACAO not in response.headers
        response = await client.options("/", headers=preflight(PAGE, "PUT"))
        assert response.status == 403
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None and "the tenant table is down" in caplog.text


async def test_trailing_dot_origins_as_browsers_send_them(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/", hello), {"https://example.com.": ResourceOptions()})
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": "https://example.com."})
    assert response.headers[ACAO] == "https://example.com."
    response = await client.get("/", headers={"Origin": "https://example.com"})
    assert ACAO not in response.headers
