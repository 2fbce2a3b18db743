"""What the browser suite does on a machine without Chromium: plain ``pytest`` skips it with
one line saying how to install the browser; with ``AIOHTTP_CORS_REQUIRE_BROWSER=1`` (set by
scripts/run-tests and CI) every browser test fails instead.

Each case runs the browser suite in a pytest subprocess whose Chromium path names a file that
does not exist.  These tests need no browser themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import INSTALL_HINT, REQUIRE_BROWSER

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def run_browser_suite(tmp_path: Path, *, required: bool) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CORS_TEST_CHROMIUM=str(tmp_path / "no-chromium"))
    env.pop(REQUIRE_BROWSER, None)
    if required:
        env[REQUIRE_BROWSER] = "1"
    return subprocess.run(
        # The whole browser suite; "-m browser" leaves out this module, which would recurse.
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-m", "browser", HERE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_chromium_plain_pytest_skips_with_one_line(tmp_path: Path) -> None:
    result = run_browser_suite(tmp_path, required=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    hint_lines = [line for line in output.splitlines() if INSTALL_HINT in line]
    assert len(hint_lines) == 1, output
    assert hint_lines[0].startswith("SKIPPED ["), output
    assert "browser tests skipped" in hint_lines[0]
    summary = output.strip().splitlines()[-1]
    assert " skipped" in summary and "passed" not in summary and "error" not in summary, summary


def test_without_chromium_required_browser_fails(tmp_path: Path) -> None:
    result = run_browser_suite(tmp_path, required=True)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    missing = tmp_path / "no-chromium"
    assert f"browser tests need Chromium ({missing} missing): {INSTALL_HINT}" in output, output
    summary = output.strip().splitlines()[-1]
    assert " error" in summary and "skipped" not in summary and "passed" not in summary, summary
