"""Property tests: random configurations and requests, checked against a simple oracle."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aiohttp_cors
from aiohttp_cors import ResourceOptions
from aiohttp_cors._core.headers import parse_request_headers
from aiohttp_cors._core.origins import parse_origin_key
from aiohttp_cors._core.pending import Pending
from aiohttp_cors._core.policy import ResourcePolicy
from aiohttp_cors._core.table import MethodGrant, OriginTable, PreflightEntry, Rule

# The configurations drawn here include insecure ones on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp_cors.CorsSecurityWarning")

KEYS = [
    "https://a.example",
    "https://b.example",
    "http://localhost:*",
    "https://*.corp.example",
    "*",
    "null",
]
ORIGINS = [
    "https://a.example",
    "https://b.example",
    "https://c.example",
    "http://localhost:3000",
    "https://localhost:3000",
    "https://x.corp.example",
    "https://x.y.corp.example",
    "https://corp.example",
    "https://evilcorp.example",
    "https://x.corp.example.evil",
    "null",
    "NULL",
    "https://a.example/",
    "https://A.example",
    "",
    "https://a.example\x7f",
]
_SENDABLE = re.compile(r"null|[a-z][a-z0-9+.\-]*://[a-z0-9_\-]+(\.[a-z0-9_\-]+)*(:[0-9]{1,5})?")


def oracle_allows(keys: list[str], origin: str) -> bool:
    """An independent, deliberately naive statement of which origins a config admits."""
    for key in keys:
        if key == origin:
            return True
        if key == "*" and _SENDABLE.fullmatch(origin):
            return True
        if key == "http://localhost:*" and re.fullmatch(r"http://localhost(:[0-9]{1,5})?", origin):
            return True
        if key == "https://*.corp.example" and re.fullmatch(
            r"https://([a-z0-9_\-]+\.)+corp\.example", origin
        ):
            return True
    return False


options_strategy = st.builds(
    ResourceOptions,
    allow_credentials=st.booleans(),
    expose_headers=st.sampled_from([(), ("X-A",), "*"]),
    allow_headers=st.sampled_from([(), ("X-A", "Content-Type"), "*"]),
    max_age=st.sampled_from([None, 0, 600]),
    allow_methods=st.sampled_from([None, "*", ("GET", "PUT")]),
    allow_private_network=st.booleans(),
    send_wildcard=st.just(False),
)
config_strategy = st.dictionaries(st.sampled_from(KEYS), options_strategy, max_size=4)
header_lists = st.lists(
    st.one_of(
        st.sampled_from(["x-a", "X-A", "content-type", " ", "", "authorization"]),
        st.text(max_size=20),
    ),
    max_size=6,
).map(lambda parts: [",".join(parts)])


@settings(max_examples=300, deadline=None)
@given(
    config=config_strategy,
    origin=st.one_of(st.sampled_from(ORIGINS), st.text(max_size=40)),
    method=st.sampled_from(["GET", "PUT", "DELETE", "patch", "PATCH", "", "G ET"]),
    requested=header_lists,
    private_network=st.booleans(),
)
def test_preflight_verdicts_are_sound(
    config: dict[str, ResourceOptions],
    origin: str,
    method: str,
    requested: list[str],
    private_network: bool,
) -> None:
    table = OriginTable.build([tuple((parse_origin_key(k), o) for k, o in config.items())])
    rule = table.match(origin, None)
    assert not isinstance(rule, Pending)
    assert (rule is not None) is oracle_allows(list(config), origin)
    served = ("GET", "PUT", "DELETE", "patch", "PATCH")
    policy = ResourcePolicy(
        actual_tables={"GET": table},
        other_methods=table,
        preflight_tables={
            m: PreflightEntry(table, MethodGrant.ROUTED if m == "GET" else MethodGrant.LISTED)
            for m in served
        },
    )
    answer = policy.preflight([origin], method, requested, private_network, None)
    assert not isinstance(answer, Pending)
    if answer.refusal is not None:
        assert answer.refusal.startswith("CORS preflight request failed: ")
        assert "Access-Control-Allow-Origin" not in answer.headers
        return
    headers = answer.headers
    assert isinstance(rule, Rule)
    assert headers.getall("Access-Control-Allow-Origin") == [origin] != ["*"]
    assert headers["Access-Control-Allow-Methods"] == method
    assert method in served
    if rule.options.allow_credentials:
        assert headers["Access-Control-Allow-Credentials"] == "true"
    names = parse_request_headers(requested)
    if names:
        assert headers["Access-Control-Allow-Headers"].split(",") == [
            name.upper() for name in names
        ]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    config=config_strategy,
    origin=st.one_of(st.none(), st.sampled_from(ORIGINS[:13])),
    preflight=st.booleans(),
    handler_vary=st.sampled_from([None, "Accept-Encoding", "origin"]),
)
async def test_http_responses_are_sound(
    config: dict[str, ResourceOptions], origin: str | None, preflight: bool, handler_vary: Any
) -> None:
    async def handler(request: web.Request) -> web.Response:
        response = web.Response(text="ok", headers={"X-A": "1"})
        if handler_vary:
            response.headers["Vary"] = handler_vary
        return response

    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/", handler), config)
    async with TestClient(TestServer(app)) as client:
        headers = {"Origin": origin} if origin is not None else {}
        if preflight:
            headers["Access-Control-Request-Method"] = "GET"
            response = await client.options("/", headers=headers)
        else:
            response = await client.get("/", headers=headers)
        assert response.status in (200, 403)
        acao = response.headers.getall("Access-Control-Allow-Origin", [])
        allowed = origin is not None and oracle_allows(list(config), origin)
        if allowed:
            assert acao == [origin]
        else:
            assert acao == []
            assert "Access-Control-Allow-Credentials" not in response.headers
        vary = ",".join(response.headers.getall("Vary", [])).lower()
        assert "origin" in [part.strip() for part in vary.split(",")]
        if handler_vary == "Accept-Encoding" and not preflight:
            assert "accept-encoding" in vary
        if acao and response.headers.get("Access-Control-Allow-Credentials"):
            assert acao != ["*"]
