"""Soak run: examples/deployment.py under gunicorn with two workers, loaded for a while.

    python benchmarks/soak.py               # 60 s of load
    python benchmarks/soak.py --seconds 10  # smoke run (CI)

Run it from anywhere with the interpreter of the project's environment (the one with
aiohttp, gunicorn and aiohttp-remotes installed: the test extra).  It needs Linux (it
reads /proc) and ``wrk`` (``apt-get install wrk``).  Everything runs on 127.0.0.1.

What it does:

* starts ``gunicorn deployment:create_app`` with ``aiohttp.GunicornWebWorker`` and two
  workers, importing this checkout's aiohttp_cors;
* drives it with ``wrk`` and a Lua script that sends, in turn, a GET without Origin, a
  GET from the allowed origin, a GET from a refused origin and a preflight, each with
  the forwarded headers a TLS-terminating proxy adds;
* meanwhile, every ``--check-every`` seconds, sends each kind of request (and a
  refused preflight) on fresh connections and checks status, CORS headers and
  ``Vary``, so the answers are verified under load, from both workers;
* samples the resident memory of the workers (/proc/<pid>/statm) all along.

It prints a table and exits with status 1 if anything failed: a wrong answer, a
non-2xx/3xx response from wrk's mix (all four kinds answer 200), a socket error or
time-out, a worker that died or was replaced, an error in gunicorn's log, gunicorn not
stopping cleanly, or a worker whose memory grew by ``--max-growth`` percent or more
between the end of the warm-up and the end of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
WORKERS = 2
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

PAGE = "https://app.example.com"  # examples/deployment.py's PAGE_ORIGIN
OTHER = "https://other.example"
# What the TLS-terminating proxy in front adds to every request.
PROXY_HEADERS = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "api.example.com",
    "X-Forwarded-For": "203.0.113.7",
}
PREFLIGHT = {
    "Origin": PAGE,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "content-type",
}

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"


@dataclass(frozen=True)
class Kind:
    """One kind of request and the answer it must get."""

    name: str
    method: str
    headers: Mapping[str, str]
    status: int
    # Header -> exact value, or None for "absent".
    exact: Mapping[str, str | None]
    # Header -> names its list must contain (methods case-sensitively).
    listed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    in_wrk_mix: bool = True


KINDS = (
    Kind("no-origin", "GET", {}, 200, {ACAO: None, ACAC: None}),
    Kind(
        "allowed", "GET", {"Origin": PAGE}, 200,
        {ACAO: PAGE, ACAC: "true", ACEH: "X-Total-Count"},
    ),
    Kind("refused", "GET", {"Origin": OTHER}, 200, {ACAO: None, ACAC: None, ACEH: None}),
    Kind(
        "preflight", "OPTIONS", PREFLIGHT, 200,
        {ACAO: PAGE, ACAC: "true", ACMA: "600"},
        {ACAM: frozenset({"POST"}), ACAH: frozenset({"content-type"})},
    ),
    # A refusal is a 403, which wrk would count as an error: checked, not in the mix.
    Kind(
        "preflight-refused", "OPTIONS", {**PREFLIGHT, "Origin": OTHER}, 403,
        {ACAO: None, ACAM: None}, in_wrk_mix=False,
    ),
)  # fmt: skip
PATH = "/api/items"


class SoakError(Exception):
    """The run could not be set up or carried out."""


def problems_with(kind: Kind, status: int, headers: Mapping[str, str], vary: str) -> list[str]:
    """What is wrong with an answer to a request of ``kind`` (nothing: an empty list)."""
    found = []
    if status != kind.status:
        found.append(f"status {status}, expected {kind.status}")
    for name, value in kind.exact.items():
        if headers.get(name) != value:
            found.append(f"{name}: {headers.get(name)!r}, expected {value!r}")
    for name, wanted in kind.listed.items():
        fold = name != ACAM
        items = {item.strip() for item in headers.get(name, "").split(",")}
        have = {item.lower() for item in items} if fold else items
        if not wanted <= have:
            found.append(f"{name}: {headers.get(name)!r} lacks {sorted(wanted - have)}")
    # Every answer of this resource depends on the origin, so every one says so.
    if "origin" not in {item.strip().lower() for item in vary.split(",")}:
        found.append(f"Vary: {vary!r} lacks Origin")
    return found


# --- wrk ---------------------------------------------------------------------------------


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid Lua string


def lua_headers(headers: Mapping[str, str]) -> str:
    items = ", ".join(
        f"[{lua_string(k)}] = {lua_string(v)}" for k, v in {**PROXY_HEADERS, **headers}.items()
    )
    return "{" + items + "}"


def wrk_script() -> str:
    """A Lua script for wrk: the kinds of the mix in turn, and a JSON summary at the end."""
    mix = [kind for kind in KINDS if kind.in_wrk_mix]
    formats = ",\n".join(
        f"    wrk.format({lua_string(k.method)}, {lua_string(PATH)}, {lua_headers(k.headers)})"
        for k in mix
    )
    names = ", ".join(lua_string(k.name) for k in mix)
    return f"""\
