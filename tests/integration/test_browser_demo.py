"""Chromium as the referee of the CORS tools: the demo page's outcomes, and the doctor's verdicts.

* The demo page (``python -m aiohttp_cors demo``) runs its battery in a real browser; every row
  must end with the outcome the page expects.
* The doctor claims to do what a browser does: for each server scenario of tests/test_doctor.py,
  Chromium's fetch() must reach the expected verdict, and (through the harness's cross-checks of
  every fetch) the doctor and aiohttp_cors.testing.check must agree with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import time
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from aiohttp_cors._tools.browser import BrowserRequest
from aiohttp_cors._tools.demo import DEMO_TESTS, bind_socket, serve_demo

from ..test_doctor import CASES, make_app
from .harness import Page, ServerLoop, ServerPool

pytestmark = pytest.mark.browser


@contextlib.contextmanager
def serving_demo(server_loop: ServerLoop) -> Iterator[int]:
    """The demo served on 127.0.0.1 (as ``python -m aiohttp_cors demo`` does); yields the
    page's port."""
    page_sock = bind_socket("127.0.0.1", 0)
    api_sock = bind_socket("127.0.0.1", 0)
    out = io.StringIO()
    stop = asyncio.Event()
    serving = asyncio.run_coroutine_threadsafe(
        serve_demo(page_sock, api_sock, "127.0.0.1", stop, out), server_loop.loop
    )
    try:
        deadline = time.monotonic() + 10
        while "Press Ctrl-C" not in out.getvalue():
            assert not serving.done(), serving.exception()
            assert time.monotonic() < deadline, "the demo did not start"
            time.sleep(0.02)
        yield page_sock.getsockname()[1]
    finally:
        server_loop.loop.call_soon_threadsafe(stop.set)
        serving.result(timeout=10)
        page_sock.close()
        api_sock.close()


def _wait_for_summary(browser: WebDriver) -> str:
    WebDriverWait(browser, 30).until(
        lambda d: (
            d.find_element(By.ID, "summary").get_attribute("data-state") in ("done", "wrong-origin")
        )
    )
    return browser.find_element(By.ID, "summary").get_attribute("data-state") or ""


def test_demo_page_outcomes(browser: WebDriver, server_loop: ServerLoop) -> None:
    with serving_demo(server_loop) as page_port:
        browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
        try:
            browser.get(f"http://127.0.0.1:{page_port}/")
            assert _wait_for_summary(browser) == "done"
            rows = browser.find_elements(By.CSS_SELECTOR, "tr[data-test]")
            outcomes = {
                row.get_attribute("data-test"): row.get_attribute("data-outcome") for row in rows
            }
            expected = {
                row.get_attribute("data-test"): row.get_attribute("data-expected") for row in rows
            }
            seen = {row.get_attribute("data-test"): row.get_attribute("data-seen") for row in rows}
            texts = {
                row.get_attribute("data-test"): row.find_element(
                    By.CSS_SELECTOR, ".explanation"
                ).text
                for row in rows
            }
            explanations = "\n".join(f"{name}: {text}" for name, text in texts.items())
            assert expected == DEMO_TESTS
            assert outcomes == DEMO_TESTS, explanations
            assert not browser.find_element(By.ID, "wrong-origin").is_displayed()
        finally:
            browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    # Each explanation starts with what the page observed, then says why.
    assert seen == {
        "simple-get": "resolved",
        "preflight-put": "resolved",
        "preflight-refused-header": "rejected",
        "credentials-cookie": "cookie-seen",
        "credentials-not-allowed": "rejected",
        "exposed-header": "readable",
        "hidden-header": "hidden",
        "refused-origin": "rejected",
        "websocket": "opened",
        "websocket-refused-origin": "refused",
    }, explanations
    for text in texts.values():
        assert " Why: " in text and "Unexpected" not in text, text
    for name in ("preflight-refused-header", "credentials-not-allowed", "refused-origin"):
        assert texts[name].startswith("fetch() rejected (TypeError: "), explanations
        assert "the browser hid the response from the page. Why: " in texts[name], name
    hidden = texts["hidden-header"]
    assert hidden.startswith("fetch() resolved (status 200), and headers.get('X-Hidden')")
    assert "rejected" not in hidden, hidden
    refused = texts["websocket-refused-origin"]
    assert "fetch()" not in refused, refused
    assert refused.startswith("The socket never opened: the connection failed before it opened")
    assert "close code 1006" in refused and "answered the handshake with 403" in refused
    assert texts["websocket"].startswith("The socket opened and answered 'echo: ping'.")
    assert "fetch()" not in texts["websocket"]
    for name in ("simple-get", "preflight-put", "exposed-header", "credentials-cookie"):
        assert "rejected" not in texts[name], texts[name]
    summary = browser.find_element(By.ID, "summary")
    assert summary.get_attribute("data-unexpected") == "0"
    assert "as expected" in summary.text


