"""Benchmark suite: this package and aiohttp-cors 0.8.1, each against its floor (an app
without CORS writing the very same headers) and a bare aiohttp app.

    python benchmarks/run.py            # full run (< 10 min)
    python benchmarks/run.py --quick    # smoke run for CI (< 60 s)

Run it with the interpreter of the project's environment (the one with aiohttp installed):
this package is imported from the repository checkout, aiohttp-cors 0.8.1 from a virtualenv
the script creates under benchmarks/.venv-upstream (same aiohttp/multidict/yarl versions).
Both are importable as ``aiohttp_cors``, so every contender runs in its own process
(worker.py); the bare app and the floors are measured inside each contender's process,
interleaved with it.

Exit status: 0 on success, 1 when a response was wrong or a step failed, 3 with
--fail-on-miss when this package misses a target. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import importlib.metadata
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_common as bc

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORKER = BENCH / "worker.py"
UPSTREAM_VERSION = "0.8.1"
# Pinned in the upstream venv to whatever this environment has, so that only the CORS
# package differs between the contenders.
SHARED_DEPS = (
    "aiohttp",
    "multidict",
    "yarl",
    "propcache",
    "frozenlist",
    "aiosignal",
    "aiohappyeyeballs",
    "attrs",
)

THIS = "this"
UPSTREAM = "upstream"
LABELS = {THIS: "this", UPSTREAM: UPSTREAM_VERSION}


class BenchError(Exception):
    """A step failed or a response was wrong: the run fails."""


@dataclass(frozen=True)
class Params:
    quick: bool
    sizes: bc.Sizes
    batch: int
    requests: int
    slices: int
    startup_repeats: int
    wrk_duration: int
    wrk_warmup: int
    wrk_rounds: int
    wrk_connections: int


def make_params(args: argparse.Namespace) -> Params:
    if args.quick:
        return Params(True, bc.QUICK_SIZES, 10, 1_000, 2, 1, 1, 1, 1, args.wrk_connections)
    return Params(False, bc.FULL_SIZES, 20, 30_000, 10, 3, 2, 1, 5, args.wrk_connections)


@dataclass
class Contender:
    key: str  # THIS | UPSTREAM
    python: str
    env: dict[str, str]
    strict: bool  # also check what only this package promises (Vary, lower-case ACAH)
    identity: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return LABELS[self.key]


# --------------------------------------------------------------------------------------
# Processes.
# --------------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run_worker(c: Contender, mode: str, out: Path, *extra: str, cpu: int | None = None) -> Any:
    cmd = [c.python, str(WORKER), mode, "--out", str(out), *extra]
    if cpu is not None:
        cmd += ["--cpu", str(cpu)]
    if c.strict:
        cmd.append("--strict")
    try:
        proc = subprocess.run(cmd, env=c.env, stdout=subprocess.PIPE, text=True, timeout=900)
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"worker {mode} for {c.label} timed out") from exc
    if proc.returncode != 0:
        raise BenchError(f"worker {mode} for {c.label} failed (exit {proc.returncode})")
    return bc.load_json(str(out))


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONNOUSERSITE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    return env


def this_contender(path: Path) -> Contender:
    env = base_env()
    env["PYTHONPATH"] = str(path)
    return Contender(THIS, sys.executable, env, strict=True)


def upstream_contender(venv: Path) -> Contender:
    python = venv / "bin" / "python"
    pins = []
    for dep in SHARED_DEPS:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            pins.append(f"{dep}=={importlib.metadata.version(dep)}")
    pins.append(f"aiohttp-cors=={UPSTREAM_VERSION}")
    requirements = "\n".join(pins) + "\n"
    marker = venv / "bench-requirements.txt"
    if not (python.exists() and marker.exists() and marker.read_text() == requirements):
        log(f"creating {venv} with {', '.join(pins)}")
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins],
        ]
        for step in steps:
            proc = subprocess.run(step, capture_output=True, text=True, env=base_env())
            if proc.returncode != 0:
                raise BenchError(f"{' '.join(step)} failed:\n{proc.stdout}{proc.stderr}")
        marker.write_text(requirements)
    return Contender(UPSTREAM, str(python), base_env(), strict=False)


def check_identity(c: Contender, tmp: Path, this_path: Path) -> None:
    info = run_worker(c, "identify", tmp / f"identify-{c.key}.json")
    c.identity = info
    path = info.get("aiohttp_cors_file")
    if path is None:
        raise BenchError(f"{c.label}: aiohttp_cors is not importable with {c.python}")
    if c.key == THIS and not Path(path).is_relative_to(this_path.resolve() / "aiohttp_cors"):
        raise BenchError(f"this package: imported {path}, not {this_path}'s")
    if c.key == UPSTREAM and info.get("aiohttp_cors_version") != UPSTREAM_VERSION:
        raise BenchError(f"upstream: got aiohttp_cors {info.get('aiohttp_cors_version')}")
    log(f"{c.label}: aiohttp {info['aiohttp']}, aiohttp_cors from {path}")


# --------------------------------------------------------------------------------------
# (1) + (3) in-process CPU, (4) startup.
# --------------------------------------------------------------------------------------


def run_inproc(
    c: Contender, p: Params, tmp: Path, cpu: int | None, reference: bool
) -> list[dict[str, Any]]:
    plan = bc.inproc_plan(p.sizes, with_patterns=c.key == THIS, with_reference=reference)
    plan_file = tmp / f"plan-{c.key}.json"
    bc.dump_json(str(plan_file), [case.to_json() for case in plan])
    log(f"in-process: {c.label}, {len(plan)} cases x {p.requests} requests per side")
    res = run_worker(
        c,
        "inproc",
        tmp / f"inproc-{c.key}.json",
        "--plan",
        str(plan_file),
        "--label",
        c.label,
        "--batch",
        str(p.batch),
        "--requests",
        str(p.requests),
        "--slices",
        str(p.slices),
        cpu=cpu,
    )
    cases: list[dict[str, Any]] = res["cases"]
    return cases


def run_startup(c: Contender, p: Params, tmp: Path, cpu: int | None) -> dict[str, Any]:
    n = p.sizes.startup_routes
    log(f"startup: {c.label}, {n} routes, {p.startup_repeats} fresh process(es) per variant")
    raw: dict[str, list[dict[str, Any]]] = {"bare": [], "cors": [], "bare-tm": [], "cors-tm": []}
    for i in range(p.startup_repeats):
        for variant in ("bare", "cors"):
            out = tmp / f"startup-{c.key}-{variant}-{i}.json"
            args = ("--variant", variant, "--n", str(n), "--memory", "rss")
            raw[variant].append(run_worker(c, "startup", out, *args, cpu=cpu))
    for variant in ("bare", "cors"):
        out = tmp / f"startup-{c.key}-{variant}-tm.json"
        args = ("--variant", variant, "--n", str(n), "--memory", "tracemalloc")
        raw[f"{variant}-tm"].append(run_worker(c, "startup", out, *args, cpu=cpu))

    def med(variant: str, key: str) -> float:
        return bc.median([float(r[key]) for r in raw[variant]])

    return {
        "n": n,
        "cors_add_us": med("cors", "cors_add_s") / n * 1e6,
        "add_route_us": med("bare", "add_routes_s") / n * 1e6,
        "setup_extra_us": (med("cors", "setup_s") - med("bare", "setup_s")) / n * 1e6,
        "rss_growth": med("cors", "rss_growth") - med("bare", "rss_growth"),
        "traced_growth": med("cors-tm", "traced_growth") - med("bare-tm", "traced_growth"),
        "raw": raw,
    }


# --------------------------------------------------------------------------------------
# (2) wrk over loopback.
# --------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str  # "bare" | THIS | UPSTREAM
    proc: subprocess.Popen[str]
    port: int


@contextlib.contextmanager
def servers(
    specs: Sequence[tuple[str, Contender, str]], tmp: Path, cpu: int | None
) -> Iterator[dict[str, Server]]:
    started: dict[str, Server] = {}
    try:
        for name, c, variant in specs:
            out = tmp / f"serve-{name}.json"
            cmd = [c.python, str(WORKER), "serve", "--variant", variant, "--out", str(out)]
            if cpu is not None:
                cmd = ["taskset", "-c", str(cpu), *cmd]
            proc = subprocess.Popen(cmd, env=c.env, text=True)
            deadline = time.monotonic() + 30
            while not out.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise BenchError(f"server {name} did not start")
                time.sleep(0.05)
            started[name] = Server(name, proc, int(bc.load_json(str(out))["port"]))
        yield started
    finally:
        for srv in started.values():
            if srv.proc.poll() is None:
                srv.proc.send_signal(signal.SIGTERM)
        for srv in started.values():
            try:
                srv.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                srv.proc.kill()
                srv.proc.wait()


def http_check(
    port: int, req: bc.RequestSpec, setup: bc.CorsSetup | None, strict: bool, what: str
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(req.method, req.path, headers=dict(req.headers()))
        r = conn.getresponse()
        resp = bc.Response(r.status, list(r.getheaders()), r.read())
    finally:
        conn.close()
    problems = bc.check_response(req, setup, strict, resp)
    if problems:
        raise BenchError(f"{what}: wrong response over TCP: " + "; ".join(problems))


_UNITS = {"us": 1.0, "ms": 1e3, "s": 1e6}


def _wrk_time(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if m is None:
        raise BenchError(f"cannot parse wrk time {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(
    port: int, req: bc.RequestSpec, duration: int, conns: int, cpu: int | None, tmp: Path
) -> dict[str, float]:
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--latency"]
    for k, v in req.headers():
        cmd += ["-H", f"{k}: {v}"]
    if req.method != "GET":
        script = tmp / f"method-{req.method}.lua"
        script.write_text(f'wrk.method = "{req.method}"\n')
        cmd += ["-s", str(script)]
    cmd.append(f"http://127.0.0.1:{port}{req.path}")
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    out = proc.stdout
    if proc.returncode != 0:
        raise BenchError(f"wrk failed: {proc.stderr}{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE)
    if not (rps and total and p50 and p99):
        raise BenchError(f"cannot parse wrk output:\n{out}")
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if bad:
        raise BenchError(f"wrk got {bad.group(1)} non-2xx responses ({req.kind})")
    if "Socket errors" in out:
        raise BenchError(f"wrk reported socket errors ({req.kind}):\n{out}")
    if int(total.group(1)) == 0:
        raise BenchError(f"wrk completed no request ({req.kind})")
    return {
        "rps": float(rps.group(1)),
        "p50_us": _wrk_time(p50.group(1)),
        "p99_us": _wrk_time(p99.group(1)),
    }


def wrk_section(
    contenders: Sequence[Contender], p: Params, tmp: Path, cpus: tuple[int, int] | None
) -> dict[str, Any]:
    srv_cpu, wrk_cpu = cpus if cpus else (None, None)
    bare_host = contenders[0]
    specs = [("bare", bare_host, "bare")] + [(c.key, c, "cors") for c in contenders]
    strict = {c.key: c.strict for c in contenders}
    setup = bc.SETUPS[bc.ONE_ORIGIN]  # what worker.py serves
    requests = {kind: bc.basic_request(kind) for kind in bc.REQUEST_KINDS}
    samples: dict[str, dict[str, list[dict[str, float]]]] = {
        kind: {name: [] for name, _, _ in specs} for kind in bc.REQUEST_KINDS
    }
    log(
        f"wrk: {len(specs)} servers, {len(requests)} cases, {p.wrk_rounds} round(s) of "
        f"{p.wrk_duration}s, -c{p.wrk_connections}, pinned server cpu {srv_cpu} / wrk cpu {wrk_cpu}"
    )
    with servers(specs, tmp, srv_cpu) as srvs:
        for kind, req in requests.items():  # correctness first
            http_check(srvs["bare"].port, req.bare_reference(), None, False, f"wrk/{kind} [bare]")
            for c in contenders:
                http_check(srvs[c.key].port, req, setup, strict[c.key], f"wrk/{kind} [{c.label}]")
        for name, srv in srvs.items():
            run_wrk(srv.port, requests[bc.ALLOWED], p.wrk_warmup, p.wrk_connections, wrk_cpu, tmp)
            log(f"  wrk warm-up {name} done")
        for r in range(p.wrk_rounds):
            for kind, req in requests.items():
                names = [name for name, _, _ in specs]
                shift = r % len(names)  # rotate the order round by round
                for name in names[shift:] + names[:shift]:
                    sent = req.bare_reference() if name == "bare" else req
                    res = run_wrk(
                        srvs[name].port, sent, p.wrk_duration, p.wrk_connections, wrk_cpu, tmp
                    )
                    samples[kind][name].append(res)
                    log(
                        f"  wrk round {r + 1} {kind:<10} {name:<9} {res['rps']:9.0f} req/s  "
                        f"p50 {res['p50_us']:7.0f} us  p99 {res['p99_us']:7.0f} us"
                    )
        for kind, req in requests.items():  # and still correct afterwards
            for c in contenders:
                http_check(srvs[c.key].port, req, setup, strict[c.key], f"wrk/{kind} [{c.label}]")
    summary: dict[str, Any] = {}
    for kind in bc.REQUEST_KINDS:
        row: dict[str, Any] = {}
        bare = samples[kind]["bare"]
        for name, runs in samples[kind].items():
            entry = {
                "rps": bc.median([x["rps"] for x in runs]),
                "p50_us": bc.median([x["p50_us"] for x in runs]),
                "p99_us": bc.median([x["p99_us"] for x in runs]),
            }
            if name != "bare":  # cost ratio (bare req/s / contender req/s), paired by round
                entry["cost_ratio"] = bc.median(
                    [b["rps"] / x["rps"] for b, x in zip(bare, runs, strict=True)]
                )
            row[name] = entry
        summary[kind] = row
    return {"summary": summary, "samples": samples}


# --------------------------------------------------------------------------------------
# Targets and report.
# --------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    limit: float
    unit: str  # "x" or "us" or "x 0.8.1"
    values: dict[str, float | None]  # contender key -> measured value (None = n/a)

    def verdict(self, key: str) -> str:
        v = self.values.get(key)
        if v is None:
            return "n/a"
        if v <= self.limit:
            return "PASS"
        missed = v - self.limit
        return f"MISS by {missed:.2f} us" if self.unit == "us" else f"MISS by {missed:.3f}x"


def _case(cases: Sequence[dict[str, Any]], case_id: str) -> dict[str, Any] | None:
    return next((c for c in cases if c["id"] == case_id), None)


def _ratio(case: dict[str, Any] | None, key: str) -> dict[str, float] | None:
    """The summary of ratio ``key`` ("cors/floor", "cors/bare"...) of a case, if any."""
    if case is None:
        return None
    found: dict[str, float] | None = case["ratios"].get(key)
    return found


def growth(cases: Sequence[dict[str, Any]], group: str, kinds: Sequence[str]) -> float | None:
    """Largest (contender/bare ratio at size N) / (ratio at the smallest size) over the
    sizes and request kinds of ``group``: what the package adds per request, normalised
    so that aiohttp's own routing cost (the same in the paired bare app) cancels out."""
    worst: float | None = None
    for kind in kinds:
        rows = sorted(
            (c for c in cases if c["group"] == group and c["kind"] == kind), key=lambda c: c["size"]
        )
        if len(rows) < 2:
            continue
        first = rows[0]["ratios"]["cors/bare"]["ratio"]
        for row in rows[1:]:
            g = row["ratios"]["cors/bare"]["ratio"] / first
            worst = g if worst is None else max(worst, g)
    return worst


