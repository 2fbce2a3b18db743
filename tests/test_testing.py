"""aiohttp_cors.testing: CORS assertions against real apps through pytest-aiohttp's client."""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeAlias

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

import aiohttp_cors
from aiohttp_cors import ResourceOptions
from aiohttp_cors._tools.demo import DEMO_TESTS, build_demo_apps
from aiohttp_cors.testing import (
    CheckError,
    CorsVerdict,
    Headers,
    assert_allowed,
    assert_blocked,
    check,
)

PAGE = "https://app.example.com"
OTHER = "https://other.example"
ROOT = Path(__file__).resolve().parent.parent

# A string: aiohttp before 3.10 has no generic TestClient.
Client: TypeAlias = "TestClient[web.Request, web.Application]"
ClientFactory = Callable[[web.Application], Awaitable[Client]]
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

SEEN = web.AppKey("seen", list[tuple[str, str, str | None]])


async def items(request: web.Request) -> web.Response:
    request.app[SEEN].append((request.method, request.path, request.headers.get("Cookie")))
    return web.json_response([1, 2], headers={"X-Total": "2", "X-Secret": "s"})


async def login(request: web.Request) -> web.Response:
    response = web.Response(text="in")
    response.set_cookie("session", "s1")
    return response


def build_app() -> web.Application:
    """One route per situation; every request the handlers answer is recorded in SEEN."""
    app = web.Application()
    app[SEEN] = []
    cors = aiohttp_cors.setup(app)
    page = {
        PAGE: ResourceOptions(
            allow_headers=("X-Token",), expose_headers=("X-Total",), allow_credentials=True
        )
    }
    router = app.router
    cors.add(router.add_get("/items", items), page)
    cors.add(router.add_put("/items", items), page)
    router.add_delete("/items", items)  # no CORS for DELETE
    cors.add(router.add_get("/no-credentials", items), {PAGE: ResourceOptions()})
    cors.add(router.add_get("/other-only", items), {OTHER: ResourceOptions()})
    router.add_get("/no-cors", items)
    router.add_put("/no-cors", items)
    router.add_post("/login", login)
    return app


class ServerClient:
    """What check() uses of a TestClient, for a server that is not behind one."""

    def __init__(self, root: URL, session: aiohttp.ClientSession) -> None:
        self.root = root
        self.session = session

    def make_url(self, path: str) -> URL:
        return self.root.join(URL(path))


@pytest.fixture
async def client(aiohttp_client: ClientFactory) -> Client:
    return await aiohttp_client(build_app())


def seen(client: Client) -> list[tuple[str, str, str | None]]:
    assert client.app is not None
    return client.app[SEEN]


# --------------------------------------------------------------------------------------------------
# Verdicts
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    path: str
    method: str = "GET"
    headers: Headers = None
    credentials: bool = False
    read_headers: tuple[str, ...] = ()
    origin: str = PAGE


# (case, allowed, preflighted, the blocking rules)
VERDICTS: dict[str, tuple[Case, bool, bool, set[str]]] = {
    "simple GET": (Case("/items"), True, False, set()),
    "preflighted PUT": (Case("/items", "PUT", {"X-Token": "t"}), True, True, set()),
    "credentials": (Case("/items", credentials=True), True, False, set()),
    "origin refused (actual)": (Case("/items", origin=OTHER), False, False, {"acao-missing"}),
    "origin refused (preflight)": (
        Case("/other-only", headers={"X-Token": "t"}),
        False,
        True,
        {"preflight-status"},
    ),
    "method refused": (Case("/items", "DELETE"), False, True, {"preflight-status"}),
    "header refused": (
        Case("/items", "PUT", [("X-Token", "t"), ("X-Other", "o")]),
        False,
        True,
        {"preflight-status"},
    ),
    "credentials refused": (
        Case("/no-credentials", credentials=True),
        False,
        False,
        {"acac-missing"},
    ),
    "no CORS at all": (Case("/no-cors"), False, False, {"acao-missing"}),
    "no CORS at all (preflight)": (Case("/no-cors", "PUT"), False, True, {"preflight-status"}),
}