def test_demo_page_on_another_origin_says_which_url_to_open(
    browser: WebDriver, server_loop: ServerLoop
) -> None:
    # The demo prints http://127.0.0.1:PORT/; a user opens http://localhost:PORT/, the same
    # server under another origin, which the API does not allow.
    with serving_demo(server_loop) as page_port:
        browser.get(f"http://localhost:{page_port}/")
        assert _wait_for_summary(browser) == "wrong-origin"
        warning = browser.find_element(By.ID, "wrong-origin")
        assert warning.is_displayed()
        configured = f"http://127.0.0.1:{page_port}"
        assert f"open on http://localhost:{page_port}," in warning.text, warning.text
        assert f"allow {configured}:" in warning.text, warning.text
        link = warning.find_element(By.TAG_NAME, "a")
        assert link.text == link.get_attribute("href") == f"{configured}/"
        # No outcomes that would mislead: nothing ran, nothing is shown as a result.
        assert browser.find_elements(By.CSS_SELECTOR, "tr[data-test]") == []
        assert not browser.find_element(By.ID, "results").is_displayed()
        summary = browser.find_element(By.ID, "summary")
        assert summary.text == f"Not run: open {configured}/ instead."
        assert not browser.find_element(By.ID, "rerun").is_enabled()


def _comparable(scenario: str, request_: BrowserRequest) -> bool:
    """Whether Chromium can referee this case.

    Not comparable: Private Network Access (Chromium put its preflights on hold); and
    Authorization under 'Access-Control-Allow-Headers: *', which the Fetch standard refuses but
    the Chromium used here still lets through (the doctor follows the standard and says so in
    its message).
    """
    if scenario in ("private-network", "private-network-refused"):
        return False
    has_authorization = any(n.lower() == "authorization" for n, _ in request_.headers)
    return not (scenario == "acah-star" and has_authorization)


_COMPARED = [case for case in CASES if _comparable(case[0], case[1])]


@pytest.mark.parametrize(
    ("scenario", "request_", "verdict"),
    [(s, r, v) for s, r, v, _ in _COMPARED],
    ids=[f"{s}-{r.method}{'-cred' if r.credentials else ''}" for s, r, _, _ in _COMPARED],
)
def test_doctor_agrees_with_chromium(
    page: Page,
    servers: ServerPool,
    scenario: str,
    request_: BrowserRequest,
    verdict: str,
) -> None:
    # Page.fetch runs the doctor on the same request and fails on a different verdict (see
    # harness.py); here Chromium must also reach the verdict tests/test_doctor.py expects, and
    # the harness must have compared the two rather than excluded the case.
    api = servers.start(make_app())
    agreed = page.tally.agreed
    testing_agreed = page.tally.testing.agreed
    result = page.fetch(
        api.url(f"/s/{scenario}"),
        method=request_.method,
        headers=dict(request_.headers),
        credentials="include" if request_.credentials else "same-origin",
        cache="no-store",
    )
    browser_verdict = "allowed" if result.ok else "blocked"
    assert browser_verdict == verdict, result.describe()
    assert page.tally.agreed == agreed + 1, result.describe()
    assert page.tally.testing.agreed == testing_agreed + 1, result.describe()