-- Written by benchmarks/soak.py.
local names = {{{names}}}
local requests = nil
local turn = 0
sent = {{}}
for i = 1, #names do sent[i] = 0 end

local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  requests = {{
{formats}
  }}
end

function request()
  turn = turn % #requests + 1
  sent[turn] = sent[turn] + 1
  return requests[turn]
end

function done(summary, latency, _)
  local by_kind = {{}}
  for i = 1, #names do by_kind[i] = 0 end
  for _, thread in ipairs(threads) do
    local counts = thread:get("sent")
    for i = 1, #names do by_kind[i] = by_kind[i] + counts[i] end
  end
  local kinds = {{}}
  for i = 1, #names do
    kinds[i] = string.format('"%s": %d', names[i], by_kind[i])
  end
  local e = summary.errors
  io.write(string.format(
    'SOAK-SUMMARY {{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"sent": {{%s}}}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99), table.concat(kinds, ", ")))
end
"""


def parse_wrk(output: str) -> dict[str, object]:
    for line in output.splitlines():
        if line.startswith("SOAK-SUMMARY "):
            summary: dict[str, object] = json.loads(line.removeprefix("SOAK-SUMMARY "))
            return summary
    raise SoakError(f"wrk printed no summary:\n{output}")


# --- gunicorn ----------------------------------------------------------------------------


def children(pid: int) -> frozenset[int]:
    """The processes whose parent is ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return frozenset(found)


def rss_bytes(pid: int) -> int:
    """Resident memory of a process: the second field of /proc/<pid>/statm, in pages."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE


@dataclass
class Server:
    master: subprocess.Popen[bytes]
    url: str
    log: Path
    workers: frozenset[int] = frozenset()


def start_gunicorn(tmp: Path) -> Server:
    # A socket bound here and inherited (fd://): a free port without a race for it.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    log = tmp / "gunicorn.log"
    env = {**os.environ, "PYTHONPATH": str(REPO)}  # this checkout's aiohttp_cors
    command = [
        sys.executable, "-m", "gunicorn", "deployment:create_app",
        "--chdir", str(EXAMPLES),
        "--worker-class", "aiohttp.GunicornWebWorker",
        "--workers", str(WORKERS),
        "--bind", f"fd://{listener.fileno()}",
        "--backlog", "1024",
        "--graceful-timeout", "10",
        "--no-control-socket",
    ]  # fmt: skip
    with log.open("wb") as output:
        master = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            pass_fds=[listener.fileno()],
            env=env,
        )
    listener.close()
    return Server(master, url, log)


async def wait_until_serving(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if server.master.poll() is not None:
                raise SoakError(f"gunicorn exited:\n{server.log.read_text()}")
            workers = children(server.master.pid)
            if len(workers) == WORKERS:
                try:
                    async with session.get(server.url + "/healthz") as response:
                        if response.status == 200:
                            server.workers = workers
                            return
                except aiohttp.ClientError:
                    pass  # no worker serving yet
            await asyncio.sleep(0.2)
    raise SoakError(f"gunicorn did not serve within {timeout:.0f} s:\n{server.log.read_text()}")


def stop_gunicorn(server: Server) -> int:
    if server.master.poll() is None:
        server.master.send_signal(signal.SIGTERM)
        try:
            server.master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.master.kill()
            server.master.wait()
            return -1
    return server.master.returncode


# --- the run -----------------------------------------------------------------------------


@dataclass
class Observations:
    checks: dict[str, int] = field(default_factory=lambda: {k.name: 0 for k in KINDS})
    failures: list[str] = field(default_factory=list)
    # Worker pid -> (seconds since the start of the load, RSS bytes).
    rss: dict[int, list[tuple[float, int]]] = field(default_factory=dict)
    worker_changes: list[str] = field(default_factory=list)


async def check_each_kind(session: aiohttp.ClientSession, url: str, seen: Observations) -> None:
    for kind in KINDS:
        headers = {**PROXY_HEADERS, **kind.headers}
        try:
            async with session.request(kind.method, url + PATH, headers=headers) as response:
                await response.read()
                vary = ",".join(response.headers.getall("Vary", []))
                found = problems_with(kind, response.status, response.headers, vary)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            found = [f"request failed: {error!r}"]
        seen.checks[kind.name] += 1
        seen.failures += [f"{kind.name}: {problem}" for problem in found]


async def checker(url: str, every: float, stop: asyncio.Event, seen: Observations) -> None:
    # A new connection per request, so that both workers answer the checks.
    connector = aiohttp.TCPConnector(force_close=True)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        while not stop.is_set():
            await check_each_kind(session, url, seen)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
        await check_each_kind(session, url, seen)  # one last round at the end of the load


async def sampler(
    server: Server, started: float, every: float, stop: asyncio.Event, seen: Observations
) -> None:
    while not stop.is_set():
        now = time.monotonic() - started
        workers = children(server.master.pid)
        if workers != server.workers:
            seen.worker_changes.append(
                f"at {now:.1f} s workers {sorted(server.workers)} became {sorted(workers)}"
            )
            server.workers = workers
        for pid in workers:
            # A worker that exited meanwhile shows up as a change on the next round.
            with contextlib.suppress(OSError):
                seen.rss.setdefault(pid, []).append((now, rss_bytes(pid)))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), every)


async def load(
    server: Server, args: argparse.Namespace, script: Path, seen: Observations
) -> dict[str, object]:
    command = [
        "wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--timeout", "5s",
        "-s", str(script), server.url + PATH,
    ]  # fmt: skip
    stop = asyncio.Event()
    started = time.monotonic()
    tasks = [
        asyncio.create_task(checker(server.url, args.check_every, stop, seen)),
        asyncio.create_task(sampler(server, started, 0.5, stop, seen)),
    ]
    wrk = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await wrk.communicate()
    stop.set()
    await asyncio.gather(*tasks)
    text = output.decode(errors="replace")
    if wrk.returncode != 0:
        raise SoakError(f"wrk failed (exit {wrk.returncode}):\n{text}")
    return parse_wrk(text)


@dataclass(frozen=True)
class Growth:
    pid: int
    after_warmup: int
    at_end: int
    peak: int

    @property
    def percent(self) -> float:
        return (self.at_end / self.after_warmup - 1) * 100


def memory_growth(rss: Mapping[int, Sequence[tuple[float, int]]], warmup: float) -> list[Growth]:
    """Per worker: the median RSS over the 2 s after the warm-up, and over the last 2 s."""
    result = []
    for pid, samples in sorted(rss.items()):
        steady = [(t, b) for t, b in samples if t >= warmup]
        if len(steady) < 2:
            raise SoakError(f"too few memory samples of worker {pid} after the warm-up")
        first = [b for t, b in steady if t <= steady[0][0] + 2]
        last = [b for t, b in steady if t >= steady[-1][0] - 2]
        result.append(
            Growth(
                pid,
                int(statistics.median(first)),
                int(statistics.median(last)),
                max(b for _, b in steady),
            )
        )
    return result


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def print_table(rows: Sequence[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


def report(
    args: argparse.Namespace,
    summary: Mapping[str, object],
    seen: Observations,
    growth: Sequence[Growth],
    log_errors: int,
    exit_code: int,
) -> list[str]:
    """Print the results; return what failed."""

    def count(key: str) -> int:
        value = summary[key]
        assert isinstance(value, int)
        return value

    requests = count("requests")
    seconds = count("duration_us") / 1e6
    sent = summary["sent"]
    assert isinstance(sent, dict)
    failed = []
    errors = {key: count(key) for key in ("connect", "read", "write", "timeout")}
    if count("status"):
        failed.append(f"{count('status')} non-2xx/3xx responses in the wrk mix")
    if any(errors.values()):
        failed.append(f"socket errors: {errors}")
    if requests == 0:
        failed.append("wrk completed no request")
    failed += seen.failures[:20]
    if len(seen.failures) > 20:
        failed.append(f"... and {len(seen.failures) - 20} more wrong answers")
    failed += seen.worker_changes
    if log_errors:
        failed.append(f"{log_errors} error lines in gunicorn's log")
    if exit_code != 0:
        failed.append(f"gunicorn exited with {exit_code} on SIGTERM")
    failed += [
        f"worker {g.pid}: memory grew {g.percent:+.1f} % after the warm-up "
        f"(limit {args.max_growth:.0f} %)"
        for g in growth
        if g.percent >= args.max_growth
    ]

    checks = sum(seen.checks.values())
    print()
    print(
        f"Soak: examples/deployment.py under gunicorn, {WORKERS} workers "
        f"(aiohttp.GunicornWebWorker), {args.seconds} s of load, warm-up {args.warmup:g} s"
    )
    print(f"load: wrk -t1 -c{args.connections}, in turn: {', '.join(sent)}")
    print()
    print_table(
        [
            ("requests", f"{requests:,} ({requests / seconds:,.0f} req/s)"),
            ("  by kind", ", ".join(f"{k} {v:,}" for k, v in sent.items())),
            ("latency p50 / p99", f"{count('p50_us') / 1e3:.2f} / {count('p99_us') / 1e3:.2f} ms"),
            ("non-2xx/3xx", str(count("status"))),
            ("socket errors", ", ".join(f"{k} {v}" for k, v in errors.items())),
            (
                "checked answers",
                f"{checks:,} ({', '.join(f'{k} {v}' for k, v in seen.checks.items())})",
            ),
            ("wrong answers", str(len(seen.failures))),
            ("worker restarts", str(len(seen.worker_changes))),
            ("gunicorn log errors", str(log_errors)),
            ("gunicorn exit on SIGTERM", str(exit_code)),
        ]
    )
    print()
    print("  worker     RSS after warm-up   RSS at end   peak        growth")
    for g in growth:
        print(
            f"  {g.pid:<9}  {mib(g.after_warmup):>17}   {mib(g.at_end):>10}   "
            f"{mib(g.peak):>9}   {g.percent:+6.1f} %"
        )
    print()
    if failed:
        print("FAILED:")
        for line in failed:
            print(f"  - {line}")
    else:
        print(f"PASSED: no errors, every answer right, memory growth under {args.max_growth:g} %")
    return failed


async def soak(args: argparse.Namespace, tmp: Path) -> int:
    script = tmp / "mix.lua"
    script.write_text(wrk_script())
    server = start_gunicorn(tmp)
    seen = Observations()
    try:
        await wait_until_serving(server)
        # Every kind answers right before the load starts.
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            await check_each_kind(session, server.url, seen)
        if seen.failures:
            raise SoakError("wrong answers before the load:\n" + "\n".join(seen.failures))
        print(
            f"gunicorn serving on {server.url}, workers {sorted(server.workers)}; "
            f"{args.seconds} s of load",
            file=sys.stderr,
            flush=True,
        )
        summary = await load(server, args, script, seen)
    finally:
        exit_code = stop_gunicorn(server)
    log = server.log.read_text(errors="replace")
    log_errors = sum(1 for line in log.splitlines() if "[ERROR]" in line or "Traceback" in line)
    growth = memory_growth(seen.rss, args.warmup)
    failed = report(args, summary, seen, growth, log_errors, exit_code)
    if log_errors:
        print("\ngunicorn's log:\n" + log)
    return 1 if failed else 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="length of the load (60)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="seconds of load before memory is compared (a fifth of the run, at most 10)",
    )
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument(
        "--check-every", type=float, default=1.0, help="seconds between checks of every kind (1)"
    )
    parser.add_argument(
        "--max-growth",
        type=float,
        default=5.0,
        help="worker memory growth after the warm-up that fails the run, in percent (5)",
    )
    args = parser.parse_args(argv)
    if args.seconds < 5:
        parser.error("--seconds must be at least 5")
    if args.warmup is None:
        args.warmup = min(10.0, args.seconds / 5)
    if not 0 <= args.warmup <= args.seconds - 3:
        parser.error("--warmup must leave at least 3 s of load after it")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 1
    if not Path("/proc/self/statm").exists():
        print("this soak run reads /proc: it needs Linux", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        try:
            return asyncio.run(soak(args, Path(tmp)))
        except SoakError as error:
            print(f"soak run failed: {error}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
