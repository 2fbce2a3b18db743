"""The classic matrix: one page, four API servers -- one allows the page's origin, one allows
only another origin, one is open to every origin ("*"), one has no CORS at all."""

from __future__ import annotations

import pytest

from aiohttp_cors import ResourceOptions

from .apps import start_cors_api, start_plain_api
from .harness import Page, Server, ServerPool, assert_calls

pytestmark = pytest.mark.browser

METHODS = ("GET", "PUT")


def _start_matrix(page: Page, servers: ServerPool) -> dict[str, Server]:
    return {
        "allows": start_cors_api(
            servers, {page.origin: ResourceOptions(allow_credentials=True)}, METHODS, name="allows"
        ),
        "denies": start_cors_api(
            servers, {"http://other.example": ResourceOptions()}, METHODS, name="denies"
        ),
        "star": start_cors_api(servers, {"*": ResourceOptions()}, METHODS, name="star"),
        "none": start_plain_api(servers, METHODS),
    }


def test_matrix_simple_get(page: Page, servers: ServerPool) -> None:
    matrix = _start_matrix(page, servers)

    results = {name: page.fetch(api.url("/api")) for name, api in matrix.items()}

    results["allows"].assert_readable(200, "GET /api")
    results["denies"].assert_blocked()
    results["star"].assert_readable(200, "GET /api")
    results["none"].assert_blocked()
    for name, api in matrix.items():
        assert_calls(api, [("GET", "/api")], results[name])
    star_seen = matrix["star"].requests()[0]
    star_acao = star_seen.response_headers.get("Access-Control-Allow-Origin")
    # The package reflects the origin rather than sending a literal "*".
    assert star_acao == page.origin, results["star"].describe()


def test_matrix_preflighted_put(page: Page, servers: ServerPool) -> None:
    matrix = _start_matrix(page, servers)

    results = {
        name: page.fetch(api.url("/api"), method="PUT", body="m") for name, api in matrix.items()
    }

    results["allows"].assert_readable(200, "PUT /api body=m")
    results["denies"].assert_blocked()
    results["star"].assert_readable(200, "PUT /api body=m")
    results["none"].assert_blocked()
    assert_calls(matrix["allows"], [("OPTIONS", "/api"), ("PUT", "/api")], results["allows"])
    assert_calls(matrix["denies"], [("OPTIONS", "/api")], results["denies"])
    assert_calls(matrix["star"], [("OPTIONS", "/api"), ("PUT", "/api")], results["star"])
    assert_calls(matrix["none"], [("OPTIONS", "/api")], results["none"])
    assert matrix["denies"].requests()[0].status == 403, results["denies"].describe()
    # Without CORS, aiohttp itself answers the OPTIONS request: 405, no CORS headers.
    assert matrix["none"].requests()[0].status == 405, results["none"].describe()


def test_matrix_credentialed_get(page: Page, servers: ServerPool) -> None:
    matrix = _start_matrix(page, servers)
    page.set_cookie("session", "matrix")

    results = {
        name: page.fetch(api.url("/api"), credentials="include") for name, api in matrix.items()
    }

    results["allows"].assert_readable(200, "GET /api")
    results["denies"].assert_blocked()
    results["star"].assert_blocked()  # "*" without allow_credentials: no ACAC
    results["none"].assert_blocked()
    for name, api in matrix.items():
        assert_calls(api, [("GET", "/api")], results[name])
        assert api.requests()[0].header("Cookie") == "session=matrix", results[name].describe()
