"""``python -m aiohttp_cors routes``: the table, JSON, the baseline and its gate's exit
codes, and the ways of naming an application."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aiohttp_cors import CorsSurface
from aiohttp_cors._tools.cli import main

from .routes_targets import PAGE

TARGET = "tests.routes_targets:make_app"
ROOT = Path(__file__).parent.parent


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_table_has_a_line_per_route_and_origin(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "routes", TARGET, "--origin", "https://b.example", "--credentials")

    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "APP",
        "PATH",
        "METHOD",
        "ORIGIN",
        "KIND",
        "CREDENTIALS",
        "METHODS",
        "HEADERS",
        "EXPOSED",
        "MAX-AGE",
        "WEBSOCKET",
    ]
    assert ["/", "/items", "GET", PAGE, "exact", "yes", "GET,HEAD", "-", "-", "-", "listed"] in [
        line.split() for line in lines
    ]
    assert any(line.split()[:4] == ["/", "/items", "GET", "https://b.example"] for line in lines)
    assert lines[-1] == "4 routes (path x method) with CORS"


def test_json_is_the_described_surface(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "routes", TARGET, "--json")

    assert status == 0
    surface = CorsSurface.from_json(json.loads(out))
    assert {(route.path, route.method) for route in surface} == {
        ("/items", "GET"),
        ("/items", "HEAD"),
        ("/ws", "GET"),
        ("/ws", "HEAD"),
    }


@pytest.mark.parametrize(
    ("target", "origin"),
    [
        pytest.param("tests.routes_targets:app", "https://module-level.example", id="application"),
        pytest.param("tests.routes_targets:create_app", PAGE, id="function"),
        pytest.param(
            "tests.routes_targets:create_app_async", "https://async.example", id="async-function"
        ),
    ],
)
def test_an_application_or_a_function_returning_one(
    capsys: pytest.CaptureFixture[str], target: str, origin: str
) -> None:
    status, out, _ = run(capsys, "routes", target, "--json")

    assert status == 0
    origins = {entry["origin"] for route in json.loads(out)["routes"] for entry in route["origins"]}
    assert origin in origins


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(["no_colon"], "is not MODULE:ATTR", id="no-colon"),
        pytest.param(["tests.no_such_module:app"], "cannot import module", id="no-module"),
        pytest.param(["tests.routes_targets:nothing"], "has no attribute", id="no-attribute"),
        pytest.param(["tests.routes_targets:PAGE"], "not an aiohttp Application", id="a-string"),
        pytest.param(["tests.routes_targets:not_an_app"], "returned str", id="returns-other"),
        pytest.param(["tests.routes_targets:no_cors"], "no CORS configuration", id="no-cors"),
        pytest.param(["tests.routes_targets:broken_config"], "not an origin", id="bad-config"),
        pytest.param(
            ["tests.routes_targets:create_app", "--extra"], "takes no argument", id="extra-args"
        ),
        pytest.param(["tests.routes_targets:app", "--extra"], "takes no arguments", id="app-args"),
        pytest.param([TARGET, "--baseline", "/nonexistent/b.json"], "cannot read", id="no-file"),
        pytest.param(
            ["tests.routes_targets:failing_factory"], "database unreachable", id="factory-raises"
        ),
        pytest.param([TARGET, "--no-such-flag"], "while building", id="factory-exits"),
    ],
)
def test_what_cannot_be_described_exits_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, _, err = run(capsys, "routes", *argv)

    assert status == 2
    assert message in err
    assert err.splitlines()[-1].startswith("error: ")  # after a factory's own usage text


def test_a_baseline_that_is_not_one_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text("{not json")

    status, _, err = run(capsys, "routes", TARGET, "--baseline", str(baseline))

    assert status == 2
    assert "is not usable" in err


@pytest.mark.parametrize(
    ("change", "line"),
    [
        pytest.param(
            ["--path", "/new"],
            f"widened: GET /new: new route open to origin '{PAGE}' (exact)",
            id="new-path",
        ),
        pytest.param(
            ["--origin", "https://b.example"],
            "widened: GET /items: origin 'https://b.example' (exact) added",
            id="new-origin",
        ),
        pytest.param(
            ["--credentials"],
            f"widened: GET /items, origin '{PAGE}' (exact): credentials turned on",
            id="credentials",
        ),
        pytest.param(
            ["--method", "PUT"],
            f"widened: GET /items, origin '{PAGE}' (exact): methods added: PUT",
            id="method",
        ),
        pytest.param(
            ["--header", "X-Token"],
            f"widened: GET /items, origin '{PAGE}' (exact): request headers added: X-TOKEN",
            id="header",
        ),
        pytest.param(
            ["--expose", "X-Total"],
            f"widened: GET /items, origin '{PAGE}' (exact): exposed headers added: X-Total",
            id="exposed-header",
        ),
        pytest.param(
            ["--websocket-star"],
            "widened: GET /ws: WebSocket handshakes from any origins, was listed",
            id="websocket",
        ),
    ],
)
def test_a_widening_is_printed_in_one_line_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, change: list[str], line: str
) -> None:
    baseline = tmp_path / "baseline.json"
    assert run(capsys, "routes", TARGET, "--write-baseline", str(baseline))[0] == 0

    status, out, _ = run(capsys, "routes", TARGET, "--baseline", str(baseline), *change)

    assert status == 1
    assert line in out.splitlines()
    assert "the CORS surface widened" in out


@pytest.mark.parametrize(
    ("start", "line"),
    [
        pytest.param(
            ["--origin", "https://b.example"],
            "narrowed: GET /items: origin 'https://b.example' (exact) removed",
            id="origin-removed",
        ),
        pytest.param(
            ["--credentials"],
            f"narrowed: GET /items, origin '{PAGE}' (exact): credentials turned off",
            id="credentials-off",
        ),
        pytest.param(
            ["--path", "/old"], "narrowed: GET /old: route no longer has CORS", id="path-removed"
        ),
        pytest.param(
            ["--max-age", "60"],
            f"changed: GET /items, origin '{PAGE}' (exact): max_age 60 -> None",
            id="max-age-is-no-widening",
        ),
    ],
)
def test_a_narrowing_is_reported_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, start: list[str], line: str
) -> None:
    baseline = tmp_path / "baseline.json"
    assert run(capsys, "routes", TARGET, "--write-baseline", str(baseline), *start)[0] == 0

    status, out, _ = run(capsys, "routes", TARGET, "--baseline", str(baseline))

    assert status == 0
    assert line in out.splitlines()
    assert out.splitlines()[-1] == "the CORS surface did not widen"


def test_a_longer_max_age_is_a_change_not_a_widening(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    run(capsys, "routes", TARGET, "--write-baseline", str(baseline))

    status, out, _ = run(capsys, "routes", TARGET, "--baseline", str(baseline), "--max-age", "600")

    assert status == 0
    assert f"changed: GET /items, origin '{PAGE}' (exact): max_age None -> 600" in out


def test_the_same_surface_and_the_json_comparison(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    run(capsys, "routes", TARGET, "--write-baseline", str(baseline))

    assert run(capsys, "routes", TARGET, "--baseline", str(baseline)) == (
        0,
        "the CORS surface is the same as the baseline\n",
        "",
    )
    status, out, _ = run(
        capsys, "routes", TARGET, "--baseline", str(baseline), "--json", "--credentials"
    )
    assert status == 1
    assert json.loads(out)["widened"][0].endswith("credentials turned on")


def test_the_baseline_is_the_json_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline.json"
    _, out, _ = run(capsys, "routes", TARGET, "--json")
    _, written, _ = run(capsys, "routes", TARGET, "--write-baseline", str(baseline))

    assert written == f"wrote the CORS surface (4 routes) to {baseline}\n"
    assert json.loads(baseline.read_text()) == json.loads(out)


def test_the_gate_from_a_shell(tmp_path: Path) -> None:
    """As a CI job runs it: a process, its exit status."""
    baseline = tmp_path / "cors-surface.json"
    command = [sys.executable, "-m", "aiohttp_cors", "routes", TARGET]

    written = subprocess.run(
        [*command, "--write-baseline", str(baseline)], cwd=ROOT, capture_output=True, text=True
    )
    same = subprocess.run(
        [*command, "--baseline", str(baseline)], cwd=ROOT, capture_output=True, text=True
    )
    wider = subprocess.run(
        [*command, "--baseline", str(baseline), "--origin", "https://evil.example"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )

    assert written.returncode == 0, written.stderr
    assert same.returncode == 0, same.stderr
    assert wider.returncode == 1, wider.stdout + wider.stderr
    assert "widened: GET /items: origin 'https://evil.example' (exact) added" in wider.stdout


def test_other_commands_refuse_extra_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--no-such-option"])

    assert exit_info.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