# Targets on the contender/floor ratio of the basic cases (both configurations).
FLOOR_LIMITS = {bc.NO_ORIGIN: 1.02, bc.REFUSED: 1.03, bc.ALLOWED: 1.04, bc.PREFLIGHT: 1.04}
HOSTILE_LIMIT = 2.0
SCALING_GROUPS = ("routes", "origins", "patterns")
KIND_NAMES = {
    bc.NO_ORIGIN: "no-Origin GET",
    bc.ALLOWED: "allowed GET",
    bc.REFUSED: "refused GET",
    bc.PREFLIGHT: "preflight",
    bc.HOSTILE: "hostile preflight",
}


def build_targets(
    inproc: dict[str, list[dict[str, Any]]], startup: dict[str, dict[str, Any]], sizes: bc.Sizes
) -> list[Target]:
    keys = list(inproc)

    def ratio(case_id: str, which: str) -> dict[str, float | None]:
        out: dict[str, float | None] = {}
        for k in keys:
            r = _ratio(_case(inproc[k], case_id), which)
            out[k] = None if r is None else float(r["ratio"])
        return out

    targets: list[Target] = []
    for setup in bc.SETUPS.values():
        for kind in setup.kinds:
            limit = FLOOR_LIMITS[kind]
            targets.append(
                Target(
                    f"{setup.title}: {KIND_NAMES[kind]} <= {limit:.2f}x floor",
                    limit,
                    "x",
                    ratio(bc.basic_case_id(setup.name, kind), "cors/floor"),
                )
            )
    targets.append(
        Target(
            f"{bc.SETUPS[bc.ONE_ORIGIN].title}: hostile preflight <= {HOSTILE_LIMIT:.0f}x "
            "a normal one",
            HOSTILE_LIMIT,
            "x",
            ratio(bc.basic_case_id(bc.ONE_ORIGIN, bc.HOSTILE), "hostile/normal"),
        )
    )
    r, o, w = sizes.routes, sizes.origins, sizes.patterns
    targets += [
        Target(
            f"routes {r[0]:,} -> {r[-1]:,}: flat within 5%",
            1.05,
            "x",
            {k: growth(inproc[k], "routes", (bc.ALLOWED, bc.PREFLIGHT)) for k in keys},
        ),
        Target(
            f"exact origins {o[0]:,} -> {o[-1]:,}: flat within 5%",
            1.05,
            "x",
            {k: growth(inproc[k], "origins", (bc.ALLOWED, bc.PREFLIGHT)) for k in keys},
        ),
        Target(
            f"{w[-1]:,} wildcard patterns <= 1.10x of {w[0]}",
            1.10,
            "x",
            {k: growth(inproc[k], "patterns", (bc.ALLOWED, bc.REFUSED)) for k in keys},
        ),
    ]
    if startup:
        targets.append(
            Target(
                "per cors.add <= 5 us",
                5.0,
                "us",
                {k: float(s["cors_add_us"]) for k, s in startup.items()},
            )
        )
        up = startup.get(UPSTREAM)
        rss: dict[str, float | None] = dict.fromkeys(startup)
        if up is not None and up["rss_growth"] > 0:
            for k, s in startup.items():
                if k != UPSTREAM:
                    rss[k] = s["rss_growth"] / up["rss_growth"]
        targets.append(
            Target(
                f"RSS growth, {sizes.startup_routes:,} routes <= 0.5x 0.8.1's",
                0.5,
                "x 0.8.1",
                rss,
            )
        )
    return targets