@pytest.mark.parametrize(
    ("case", "allowed", "preflighted", "rules"), VERDICTS.values(), ids=VERDICTS
)
async def test_check(
    client: Client, case: Case, allowed: bool, preflighted: bool, rules: set[str]
) -> None:
    verdict = await check(
        client,
        case.path,
        origin=case.origin,
        method=case.method,
        headers=case.headers,
        credentials=case.credentials,
        read_headers=case.read_headers,
    )
    assert isinstance(verdict, CorsVerdict)
    assert verdict.allowed is allowed, verdict.explain()
    assert verdict.ok is allowed
    assert verdict.preflighted is preflighted
    assert {p.rule for p in verdict.problems if p.kind == "blocked"} == rules
    assert ("Verdict: ALLOWED" in verdict.explain()) is allowed
    preflight_refused = preflighted and "preflight-status" in rules
    # A browser sends the actual request unless the preflight failed.
    assert (verdict.status is None) is preflight_refused
    if not preflight_refused:
        assert verdict.status == 200
        assert [method for method, _, _ in seen(client)] == [case.method]
    if allowed:
        await assert_allowed(
            client,
            case.path,
            origin=case.origin,
            method=case.method,
            headers=case.headers,
            credentials=case.credentials,
        )
        with pytest.raises(AssertionError) as failure:
            await assert_blocked(
                client,
                case.path,
                origin=case.origin,
                method=case.method,
                headers=case.headers,
                credentials=case.credentials,
            )
        assert "but the page can read the response" in str(failure.value)
    else:
        await assert_blocked(
            client,
            case.path,
            origin=case.origin,
            method=case.method,
            headers=case.headers,
            credentials=case.credentials,
        )
        with pytest.raises(AssertionError) as failure:
            await assert_allowed(
                client,
                case.path,
                origin=case.origin,
                method=case.method,
                headers=case.headers,
                credentials=case.credentials,
            )
        assert "but it blocks it" in str(failure.value)


async def test_failure_message_is_the_doctors_explanation(client: Client) -> None:
    with pytest.raises(AssertionError) as failure:
        await assert_allowed(client, "/items", origin=PAGE, method="DELETE")
    message = str(failure.value)
    summary, explanation = message.split("\n\n", 1)
    assert summary == (
        f"expected a browser to allow DELETE {client.make_url('/items')} from a page on {PAGE}, "
        "but it blocks it"
    )
    assert explanation.startswith(f"CORS check of DELETE {client.make_url('/items')}")
    assert "request method 'DELETE' is not allowed" in explanation
    assert 'ResourceOptions(allow_methods=[..., "DELETE"])' in " ".join(explanation.split())


async def test_hidden_read_header(client: Client) -> None:
    """A header the page wants to read but cannot: allowed, not ok; assert_allowed fails and
    says so, assert_blocked fails too (the page still reads the body)."""
    verdict = await check(client, "/items", origin=PAGE, read_headers=["X-Total", "X-Secret"])
    assert verdict.allowed
    assert not verdict.ok
    assert verdict.hidden_headers == ("X-Secret",)
    assert [(p.rule, p.kind) for p in verdict.problems] == [("header-hidden", "hidden")]

    with pytest.raises(AssertionError) as failure:
        await assert_allowed(client, "/items", origin=PAGE, read_headers=["X-Secret"])
    summary = str(failure.value).split("\n\n", 1)[0]
    assert summary.endswith("it does, but the page cannot read X-Secret")
    assert "Verdict: ALLOWED, but the page cannot read: X-Secret" in str(failure.value)

    with pytest.raises(AssertionError, match="but the page can read the response"):
        await assert_blocked(client, "/items", origin=PAGE, read_headers=["X-Secret"])

    await assert_allowed(client, "/items", origin=PAGE, read_headers=["X-Total", "Content-Type"])


