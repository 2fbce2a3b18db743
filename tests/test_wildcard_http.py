"""The public wildcard: ``ResourceOptions(send_wildcard=True)`` under ``"*"`` answers with a
literal ``Access-Control-Allow-Origin: *`` (Starlette, Quart-CORS's
``send_origin_wildcard``, flask-cors's ``send_wildcard``), which shared caches keep once."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsConfigError, ResourceOptions

from .helpers import ACAC, ACAO, ACEH, hello, preflight

if TYPE_CHECKING:
    from .helpers import AiohttpClient

PAGE = "https://page.example"
PUBLIC = {"*": ResourceOptions(send_wildcard=True, expose_headers=("X-Payload-Id",))}


async def test_actual_responses_carry_a_literal_star_and_no_vary(
    aiohttp_client: AiohttpClient,
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/public", hello), PUBLIC)
    client = await aiohttp_client(app)
    for headers in ({"Origin": PAGE}, {"Origin": "null"}, {}):
        response = await client.get("/public", headers=headers)
        assert response.headers.getall(ACAO) == ["*"]
        assert response.headers[ACEH] == "X-Payload-Id"
        assert ACAC not in response.headers
        assert "Vary" not in response.headers


async def test_preflights_answer_with_a_star(aiohttp_client: AiohttpClient) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_put("/public", hello), PUBLIC)
    client = await aiohttp_client(app)
    response = await client.options("/public", headers=preflight(PAGE, "PUT"))
    assert response.status == 200
    assert response.headers[ACAO] == "*"


async def test_beside_specific_origins_responses_still_vary(
    aiohttp_client: AiohttpClient,
) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(
        app,
        defaults={
            "*": ResourceOptions(send_wildcard=True),
            PAGE: ResourceOptions(allow_credentials=True),
        },
    )
    cors.add(app.router.add_get("/", hello))
    client = await aiohttp_client(app)
    response = await client.get("/", headers={"Origin": PAGE})
    assert response.headers[ACAO] == PAGE
    assert response.headers[ACAC] == "true"
    assert "Origin" in response.headers["Vary"]
    response = await client.get("/", headers={"Origin": "https://other.example"})
    assert response.headers[ACAO] == "*"
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(
            {PAGE: ResourceOptions(send_wildcard=True)},
            "only valid under the '*' origin key",
            id="under another key",
        ),
        pytest.param(
            {"*": {"send_wildcard": True, "allow_credentials": True}},
            "cannot go with 'allow_credentials'",
            id="with credentials",
        ),
        pytest.param({"*": {"send_wildcard": "yes"}}, "must be boolean", id="not a bool"),
    ],
)
def test_refused_configurations(config: dict[str, object], message: str) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    with pytest.raises(CorsConfigError, match=re.escape(message)):
        cors.add(app.router.add_get("/", hello), config)  # type: ignore[arg-type]


def test_refused_with_credentials_at_construction() -> None:
    with pytest.raises(CorsConfigError, match="cannot go with 'allow_credentials'"):
        ResourceOptions(send_wildcard=True, allow_credentials=True)
