"""Fixtures for the real-browser suite: one headless Chromium per session, aiohttp servers on a
background event loop, fresh ports (so fresh origins) for every test.

The tests are plain synchronous functions: Selenium blocks, and the servers keep answering on
their own thread.  A missing Chromium or chromedriver is a hard error, never a skip.

Every fetch()/XHR of the :class:`Page` is cross-checked with the CORS doctor; the session's
tally ("doctor cross-checks: N agreed, M excluded (...)") ends the terminal summary.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

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


def _require_executable(path: str, package: str) -> None:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(
            f"browser suite needs {path} (install the Debian package '{package}': "
            f"apt-get install -y --no-install-recommends chromium chromium-driver); "
            "these tests never skip",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def server_loop() -> Iterator[ServerLoop]:
    loop = ServerLoop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[ChromeDriver]:
    _require_executable(CHROMIUM, "chromium")
    _require_executable(CHROMEDRIVER, "chromium-driver")
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