async def test_headers_as_mapping_or_pairs(client: Client) -> None:
    as_mapping = await check(client, "/items", origin=PAGE, headers={"X-Token": "t"})
    as_pairs = await check(client, "/items", origin=PAGE, headers=[("X-Token", "t")])
    assert as_mapping.report.request.headers == as_pairs.report.request.headers
    assert as_mapping.preflighted and as_pairs.preflighted
    # A name may repeat in pairs; the preflight lists it once.
    twice = await check(client, "/items", origin=PAGE, headers=(("X-Token", "a"), ("X-Token", "b")))
    assert twice.allowed
    assert twice.report.preflight is not None
    assert ("Access-Control-Request-Headers", "x-token") in twice.report.preflight.request_headers


async def test_safelisted_headers_need_no_preflight(client: Client) -> None:
    verdict = await assert_allowed(
        client, "/items", origin=PAGE, headers={"Accept": "application/json"}
    )
    assert not verdict.preflighted
    assert not verdict.report.preflight_reasons


async def test_credentials_carry_the_client_cookies(client: Client) -> None:
    await client.post("/login")  # the client's cookie jar now holds session=s1
    await assert_allowed(
        client, "/items", origin=PAGE, method="PUT", headers={"X-Token": "t"}, credentials=True
    )
    await assert_allowed(client, "/items", origin=PAGE)
    # Only the credentialed actual request carried the cookie: never a preflight (its OPTIONS
    # is answered by the plugin, not the handler), never a request without credentials.
    assert seen(client) == [("PUT", "/items", "session=s1"), ("GET", "/items", None)]


async def test_the_client_stays_usable(client: Client) -> None:
    """check() borrows the client's connector; it must not close it."""
    await check(client, "/items", origin=PAGE)
    response = await client.get("/items")
    assert response.status == 200


async def test_null_origin(client: Client) -> None:
    await assert_blocked(client, "/items", origin="null")


async def test_private_network(aiohttp_client: ClientFactory) -> None:
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/pna", items), {PAGE: ResourceOptions(allow_private_network=True)})
    cors.add(app.router.add_get("/public", items), {PAGE: ResourceOptions()})
    app[SEEN] = []
    client = await aiohttp_client(app)
    verdict = await assert_allowed(client, "/pna", origin=PAGE, private_network=True)
    assert verdict.preflighted
    await assert_blocked(client, "/public", origin=PAGE, private_network=True)


async def test_body(client: Client) -> None:
    verdict = await assert_allowed(client, "/items", origin=PAGE, method="PUT", body="text")
    assert verdict.preflighted  # for PUT, not for the body: a text body is safelisted
    assert verdict.report.actual is not None
    assert ("Content-Type", "text/plain;charset=UTF-8") in verdict.report.actual.request_headers


# --------------------------------------------------------------------------------------------------
# Bad arguments
# --------------------------------------------------------------------------------------------------


