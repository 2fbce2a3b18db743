"""Fixtures for the real-browser suite: one headless Chromium per session, aiohttp servers on a
background event loop, fresh ports (so fresh origins) for every test.

The tests are plain synchronous functions: Selenium blocks, and the servers keep answering on
their own thread.

Without Chromium or chromedriver, plain ``pytest`` skips the tests that need the browser, with
one summary line saying how to get it.  README's test command (scripts/run-tests) and CI set
``AIOHTTP_CORS_REQUIRE_BROWSER=1``, which makes a missing browser a failure: they never skip.

Every fetch()/XHR of the :class:`Page` is cross-checked with the CORS doctor; the session's
tally ("doctor cross-checks: N agreed, M excluded (...)") ends the terminal summary.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator, Iterator
from typing import NoReturn

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver as ChromeDriver

from .harness import (
    SCRIPT_TIMEOUT_S,
    CrossCheckTally,
    Page,
    ServerLoop,
    ServerPool,
    make_page_app,
)

TALLY_KEY = pytest.StashKey[CrossCheckTally]()

# Overridable for other machines; the defaults are Debian's chromium and chromium-driver.
CHROMIUM = os.environ.get("CORS_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CORS_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
# Set (to anything but "" or "0") by scripts/run-tests and .ci/run.
REQUIRE_BROWSER = "AIOHTTP_CORS_REQUIRE_BROWSER"
INSTALL_HINT = (
    "install Debian's chromium and chromium-driver "
    "(apt-get install chromium chromium-driver) or run bash scripts/run-tests"
)


def browser_required() -> bool:
    return os.environ.get(REQUIRE_BROWSER, "") not in ("", "0")


def _missing_executables() -> list[str]:
    return [
        path
        for path in (CHROMIUM, CHROMEDRIVER)
        if not (os.path.isfile(path) and os.access(path, os.X_OK))
    ]


SKIP_PREFIX = "browser tests skipped"


def _browser_unavailable(problem: str) -> NoReturn:
    """Skip the test, or fail it where the browser is required."""
    if browser_required():
        pytest.fail(f"browser tests need Chromium ({problem}): {INSTALL_HINT}", pytrace=False)
    pytest.skip(f"{SKIP_PREFIX} ({problem}): {INSTALL_HINT}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    # pytest reports a skip raised by a fixture at each test's own line, and -ra prints
    # one summary line per place: place the missing-browser skips here instead, so the
    # whole browser suite takes one line.
    if report.skipped and isinstance(report.longrepr, tuple) and SKIP_PREFIX in report.longrepr[2]:
        report.longrepr = (
            __file__,
            _browser_unavailable.__code__.co_firstlineno,
            report.longrepr[2],
        )
    return report


@pytest.fixture(scope="session")
def server_loop() -> Iterator[ServerLoop]:
    loop = ServerLoop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[ChromeDriver]:
    missing = _missing_executables()
    if missing:
        _browser_unavailable(f"{' and '.join(missing)} missing")
    home = tempfile.mkdtemp(prefix="cors-browser-home-")
    profile = tempfile.mkdtemp(prefix="cors-browser-profile-")
    # Never let Selenium Manager look for (or download) a driver.
    os.environ["SE_OFFLINE"] = "true"
    env = dict(os.environ, HOME=home, TMPDIR=home, SE_OFFLINE="true")

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-component-update",
        "--no-proxy-server",
        "--disable-background-networking",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    # Allow third-party cookies, so credentialed cross-origin requests carry them.
    options.add_experimental_option("prefs", {"profile.cookie_controls_mode": 0})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})

    try:
        driver = webdriver.Chrome(
            service=Service(executable_path=CHROMEDRIVER, env=env), options=options
        )
    except WebDriverException as exc:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)
        pytest.fail(f"could not start headless Chromium via {CHROMEDRIVER}: {exc}", pytrace=False)
    driver.set_script_timeout(SCRIPT_TIMEOUT_S)
    driver.set_page_load_timeout(SCRIPT_TIMEOUT_S)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def servers(server_loop: ServerLoop) -> Iterator[ServerPool]:
    """Start aiohttp apps with ``servers.start(app)``; all are stopped after the test."""
    pool = ServerPool(server_loop)
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def doctor_tally(pytestconfig: pytest.Config) -> CrossCheckTally:
    """The doctor cross-checks of the session, reported by :func:`pytest_terminal_summary`."""
    return pytestconfig.stash.setdefault(TALLY_KEY, CrossCheckTally())


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    tally = terminalreporter.config.stash.get(TALLY_KEY, None)
    if tally is not None:
        terminalreporter.write_line(tally.summary())


@pytest.fixture
def page(
    browser: ChromeDriver, servers: ServerPool, doctor_tally: CrossCheckTally
) -> Iterator[Page]:
    """The browser showing a page from a fresh origin A (``http://127.0.0.1:<new port>``);
    every fetch()/XHR it runs is cross-checked with the doctor."""
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    page_server = servers.start(make_page_app(), name="A(page)")
    tab = Page(browser, servers, page_server, doctor_tally)
    tab.goto()
    yield tab
    browser.get_log("browser")  # type: ignore[no-untyped-call]
    browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
