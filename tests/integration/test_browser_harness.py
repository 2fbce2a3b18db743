"""Controls for the harness itself, with CORS headers written by hand (no aiohttp_cors).

They prove the plumbing measures what the scenarios claim: a response without CORS headers is
blocked with a TypeError and a console error, a hand-written ACAO makes it readable, a
preflight is seen by the server before the actual request, and cookies reach the API server.
The last ones prove the cross-checks of the doctor and aiohttp_cors.testing.check: they repeat
the browser's request (cookies included) outside the request log, fail the call when the
verdicts differ, and count what they exclude.
"""

from __future__ import annotations

import pytest
from aiohttp import web

from .harness import (
    DOCTOR_USER_AGENT,
    EXCLUDED_AUTHORIZATION_STAR,
    EXCLUDED_SAME_ORIGIN,
    PAGE_HTML,
    CrossCheckTally,
    Page,
    ServerPool,
    assert_calls,
    assert_seen_header,
)

pytestmark = pytest.mark.browser


def _hand_cors_app(allowed_origin: str) -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        headers = {"Vary": "Origin"}
        origin = request.headers.get("Origin")
        if origin == allowed_origin:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Credentials"] = "true"
            if request.method == "OPTIONS":
                headers["Access-Control-Allow-Methods"] = request.headers.get(
                    "Access-Control-Request-Method", ""
                )
                headers["Access-Control-Allow-Headers"] = request.headers.get(
                    "Access-Control-Request-Headers", ""
                )
        body = "" if request.method == "OPTIONS" else f"{request.method} ok"
        return web.Response(text=body, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/api", handler)
    return app


def test_control_no_cors_headers_is_blocked(page: Page, servers: ServerPool) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="secret")

    app = web.Application()
    app.router.add_get("/api", handler)
    api = servers.start(app)

    res = page.fetch(api.url("/api"))

    res.assert_blocked()
    assert_calls(api, [("GET", "/api")], res)
    assert_seen_header(api.requests()[0], "Origin", page.origin, res)


def test_control_hand_written_cors_is_readable(page: Page, servers: ServerPool) -> None:
    api = servers.start(_hand_cors_app(page.origin))

    res = page.fetch(api.url("/api"))

    res.assert_readable(200, "GET ok")
    assert_calls(api, [("GET", "/api")], res)


def test_control_hand_written_preflight(page: Page, servers: ServerPool) -> None:
    api = servers.start(_hand_cors_app(page.origin))

    res = page.fetch(api.url("/api"), method="PUT", headers={"X-Custom": "1"})

    res.assert_readable(200, "PUT ok")
    assert_calls(api, [("OPTIONS", "/api"), ("PUT", "/api")], res)
    preflight = api.requests()[0]
    assert preflight.is_preflight
    assert_seen_header(preflight, "Access-Control-Request-Method", "PUT", res)
    assert_seen_header(preflight, "Access-Control-Request-Headers", "x-custom", res)


def test_control_cookie_reaches_api(page: Page, servers: ServerPool) -> None:
    api = servers.start(_hand_cors_app(page.origin))
    page.set_cookie("session", "control")

    res = page.fetch(api.url("/api"), credentials="include")

    res.assert_readable(200, "GET ok")
    assert_seen_header(api.requests()[0], "Cookie", "session=control", res)


def test_control_wrong_origin_is_blocked_and_console_explains(
    page: Page, servers: ServerPool
) -> None:
    api = servers.start(_hand_cors_app("http://elsewhere.example"))

    res = page.fetch(api.url("/api"), method="DELETE")

    res.assert_blocked()
    assert_calls(api, [("OPTIONS", "/api")], res)
    assert any("Access-Control-Allow-Origin" in line for line in res.cors_console_errors), (
        res.describe()
    )


def test_control_browsers_do_not_check_websocket_origins(page: Page, servers: ServerPool) -> None:
    # Why a server must check Origin on handshakes itself: without any CORS, any page opens it.
    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            await ws.send_str(f"echo: {msg.data}")
        return ws

    app = web.Application()
    app.router.add_get("/ws", ws_handler)
    api = servers.start(app)

    res = page.websocket(api.ws_url("/ws"), "anyone")

    res.assert_readable(101, "echo: anyone")
    assert_calls(api, [("GET", "/ws")], res)
    assert_seen_header(api.requests()[0], "Origin", page.origin, res)


