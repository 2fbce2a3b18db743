"""The two sides of the differential test: a virtual environment with aiohttp-cors 0.8.1 from
the package registry, and a pair of runner processes (``runner.py``), one per package.

The upstream environment lives under ``.venv-upstream/`` at the repository root (git-ignored),
one directory per Python version and aiohttp version, so that the CI runs on several Pythons
and on the oldest aiohttp each get a 0.8.1 next to the same aiohttp (and yarl, multidict,
frozenlist, aiosignal) the suite runs.  It is
created when missing, and re-created when its record (``differential-env.json``) does not
match; a failure to create it is an error with pip's output, never a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import aiohttp

import aiohttp_cors

UPSTREAM_VERSION = "0.8.1"
ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).resolve().with_name("runner.py")
RECORD = "differential-env.json"


class UpstreamUnavailable(RuntimeError):
    """The environment with aiohttp-cors 0.8.1 could not be created or does not run."""


# aiohttp and the libraries whose versions change its behaviour: the upstream environment
# gets the versions the suite runs with (the oldest-aiohttp run of CI holds yarl and
# multidict back; aiohttp 3.9.0 does not work with today's).
PINNED = ("aiohttp", "yarl", "multidict", "frozenlist", "aiosignal")


def _pins() -> list[str]:
    return [f"{name}=={metadata.version(name)}" for name in PINNED]


def _wanted() -> dict[str, object]:
    return {
        "aiohttp-cors": UPSTREAM_VERSION,
        "pins": _pins(),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "implementation": sys.implementation.name,
    }


def environment_path() -> Path:
    wanted = _wanted()
    name = f"{wanted['implementation']}{wanted['python']}-aiohttp{aiohttp.__version__}"
    return ROOT / ".venv-upstream" / name


def _python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _is_current(venv: Path) -> bool:
    try:
        record = json.loads((venv / RECORD).read_text())
    except (OSError, ValueError):
        return False
    return bool(record == _wanted() and _python(venv).exists())


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise UpstreamUnavailable(
            f"could not {what} (exit status {done.returncode}): {' '.join(command)}\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )


def ensure_environment() -> Path:
    """The upstream environment's interpreter, after creating the environment if needed."""
    venv = environment_path()
    if _is_current(venv):
        return _python(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    # Built beside its final place and renamed, so that an interrupted build is never taken
    # for a finished one.
    building = Path(tempfile.mkdtemp(prefix=venv.name + ".building-", dir=venv.parent))
    try:
        _run([sys.executable, "-m", "venv", "--clear", str(building)], "create a virtualenv")
        _run(
            [
                str(_python(building)),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                f"aiohttp-cors=={UPSTREAM_VERSION}",
                *_pins(),
            ],
            f"install aiohttp-cors=={UPSTREAM_VERSION} with {' '.join(_pins())}",
        )
        (building / RECORD).write_text(json.dumps(_wanted()))
        shutil.rmtree(venv, ignore_errors=True)
        try:
            building.rename(venv)
        except OSError:
            # Another test run finished the same environment first: use that one.
            if not _is_current(venv):
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    # A virtualenv's scripts name their own directory: the renamed one is used by path
    # (``python -m pip``, ``python runner.py``), which does not depend on it.
    return _python(venv)


@dataclass(frozen=True)
class Outcome:
    """What one program did under one package (the runner's JSON, decoded)."""

    build_error: tuple[str, str] | None
    config_errors: tuple[tuple[str, str], ...]
    startup_error: tuple[str, str] | None
    answers: tuple[Mapping[str, Any], ...]
    # path -> the methods aiohttp routes to a handler there (see runner.py)
    served: Mapping[str, frozenset[str]]
    # path -> how many resources of the application have it as their path
    resources: Mapping[str, int]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Outcome:
        def error(value: Any) -> tuple[str, str] | None:
            return None if value is None else (str(value[0]), str(value[1]))

        return cls(
            build_error=error(data["build_error"]),
            config_errors=tuple((str(kind), str(text)) for kind, text in data["config_errors"]),
            startup_error=error(data["startup_error"]),
            answers=tuple(data["answers"]),
            served={path: frozenset(methods) for path, methods in data["served"].items()},
            resources={path: int(count) for path, count in data["resources"].items()},
        )


class _Runner:
    """One runner process: a program in, an outcome out."""

    def __init__(self, python: Path, expected_version: str) -> None:
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        # A fixed hash seed: 0.8.1 joins header sets in hash order.
        environment["PYTHONHASHSEED"] = "0"
        # The runner's stderr (tracebacks aiohttp logs for 0.8.1's crashes) goes to a file,
        # read only to explain a runner that stopped; closed in close().
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115
        self.process = subprocess.Popen(
            [str(python), "-I", str(RUNNER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            cwd=tempfile.gettempdir(),
            env=environment,
            text=True,
            bufsize=1,
        )
        hello = self._line()
        if hello.get("version") != expected_version:
            raise UpstreamUnavailable(
                f"{python} runs aiohttp_cors {hello.get('version')} from {hello.get('file')}, "
                f"expected {expected_version}"
            )
        if hello.get("aiohttp") != aiohttp.__version__:
            raise UpstreamUnavailable(
                f"{python} runs aiohttp {hello.get('aiohttp')}, the suite {aiohttp.__version__}"
            )
        self.file = str(hello["file"])

    def _pipe(self) -> tuple[IO[str], IO[str]]:
        assert self.process.stdin is not None and self.process.stdout is not None
        return self.process.stdin, self.process.stdout

    def _line(self) -> dict[str, Any]:
        line = self._pipe()[1].readline()
        if not line:
            self.errors.seek(0)
            raise UpstreamUnavailable(
                "a runner stopped: " + self.errors.read().decode(errors="replace")[-3000:]
            )
        result: dict[str, Any] = json.loads(line)
        return result

    def send(self, jobs: Iterable[Mapping[str, Any]]) -> None:
        stdin = self._pipe()[0]
        for job in jobs:
            stdin.write(json.dumps(job) + "\n")
        stdin.flush()

    def receive(self) -> Outcome:
        return Outcome.from_json(self._line())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.errors.close()


class RunnerPair:
    """Our package and aiohttp-cors 0.8.1, each in its own process, both running the same
    programs at the same time."""

    def __init__(self, upstream_python: Path) -> None:
        self.ours = _Runner(Path(sys.executable), aiohttp_cors.__version__)
        self.theirs = _Runner(upstream_python, UPSTREAM_VERSION)

    def run_all(self, jobs: list[Mapping[str, Any]]) -> Iterator[tuple[Outcome, Outcome]]:
        """Outcomes in the order of *jobs*; writing happens in threads so that neither
        process waits for the other."""
        writers = [
            threading.Thread(target=runner.send, args=(jobs,), daemon=True)
            for runner in (self.ours, self.theirs)
        ]
        for writer in writers:
            writer.start()
        for _ in jobs:
            yield self.ours.receive(), self.theirs.receive()
        for writer in writers:
            writer.join()

    def run(self, job: Mapping[str, Any]) -> tuple[Outcome, Outcome]:
        (outcomes,) = self.run_all([job])
        return outcomes

    def close(self) -> None:
        self.ours.close()
        self.theirs.close()