def fmt_ratio(r: dict[str, float] | None) -> str:
    if r is None:
        return "n/a"
    return f"{r['ratio']:.3f} ±{r['ci']:.3f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[str, str]:
    """Render as (aligned text, markdown)."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        cells = [
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells))
    md = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    md += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines), "\n".join(md)


def _case_ids(inproc: dict[str, list[dict[str, Any]]], keys: Sequence[str]) -> list[str]:
    ids: list[str] = []
    for k in keys:
        ids += [c["id"] for c in inproc[k] if c["id"] not in ids]
    return ids


def _group(cases: Sequence[dict[str, Any]], case_id: str) -> str | None:
    c = _case(cases, case_id)
    return None if c is None else str(c["group"])


def _floor_cells(c: dict[str, Any] | None) -> list[str]:
    """bare us, floor us, cors us, x floor, +us vs floor, x bare."""
    if c is None:
        return ["n/a"] * 6
    us, vs_floor = c["us"], c["ratios"]["cors/floor"]
    return [
        f"{us['bare']:.2f}",
        f"{us['floor']:.2f}",
        f"{us['cors']:.2f}",
        fmt_ratio(vs_floor),
        f"{vs_floor['diff_us']:+.2f}",
        fmt_ratio(c["ratios"]["cors/bare"]),
    ]


def render(results: dict[str, Any], targets: list[Target], keys: Sequence[str]) -> tuple[str, str]:
    text: list[str] = []
    md: list[str] = []

    def section(
        title: str, note: str, headers: Sequence[str], rows: Sequence[Sequence[str]]
    ) -> None:
        t, m = table(headers, rows)
        text.extend([f"\n== {title} ==", note, t])
        md.extend([f"\n## {title}\n", note + "\n", m])

    inproc: dict[str, list[dict[str, Any]]] = results["inproc"]
    p = results["params"]
    all_ids = _case_ids(inproc, keys)
    rounds = p["requests"] // p["batch"]
    setups = "; ".join(f"{s.title} = {s.describe()}" for s in bc.SETUPS.values())

    headers = ["case"]
    for k in keys:
        lab = LABELS[k]
        headers += [
            f"{lab}: bare us",
            f"{lab}: floor us",
            f"{lab}: cors us",
            f"{lab}: x floor",
            f"{lab}: +us floor",
            f"{lab}: x bare",
        ]
    basic_ids = [i for i in all_ids if any(_group(inproc[k], i) == "basic" for k in keys)]
    basic_rows = [
        [case_id, *(cell for k in keys for cell in _floor_cells(_case(inproc[k], case_id)))]
        for case_id in basic_ids
    ]
    section(
        "(1) CPU per request, in process, against the floor and the bare app",
        f"Configurations: {setups}. aiohttp's RequestHandler fed raw HTTP bytes (real "
        "parser, router, middlewares, signals). Each case times, in rotating order, batches "
        f"of {p['batch']} requests to the bare app, to the FLOOR (an app without any CORS "
        "package whose handler writes the very headers this contender sent for that "
        "request, taken from its response captured at the start and checked byte for byte) "
        "and to the contender; x floor / x bare = median over "
        f"{rounds * bc.TARGET_WEIGHT} paired rounds of contender time / floor (bare) time, "
        "± ~95% CI; +us floor = median of the paired differences, in us per request; "
        "absolute us are medians (the host's speed drifts, trust the ratios). A preflight's "
        "bare reference is a GET carrying the same headers; its floor is a plain OPTIONS "
        "handler. Under (b) every origin is allowed: no refused case.",
        headers,
        basic_rows,
    )

    sec_headers = ["case"]
    for k in keys:
        lab = LABELS[k]
        sec_headers += [
            f"{lab}: normal us",
            f"{lab}: hostile us",
            f"{lab}: x normal",
            f"{lab}: +us",
            f"{lab}: bare us",
            f"{lab}: status",
        ]
    sec_rows = []
    for case_id in all_ids:
        row = [case_id]
        for k in keys:
            c = _case(inproc[k], case_id)
            if c is None or c["group"] != "security":
                row += ["n/a"] * 6
                continue
            r = c["ratios"]["hostile/normal"]
            row += [
                f"{c['us']['normal']:.2f}",
                f"{c['us']['hostile']:.2f}",
                fmt_ratio(r),
                f"{r['diff_us']:+.2f}",
                f"{c['us']['bare']:.2f}",
                str(c["status"]["hostile"]),
            ]
        if any(cell != "n/a" for cell in row[1:]):
            sec_rows.append(row)
    section(
        "Security: a hostile preflight",
        "Configuration (a); the same resource is sent, in rotating order, a normal preflight "
        "and one whose Access-Control-Request-Headers is 'a,' x 4095 (8,190 bytes, aiohttp's "
        "default limit for one header field); x normal = median over "
        f"{int(rounds * bc.HOSTILE_WEIGHT)} paired rounds of hostile time / normal time, "
        "+us the median paired difference; bare us = the bare app answering a GET that "
        "carries the same hostile headers (aiohttp's own cost of them). The hostile one "
        "must be refused: status 403 and no CORS grant (checked).",
        sec_headers,
        sec_rows,
    )

    headers = ["case"]
    for k in keys:
        lab = LABELS[k]
        headers += [f"{lab}: bare us", f"{lab}: cors us", f"{lab}: x bare", f"{lab}: x floor"]
    scale_rows: list[list[str]] = []
    for case_id in all_ids:
        if not any(_group(inproc[k], case_id) in SCALING_GROUPS for k in keys):
            continue
        row = [case_id]
        for k in keys:
            c = _case(inproc[k], case_id)
            if c is None:
                row += ["n/a"] * 4
                continue
            row += [
                f"{c['us']['bare']:.2f}",
                f"{c['us']['cors']:.2f}",
                fmt_ratio(_ratio(c, "cors/bare")),
                fmt_ratio(_ratio(c, "cors/floor")),
            ]
        scale_rows.append(row)
    section(
        "(3) Scaling: routes, exact origins, wildcard patterns",
        f"Method of (1) with {p['requests'] // p['batch']} rounds per case, configuration (a) "
        "with its origin key replaced: 'routes/N' = N resources (GET+PUT, all cors.add-ed), "
        "the last one is requested; 'origins/N' = N exact origins on the route, the last "
        "one is sent; 'patterns/N' = N 'https://*.sub{i}.example.com' patterns, the origin "
        "matches the last one (allowed) or none (refused). 0.8.1 has no patterns: n/a. "
        "'flat' is judged on x bare(N) / x bare(smallest N).",
        headers,
        scale_rows,
    )
    ref_rows = []
    for k in keys:
        for c in inproc[k]:
            if c["group"] == "reference":
                r = c["ratios"]["cors/bare"]
                us = f"{c['us']['bare']:.2f}", f"{c['us']['cors']:.2f}", f"{r['diff_us']:+.2f}"
                ref_rows.append([c["id"], *us, fmt_ratio(r)])
    if ref_rows:
        section(
            "Reference: aiohttp's own cost of a hook",
            "The bare app vs the same app plus one pass-through @web.middleware, or plus one "
            "empty on_response_prepare handler (no-Origin GET, method of (1)): the floor "
            "under any design that uses that hook.",
            ["case", "bare us", "with hook us", "+us", "ratio"],
            ref_rows,
        )
    st: dict[str, dict[str, Any]] = results.get("startup", {})
    if st:
        rows = []
        for k in keys:
            s = st.get(k)
            if s is None:
                continue
            rows.append(
                [
                    LABELS[k],
                    f"{s['cors_add_us']:.2f}",
                    f"{s['setup_extra_us']:.2f}",
                    f"{s['rss_growth'] / 2**20:.2f}",
                    f"{s['traced_growth'] / 2**20:.2f}",
                    f"{s['add_route_us']:.2f}",
                ]
            )
        section(
            f"(4) Startup, {next(iter(st.values()))['n']:,} routes",
            "Configuration (a) on every route (this package flags it with a "
            "CorsSecurityWarning, once per distinct entry, filtered out: the time to raise it "
            "counts). "
            "cors.add per call; extra runner.setup() (freeze + on_startup) time per route vs "
            "the bare app; RSS and tracemalloc growth of cors.add + startup (the caller's "
            "config dicts excluded); add_get per route for scale. Medians of "
            f"{p['startup_repeats']} fresh process(es).",
            ["contender", "cors.add us", "startup us/route", "RSS MiB", "traced MiB", "add_get us"],
            rows,
        )
    wrk = results.get("wrk")
    if wrk:
        headers = ["case", "bare req/s", "bare p50/p99 us"]
        for k in keys:
            headers += [f"{LABELS[k]} req/s", f"{LABELS[k]} p50/p99 us", f"{LABELS[k]} cost"]
        rows = []
        for kind, row in wrk["summary"].items():
            b = row["bare"]
            cells = [kind, f"{b['rps']:.0f}", f"{b['p50_us']:.0f}/{b['p99_us']:.0f}"]
            for k in keys:
                e = row[k]
                cells += [
                    f"{e['rps']:.0f}",
                    f"{e['p50_us']:.0f}/{e['p99_us']:.0f}",
                    f"{e['cost_ratio']:.3f}x",
                ]
            rows.append(cells)
        section(
            "(2) Loopback throughput with wrk",
            f"Configuration (a); wrk -t1 -c{p['wrk_connections']} -d{p['wrk_duration']}s, "
            f"{p['wrk_rounds']} round(s), server pinned to cpu "
            f"{p['cpus'][0] if p['cpus'] else '-'} and wrk to "
            f"cpu {p['cpus'][1] if p['cpus'] else '-'}; cost = bare req/s / contender req/s "
            "(median of per-round pairs). Informational; the targets use (1).",
            headers,
            rows,
        )
    rows = []
    for t in targets:
        row = [t.name]
        for k in keys:
            v = t.values.get(k)
            shown = "n/a" if v is None else (f"{v:.2f} us" if t.unit == "us" else f"{v:.3f}x")
            if t.unit == "x 0.8.1" and k == UPSTREAM:
                rss = st[UPSTREAM]["rss_growth"] / 2**20
                row += [f"{rss:.2f} MiB", "(ref)"]
                continue
            row += [shown, t.verdict(k)]
        rows.append(row)
    headers = ["target"]
    for k in keys:
        headers += [LABELS[k], "verdict"]
    section(
        "Targets",
        "Judged on the in-process ratios (1)/(3), the hostile preflight's ratio and on (4); "
        "a MISS shows by how much."
        + (
            " QUICK MODE: tiny sizes and few samples, verdicts are indicative only."
            if p["quick"]
            else ""
        ),
        headers,
        rows,
    )
    return "\n".join(text), "\n".join(md)


def environment(cpus: tuple[int, int] | None) -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.platform(),
        "cpu": model,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "commit": commit or "(no commit)",
        "pinning": list(cpus) if cpus else None,
    }


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--quick", action="store_true", help="smoke run: tiny sizes, 1 s wrk runs (< 60 s)"
    )
    ap.add_argument(
        "--contenders",
        default=f"{THIS},{UPSTREAM}",
        help="comma-separated subset of 'this,upstream' (default: both)",
    )
    ap.add_argument(
        "--this-path",
        type=Path,
        default=REPO,
        help="directory holding the aiohttp_cors package under test (default: this checkout)",
    )
    ap.add_argument("--upstream-venv", type=Path, default=BENCH / ".venv-upstream")
    ap.add_argument("--results-dir", type=Path, default=BENCH / "results")
    ap.add_argument("--wrk-connections", type=int, default=10)
    ap.add_argument(
        "--fail-on-miss", action="store_true", help="exit 3 if this package misses a target"
    )
    args = ap.parse_args()
    p = make_params(args)
    wanted = [k.strip() for k in args.contenders.split(",") if k.strip()]
    if not wanted or any(k not in LABELS for k in wanted):
        ap.error("--contenders must be a subset of 'this,upstream'")
    keys = [k for k in (THIS, UPSTREAM) if k in wanted]

    if shutil.which("wrk") is None:
        log("error: wrk is not installed (apt-get install wrk); it is required, also in --quick")
        return 1
    cpus: tuple[int, int] | None = None
    if (
        shutil.which("taskset")
        and hasattr(os, "sched_getaffinity")
        and len(os.sched_getaffinity(0)) >= 2
    ):
        avail = sorted(os.sched_getaffinity(0))
        cpus = (avail[0], avail[1])
    else:
        log("warning: fewer than 2 CPUs or no taskset: server and wrk are NOT pinned")

    t0 = time.monotonic()
    results: dict[str, Any] = {
        "environment": environment(cpus),
        "params": {
            "quick": p.quick,
            "sizes": p.sizes.__dict__,
            "batch": p.batch,
            "requests": p.requests,
            "slices": p.slices,
            "startup_repeats": p.startup_repeats,
            "wrk_duration": p.wrk_duration,
            "wrk_rounds": p.wrk_rounds,
            "wrk_connections": p.wrk_connections,
            "cpus": list(cpus) if cpus else None,
        },
    }
    try:
        with tempfile.TemporaryDirectory(prefix="cors-bench-") as tmp_name:
            tmp = Path(tmp_name)
            contenders: list[Contender] = []
            for k in keys:
                if k == THIS:
                    c = this_contender(args.this_path)
                else:
                    c = upstream_contender(args.upstream_venv)
                check_identity(c, tmp, args.this_path)
                contenders.append(c)
            results["contenders"] = {c.key: c.identity for c in contenders}
            inproc_cpu = cpus[0] if cpus else None
            results["inproc"] = {
                c.key: run_inproc(c, p, tmp, inproc_cpu, reference=i == 0)
                for i, c in enumerate(contenders)
            }
            results["startup"] = {c.key: run_startup(c, p, tmp, inproc_cpu) for c in contenders}
            results["wrk"] = wrk_section(contenders, p, tmp, cpus)
    except BenchError as exc:
        log(f"\nFAILED: {exc}")
        return 1
    results["elapsed_s"] = round(time.monotonic() - t0, 1)

    targets = build_targets(results["inproc"], results["startup"], p.sizes)
    results["targets"] = [
        {
            "name": t.name,
            "limit": t.limit,
            "values": t.values,
            "verdicts": {k: t.verdict(k) for k in keys},
        }
        for t in targets
    ]
    text, md = render(results, targets, keys)
    print(text)
    print(f"\n(total {results['elapsed_s']} s)")

    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S") + ("-quick" if p.quick else "")
    header = (
        f"# CORS benchmark {results['environment']['date']}\n\n"
        f"commit {results['environment']['commit']}, {results['environment']['cpu']}, "
        f"{results['environment']['cpu_count']} cpu(s), Python {results['environment']['python']}, "
        f"mode {'quick' if p.quick else 'full'}\n"
    )
    for name in (stamp, "latest" + ("-quick" if p.quick else "")):
        bc.dump_json(str(args.results_dir / f"{name}.json"), results)
        (args.results_dir / f"{name}.md").write_text(header + md + "\n", encoding="utf-8")
    print(f"results: {args.results_dir / stamp}.json / .md")
    if (
        args.fail_on_miss
        and THIS in keys
        and any(t.verdict(THIS).startswith("MISS") for t in targets)
    ):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
