"""Small helpers shared by the HTTP tests."""

from __future__ import annotations

from collections.abc import Mapping

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