def test_control_doctor_repeats_the_request_outside_the_log(
    page: Page, servers: ServerPool
) -> None:
    api = servers.start(_hand_cors_app(page.origin))
    page.set_cookie("session", "doctor")
    agreed = page.tally.agreed
    testing_agreed = page.tally.testing.agreed

    res = page.fetch(
        api.url("/api"), method="PUT", headers={"X-Custom": "1"}, credentials="include", body="b"
    )

    res.assert_readable(200, "PUT ok")
    assert page.tally.agreed == agreed + 1
    assert page.tally.testing.agreed == testing_agreed + 1
    # The scenario's log holds the browser's requests only; the doctor's and then
    # aiohttp_cors.testing.check's are kept apart.
    assert_calls(api, [("OPTIONS", "/api"), ("PUT", "/api")], res)
    assert all(seen.header("User-Agent") != DOCTOR_USER_AGENT for seen in api.requests())
    checks = api.doctor_requests()
    assert [(seen.method, seen.path) for seen in checks] == [
        ("OPTIONS", "/api"),
        ("PUT", "/api"),
    ] * 2
    for preflight, actual in (checks[:2], checks[2:]):
        assert_seen_header(preflight, "Access-Control-Request-Headers", "x-custom", res)
        assert_seen_header(preflight, "Cookie", None, res)
        assert_seen_header(actual, "Origin", page.origin, res)
        assert_seen_header(actual, "Cookie", "session=doctor", res)
        assert_seen_header(actual, "X-Custom", "1", res)
        assert_seen_header(actual, "User-Agent", DOCTOR_USER_AGENT, res)


def _allows_from_the_second_request(allowed_origin: str) -> web.Application:
    """A stateful server: the first request gets no CORS headers, later ones do."""
    answered: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        headers = {"Vary": "Origin"}
        if answered:
            headers["Access-Control-Allow-Origin"] = allowed_origin
        answered.append(request.method)
        return web.Response(text="stateful", headers=headers)

    app = web.Application()
    app.router.add_get("/api", handler)
    return app


def test_control_doctor_disagreement_fails_the_call(page: Page, servers: ServerPool) -> None:
    page.tally = CrossCheckTally()  # keep this deliberate disagreement out of the session tally
    api = servers.start(_allows_from_the_second_request(page.origin))

    with pytest.raises(AssertionError) as failure:
        page.fetch(api.url("/api"))

    message = str(failure.value)
    assert "Chromium says blocked, the doctor says allowed" in message
    assert "CORS policy" in message  # Chromium's console message
    assert "Verdict: ALLOWED" in message  # the doctor's report
    assert page.tally.disagreed == 1
    assert_calls(api, [("GET", "/api")])


def test_control_doctor_skip_is_counted(page: Page, servers: ServerPool) -> None:
    page.tally = CrossCheckTally()
    api = servers.start(_allows_from_the_second_request(page.origin))

    res = page.fetch(api.url("/api"), doctor_skip="answers change after the first request")

    res.assert_blocked()
    assert page.tally.agreed == page.tally.disagreed == 0
    assert page.tally.excluded == {
        "excluded by the scenario: answers change after the first request": 1
    }
    assert api.doctor_requests() == []


def test_control_doctor_failed_rules_in_the_message(page: Page, servers: ServerPool) -> None:
    page.tally = CrossCheckTally()
    calls: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        # Readable for the browser's request, refused (wrong ACAO) for the doctor's.
        calls.append(request.method)
        origin = page.origin if len(calls) == 1 else "http://elsewhere.example"
        return web.Response(text="x", headers={"Access-Control-Allow-Origin": origin})

    app = web.Application()
    app.router.add_get("/api", handler)
    api = servers.start(app)

    with pytest.raises(AssertionError) as failure:
        page.fetch(api.url("/api"))

    message = str(failure.value)
    assert "Chromium says allowed, the doctor says blocked" in message
    assert "[actual] acao-mismatch:" in message, message


def test_control_same_origin_call_is_excluded(page: Page, servers: ServerPool) -> None:
    async def own_page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE_HTML, content_type="text/html")

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text="same origin")

    app = web.Application()
    app.router.add_get("/", own_page)
    app.router.add_get("/api", handler)
    api = servers.start(app)
    page.goto(server=api)
    excluded = page.tally.excluded[EXCLUDED_SAME_ORIGIN]

    res = page.fetch(api.url("/api"))

    res.assert_readable(200, "same origin")
    assert page.tally.excluded[EXCLUDED_SAME_ORIGIN] == excluded + 1
    assert api.doctor_requests() == []


def test_control_chromium_lets_authorization_through_acah_star(
    page: Page, servers: ServerPool
) -> None:
    # The Fetch standard: "Access-Control-Allow-Headers: *" never covers Authorization.  The
    # Chromium under test still lets it through; the doctor follows the standard, so the
    # harness excludes this case (EXCLUDED_AUTHORIZATION_STAR).  When Chromium complies, this
    # control fails: drop the exclusion rule then.
    async def handler(request: web.Request) -> web.Response:
        headers = {"Access-Control-Allow-Origin": request.headers.get("Origin", "")}
        if request.method == "OPTIONS":
            headers["Access-Control-Allow-Headers"] = "*"
        return web.Response(
            text="" if request.method == "OPTIONS" else "authorized", headers=headers
        )

    app = web.Application()
    app.router.add_route("*", "/api", handler)
    api = servers.start(app)
    excluded = page.tally.excluded[EXCLUDED_AUTHORIZATION_STAR]

    res = page.fetch(api.url("/api"), headers={"Authorization": "Bearer x"}, cache="no-store")

    res.assert_readable(200, "authorized")
    assert_calls(api, [("OPTIONS", "/api"), ("GET", "/api")], res)
    assert page.tally.excluded[EXCLUDED_AUTHORIZATION_STAR] == excluded + 1