async def test_same_origin_is_refused(client: Client) -> None:
    own = str(client.make_url("/").origin())
    with pytest.raises(ValueError, match="is the test server's own origin") as error:
        await check(client, "/items", origin=own)
    assert str(error.value).count("\n") == 0


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"origin": "https://app.example.com/"}, ValueError, "trailing slash"),
        (
            {"origin": "HTTPS://App.example.com"},
            ValueError,
            "did you mean 'https://app.example.com'",
        ),
        ({"origin": "app.example.com"}, ValueError, "no scheme"),
        ({"origin": "https://*.example.com"}, ValueError, "pattern"),
        ({"origin": PAGE, "method": "TRACE"}, ValueError, "refuses the method"),
        ({"origin": PAGE, "headers": {"Cookie": "a=b"}}, ValueError, "cannot set the header"),
        ({"origin": PAGE, "headers": {"X A": "1"}}, ValueError, "not a valid HTTP header name"),
        ({"origin": PAGE, "body": "x"}, ValueError, "body with GET"),
        ({"origin": PAGE, "headers": "X-Token: 1"}, TypeError, "mapping or a sequence of pairs"),
        ({"origin": PAGE, "headers": [("X-Token",)]}, TypeError, r"\(name, value\) pair"),
        ({"origin": PAGE, "headers": {"X-Token": 1}}, TypeError, r"\(name, value\) pair"),
        ({"origin": PAGE, "read_headers": "X-Total"}, TypeError, "sequence of header names"),
        ({"origin": PAGE, "read_headers": ["X A"]}, ValueError, "not a valid HTTP header name"),
    ],
)
async def test_bad_arguments(
    client: Client, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        await check(client, "/items", **kwargs)
    assert seen(client) == []


async def test_server_unreachable(aiohttp_server: ServerFactory) -> None:
    server = await aiohttp_server(build_app())
    async with aiohttp.ClientSession() as session:
        client = ServerClient(server.make_url("/"), session)
        await server.close()  # nothing listens on its port any more
        with pytest.raises(CheckError, match="failed"):
            await check(client, "/items", origin=PAGE)


# --------------------------------------------------------------------------------------------------
# Any client with the TestClient members check() uses
# --------------------------------------------------------------------------------------------------


async def test_any_client_like_object(aiohttp_server: ServerFactory) -> None:
    server = await aiohttp_server(build_app())
    jar = aiohttp.CookieJar(unsafe=True)
    jar.update_cookies({"session": "s2"}, server.make_url("/"))
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        client = ServerClient(server.make_url("/"), session)
        await assert_allowed(client, "/items", origin=PAGE, credentials=True)
        await assert_blocked(client, "/no-cors", origin=PAGE)
    assert server.app is not None
    assert server.app[SEEN][0] == ("GET", "/items", "session=s2")


# --------------------------------------------------------------------------------------------------
# The documented examples, and the demo
# --------------------------------------------------------------------------------------------------


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "examples" / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE = load_example("testing_cors.py")
EXAMPLE_TESTS = sorted(name for name in vars(EXAMPLE) if name.startswith("test_"))


def test_the_example_has_tests() -> None:
    assert len(EXAMPLE_TESTS) >= 4


@pytest.mark.parametrize("name", EXAMPLE_TESTS)
async def test_documented_example(aiohttp_client: ClientFactory, name: str) -> None:
    """docs/testing.rst shows these tests (literalinclude): they must pass as written."""
    await getattr(EXAMPLE, name)(aiohttp_client)


async def test_the_examples_assertions_can_fail(aiohttp_client: ClientFactory) -> None:
    """The example's assert_blocked catches a policy that lets every origin in."""
    open_app = web.Application()
    cors = aiohttp_cors.setup(open_app, defaults={"*": ResourceOptions()})
    cors.add(open_app.router.add_get("/api/items", EXAMPLE.list_items))

    async def client_of_open_app(app: web.Application) -> Client:
        return await aiohttp_client(open_app)

    with pytest.raises(AssertionError, match="but the page can read the response"):
        await EXAMPLE.test_other_sites_cannot_read_items(client_of_open_app)


DEMO_PAGE = "http://127.0.0.1:9"


def _demo_case(name: str) -> dict[str, Any]:
    json_put = {"Content-Type": "application/json", "X-Demo-Token": "abc"}
    cases: dict[str, dict[str, Any]] = {
        "simple-get": {"path": "/api/simple"},
        "preflight-put": {"path": "/api/items/1", "method": "PUT", "headers": json_put},
        "preflight-refused-header": {
            "path": "/api/items/1",
            "method": "PUT",
            "headers": {"X-Not-Allowed": "1"},
        },
        "credentials-cookie": {"path": "/api/whoami", "credentials": True},
        "credentials-not-allowed": {"path": "/api/simple", "credentials": True},
        "exposed-header": {"path": "/api/headers", "read_headers": ["X-Exposed"]},
        "hidden-header": {"path": "/api/headers", "read_headers": ["X-Hidden"]},
        "refused-origin": {"path": "/api/refused"},
    }
    return cases[name]


@pytest.mark.parametrize("name", [name for name in DEMO_TESTS if not name.startswith("websocket")])
async def test_agrees_with_the_demo(aiohttp_client: ClientFactory, name: str) -> None:
    """The outcomes the demo page shows in a browser, from a test suite."""
    client = await aiohttp_client(build_demo_apps(DEMO_PAGE, "http://127.0.0.1:10")[1])
    case = _demo_case(name)
    verdict = await check(client, case.pop("path"), origin=DEMO_PAGE, **case)
    assert ("allowed" if verdict.ok else "blocked") == DEMO_TESTS[name], verdict.explain()


# --------------------------------------------------------------------------------------------------
# Messages speak Python, and fixes are written the way the app configures CORS
# --------------------------------------------------------------------------------------------------


async def test_cookie_header_error_names_the_python_arguments(client: Client) -> None:
    with pytest.raises(ValueError, match="cannot set the header") as error:
        await check(client, "/items", origin=PAGE, headers={"Cookie": "a=b"})
    message = str(error.value)
    assert "credentials=True" in message
    assert "cookie jar" in message
    assert "--" not in message


async def _refused(request: web.Request) -> web.Response:
    return web.Response(text="refused")


@aiohttp_cors.custom_cors({OTHER: ResourceOptions()})
async def decorated(request: web.Request) -> web.Response:
    return web.Response(text="decorated")


def modes_app() -> web.Application:
    """Each way of configuring a route, none of them allowing PAGE."""
    app = web.Application()
    cors = aiohttp_cors.setup(app, defaults={OTHER: ResourceOptions()}, all_routes="/api")
    app.router.add_get("/api/app-wide", _refused)
    app.router.add_get("/api/decorated", decorated)
    cors.add(app.router.add_get("/added", _refused), {OTHER: ResourceOptions()})
    return app


MODE_FIXES = [
    pytest.param(
        "/api/app-wide",
        f'setup(app, defaults={{"{PAGE}": ResourceOptions(...)}}, all_routes=...)',
        "cors.add",
        id="app-wide: setup's defaults, no cors.add",
    ),
    pytest.param(
        "/api/decorated",
        f'@custom_cors({{"{PAGE}": ResourceOptions(...)}}) on this route\'s handler',
        "cors.add",
        id="decorator: the handler's @custom_cors",
    ),
    pytest.param(
        "/added",
        f'cors.add(route, {{"{PAGE}": ResourceOptions(...)}})',
        "all_routes",
        id="cors.add: the route's config",
    ),
]


@pytest.mark.parametrize(("path", "fix", "not_said"), MODE_FIXES)
async def test_fix_is_written_in_the_apps_mode(
    aiohttp_client: ClientFactory, path: str, fix: str, not_said: str
) -> None:
    client = await aiohttp_client(modes_app())
    verdict = await check(client, path, origin=PAGE)
    (problem,) = [p for p in verdict.problems if p.rule == "acao-missing"]
    assert fix in problem.fix, verdict.explain()
    assert not_said not in problem.fix, verdict.explain()
    assert "only if you trust it" in problem.fix


def app_wide_app(defaults: bool) -> web.Application:
    app = web.Application()
    aiohttp_cors.setup(
        app, defaults={PAGE: ResourceOptions()} if defaults else None, all_routes=True
    )
    app.router.add_get("/items", _refused)
    return app


@pytest.mark.parametrize(
    ("defaults", "method", "headers", "said"),
    [
        pytest.param(
            True, "PUT", {}, "app-wide mode covers every route of /items, so it needs a PUT route",
            id="a method the path does not serve",
        ),
        pytest.param(
            True, "PUT", {"X-Token": "1"}, "(app-wide mode covers that route once it exists)",
            id="that method and a header: the combined fix",
        ),
        pytest.param(
            False, "GET", {"X-Token": "1"},
            "setup(app, all_routes=...) got no defaults, so no origin is allowed",
            id="setup without defaults",
        ),
    ],
)  # fmt: skip
async def test_refusals_in_app_wide_mode_name_setup_not_cors_add(
    aiohttp_client: ClientFactory, defaults: bool, method: str, headers: Headers, said: str
) -> None:
    # Each fix is about setup(..., all_routes=...), where this app writes its configuration.
    client = await aiohttp_client(app_wide_app(defaults))
    verdict = await check(client, "/items", origin=PAGE, method=method, headers=headers)
    (problem,) = verdict.problems
    assert said in problem.fix, verdict.explain()
    assert "cors.add" not in problem.fix, verdict.explain()
