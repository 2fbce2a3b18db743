"""Small helpers shared by the HTTP tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

ORIGIN = "Origin"
ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACRM = "Access-Control-Request-Method"
ACRH = "Access-Control-Request-Headers"

CORS_HEADERS = (ACAO, ACAC, ACAM, ACAH, ACEH, ACMA)

BODY = "payload"


async def hello(request: web.Request) -> web.Response:
    response = web.Response(text=BODY)
    response.headers["X-Payload-Id"] = "42"
    return response


def preflight(origin: str | None, method: str | None, headers: str | None = None) -> dict[str, str]:
    """Request headers of a preflight, leaving out the parts given as None."""
    result: dict[str, str] = {}
    if origin is not None:
        result[ORIGIN] = origin
    if method is not None:
        result[ACRM] = method
    if headers is not None:
        result[ACRH] = headers
    return result


def no_cors_headers(headers: Mapping[str, str]) -> bool:
    return not any(name in headers for name in CORS_HEADERS)


async def assert_items_api_for_app_example(client: Any) -> None:
    """The behaviour README's quick start and examples/quickstart.py promise: the page at
    https://app.example.com reads /api/items with cookies and X-Total-Count; others not."""
    page = "https://app.example.com"
    response = await client.get("/api/items", headers={ORIGIN: page})
    assert response.status == 200
    assert response.headers[ACAO] == page
    assert response.headers[ACAC] == "true"
    assert response.headers[ACEH] == "X-Total-Count"
    response = await client.get("/api/items", headers={ORIGIN: "https://elsewhere.example"})
    assert ACAO not in response.headers
