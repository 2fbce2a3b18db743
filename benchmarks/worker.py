"""Benchmark worker: runs inside ONE contender's interpreter (never imported by run.py).

Both the package under test and aiohttp-cors 0.8.1 are importable as ``aiohttp_cors``, so
each contender gets its own process; the bare app and the floors it is compared with are
measured in the same process, interleaved with it.

Modes (all write a JSON document to ``--out``):

``identify``  which aiohttp / aiohttp_cors this interpreter imports.
``inproc``    per-request CPU through aiohttp's real RequestHandler: contender vs floor vs
              bare app (and the hostile preflight vs a normal one).
``startup``   time per ``cors.add`` and memory growth for N routes (one fresh process
              per measurement; ``--variant bare`` gives the baseline).
``serve``     serve the basic app over TCP on 127.0.0.1 (for wrk) until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import os
import re
import signal
import sys
import time
import tracemalloc
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import bench_common as bc
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from multidict import CIMultiDict

# The contender, imported by name: the package under test or aiohttp-cors 0.8.1, whichever
# this interpreter resolves ``aiohttp_cors`` to.
aiohttp_cors: ModuleType | None
try:
    aiohttp_cors = importlib.import_module("aiohttp_cors")
except ImportError:  # reported by ``identify``
    aiohttp_cors = None

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


_TEXT = bc.BODY.decode()


async def _ok(request: web.Request) -> web.StreamResponse:
    return web.Response(text=_TEXT)


def _options(setup: bc.CorsSetup) -> Any:
    assert aiohttp_cors is not None
    return aiohttp_cors.ResourceOptions(**setup.options())


def _ignore_security_warnings() -> None:
    """This package flags insecure configurations (credentials for every origin, every
    header exposed with credentials) with a CorsSecurityWarning; both benchmark
    configurations do that on purpose. 0.8.1 has no such warning."""
    category = getattr(aiohttp_cors, "CorsSecurityWarning", None)
    if isinstance(category, type) and issubclass(category, Warning):
        warnings.filterwarnings("ignore", category=category)


@web.middleware
async def _noop_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    return await handler(request)


async def _noop_signal(request: web.Request, response: web.StreamResponse) -> None:
    pass


def _paths(spec: bc.AppSpec) -> list[str]:
    return [f"/r{i}" for i in range(spec.n_routes - 1)] + [bc.API_PATH]


def build_app(spec: bc.AppSpec, contender: bool) -> web.Application:
    """The app of ``spec``. The contender side gets ``spec.hook``: for "cors" every route
    goes through ``cors.add``, using only the public API shared by this package and
    aiohttp-cors 0.8.1."""
    app = web.Application()
    routes: list[web.AbstractRoute] = []
    for path in _paths(spec):
        resource = app.router.add_resource(path)
        routes.append(resource.add_route("GET", _ok))
        routes.append(resource.add_route("PUT", _ok))
    if contender and spec.hook == "noop-middleware":
        app.middlewares.append(_noop_middleware)
    elif contender and spec.hook == "noop-signal":
        app.on_response_prepare.append(_noop_signal)
    elif contender:
        assert aiohttp_cors is not None
        config = aiohttp_cors.setup(app)
        opts = _options(spec.cors_setup)
        for route in routes:
            config.add(route, dict.fromkeys(spec.origins, opts))
    return app


@dataclass(frozen=True)
class FloorAnswer:
    """What the floor handler of a case sends: the contender's own answer to the case's
    request, as precomputed values. For a GET the handler is the benchmark handler plus
    ``headers`` (the lines the contender added to it); for a preflight it is a plain
    OPTIONS handler writing the contender's status, body and headers (aiohttp itself
    adds Date, Server and Content-Length, as it did for the contender)."""

    method: str
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


_WRITTEN_BY_AIOHTTP = frozenset({"date", "server", "content-length"})


def floor_answer(req: bc.RequestSpec, cont: bytes, bare: bytes) -> FloorAnswer:
    """Derive the floor of ``req`` from the contender's response ``cont`` (``bare``: the
    bare app's response to the case's bare reference request)."""
    c = bc.parse_http_response(cont)
    if req.method == "GET":
        own = bc.parse_http_response(bare).names()  # what the handler itself sends
        extra = tuple((k, v) for k, v in c.headers if k.lower() not in own)
        return FloorAnswer("GET", c.status, c.body, extra)
    extra = tuple((k, v) for k, v in c.headers if k.lower() not in _WRITTEN_BY_AIOHTTP)
    return FloorAnswer(req.method, c.status, c.body, extra)


def _floor_handler(answer: FloorAnswer) -> Handler:
    # Precomputed once; each response gets its own copy (aiohttp keeps the mapping it is
    # given and adds to it).
    headers: CIMultiDict[str] = CIMultiDict(answer.headers)
    if answer.method == "GET":

        async def floor_get(request: web.Request) -> web.StreamResponse:
            return web.Response(text=_TEXT, headers=headers.copy())

        return floor_get
    status = answer.status
    body = answer.body or None

    async def floor_preflight(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, headers=headers.copy())

    return floor_preflight


def build_floor_app(spec: bc.AppSpec, answer: FloorAnswer) -> web.Application:
    """The bare app of ``spec`` (no CORS package) whose API_PATH answers ``answer``'s
    method with the precomputed answer."""
    app = web.Application()
    for path in _paths(spec):
        resource = app.router.add_resource(path)
        floor = path == bc.API_PATH
        get = _floor_handler(answer) if floor and answer.method == "GET" else _ok
        resource.add_route("GET", get)
        resource.add_route("PUT", _ok)
        if floor and answer.method == "OPTIONS":
            resource.add_route("OPTIONS", _floor_handler(answer))
    return app


# --------------------------------------------------------------------------------------
# In-process driver: real RequestHandler, real HTTP parser, a transport that records.
# --------------------------------------------------------------------------------------

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:\s*(\d+)", re.IGNORECASE)


class RecordingTransport(asyncio.Transport):
    """Stands in for the socket: collects what the server writes and resolves a future
    once one complete (Content-Length delimited) response has been written."""

    def __init__(self) -> None:
        super().__init__()
        self.buf = bytearray()
        self._done: asyncio.Future[None] | None = None
        self._closing = False

    def arm(self, fut: asyncio.Future[None]) -> None:
        self.buf.clear()
        self._done = fut

    def _check(self) -> None:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        m = _CONTENT_LENGTH.search(self.buf, 0, end + 2)
        if m is None:
            raise RuntimeError(f"response without Content-Length: {bytes(self.buf)[:300]!r}")
        if len(self.buf) >= end + 4 + int(m.group(1)) and self._done is not None:
            self._done.set_result(None)
            self._done = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.buf += data
        self._check()

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.buf += data
        self._check()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "peername":
            return ("127.0.0.1", 54321)
        if name == "sockname":
            return ("127.0.0.1", 8080)
        return default

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


class Connection:
    """One keep-alive connection into an app through aiohttp's RequestHandler."""

    def __init__(self, runner: web.AppRunner, proto: RequestHandler, transport: RecordingTransport):
        self.runner = runner
        self.proto = proto
        self.transport = transport

    @classmethod
    async def open(cls, app: web.Application) -> Connection:
        runner = web.AppRunner(app)
        await runner.setup()  # freezes the app and runs on_startup, as a real server would
        return await cls.attach(runner)

    @classmethod
    async def attach(cls, runner: web.AppRunner) -> Connection:
        assert runner.server is not None
        proto = runner.server()
        transport = RecordingTransport()
        proto.connection_made(transport)
        await asyncio.sleep(0)
        return cls(runner, proto, transport)

    async def request(self, raw: bytes) -> bytes:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport.arm(fut)
        self.proto.data_received(raw)
        await fut
        return bytes(self.transport.buf)

    async def batch(self, raw: bytes, n: int) -> int:
        """Send ``n`` requests one after the other; return elapsed ns."""
        loop = asyncio.get_running_loop()
        transport = self.transport
        proto = self.proto
        t0 = time.perf_counter_ns()
        for _ in range(n):
            fut: asyncio.Future[None] = loop.create_future()
            transport.arm(fut)
            proto.data_received(raw)
            await fut
        while proto._waiter is None:  # let the handler finish its bookkeeping
            await asyncio.sleep(0)
        return time.perf_counter_ns() - t0

    async def close(self) -> None:
        self.proto.connection_lost(None)
        await asyncio.sleep(0)
        await self.runner.cleanup()


def _verify(
    raw: bytes, req: bc.RequestSpec, setup: bc.CorsSetup | None, strict: bool, what: str
) -> None:
    resp = bc.parse_http_response(raw)
    problems = bc.check_response(req, setup, strict, resp)
    if problems:
        raise AssertionError(
            f"{what}: wrong response to {req.method} {req.path} ({req.kind}, origin="
            f"{req.origin!r}): " + "; ".join(problems) + f"\n--- response ---\n{resp}"
        )


def _same(want: bytes, got: bytes, what: str) -> None:
    diff = bc.fingerprint_diff(bc.response_fingerprint(want), bc.response_fingerprint(got))
    if diff:
        raise AssertionError(f"{what}: {diff}\n--- expected ---\n{want!r}\n--- got ---\n{got!r}")


@dataclass
class Side:
    """One of the apps a case times: its connection, the request it is sent and the
    response it must keep giving (captured and checked before timing)."""

    name: str  # bare | floor | cors | normal | hostile
    conn: Connection
    req: bc.RequestSpec
    setup: bc.CorsSetup | None  # None: an app without CORS (bare, floor)
    raw: bytes = b""
    answer: bytes = b""  # captured before timing
    last: bytes = b""  # the last response timed
    us: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.raw = self.req.raw()


# The orders the sides are timed in, round after round: every side takes every position
# equally often, so a drift of the host's speed within a round favours none of them.
_ORDERS = {
    2: ((0, 1), (1, 0)),
    3: ((0, 1, 2), (2, 1, 0), (1, 2, 0), (0, 2, 1), (2, 0, 1), (1, 0, 2)),
}


class CaseRun:
    """Paired rounds of one case: each round times one short batch of every side, in a
    rotating order, so all sides of a round see the same machine state. The per-round
    ratios (and differences) are summarised by their medians; the absolute per-request
    times are kept for information only (the host's speed drifts by tens of percent over
    seconds; rounds of a few ms cancel that out)."""

    def __init__(self, case: bc.Case, sides: list[Side], strict: bool):
        self.case = case
        self.sides = sides
        self.strict = strict
        self.by_name = {s.name: s for s in sides}
        self.pairs = bc.RATIOS[case.compare]
        self.ratios: dict[str, list[float]] = {f"{n}/{d}": [] for n, d in self.pairs}
        self.diffs: dict[str, list[float]] = {f"{n}/{d}": [] for n, d in self.pairs}
        self.rounds = 0
        self.floor: FloorAnswer | None = None

    def _check(self, side: Side, raw: bytes, when: str) -> None:
        what = f"{self.case.id} [{side.name}{when}]"
        if side.name == "floor":
            # The floor must send what the contender sent (checked against the capture).
            _same(self.by_name["cors"].answer, raw, what + " differs from the contender")
        else:
            _verify(raw, side.req, side.setup, self.strict, what)
        if side.answer:
            _same(side.answer, raw, what + " changed its answer")

    async def capture(self, floors: dict[tuple[str, FloorAnswer], Connection]) -> None:
        """Check every side's answer and keep it; for a floor case, build the floor app
        from the contender's answer first, then check that the floor sends the same."""
        for side in self.sides:
            if side.name == "floor":
                continue
            raw = await side.conn.request(side.raw)
            self._check(side, raw, "")
            side.answer = raw
        if "floor" in self.by_name:
            cont, bare = self.by_name["cors"], self.by_name["bare"]
            self.floor = answer = floor_answer(cont.req, cont.answer, bare.answer)
            key = (self.case.app.key(), answer)
            if key not in floors:
                floors[key] = await Connection.open(build_floor_app(self.case.app, answer))
            side = self.by_name["floor"]
            side.conn = floors[key]
            raw = await side.conn.request(side.raw)
            self._check(side, raw, "")
            side.answer = raw

    async def verify_last(self) -> None:
        """Check the responses just timed, the last one of every side."""
        for side in self.sides:
            self._check(side, side.last, ", after timing")

    async def warm_up(self, n: int) -> None:
        for side in self.sides:
            await side.conn.batch(side.raw, n)

    async def sample(self, rounds: int, batch: int) -> None:
        orders = _ORDERS[len(self.sides)]
        sides = self.sides
        ns = [0] * len(sides)
        for _ in range(rounds):
            for i in orders[self.rounds % len(orders)]:
                ns[i] = await sides[i].conn.batch(sides[i].raw, batch)
                sides[i].last = bytes(sides[i].conn.transport.buf)
            self.rounds += 1
            for side, t in zip(sides, ns, strict=True):
                side.us.append(t / batch / 1000.0)
            for num, den in self.pairs:
                a, b = self.by_name[num].us[-1], self.by_name[den].us[-1]
                self.ratios[f"{num}/{den}"].append(a / b)
                self.diffs[f"{num}/{den}"].append(a - b)

    def result(self, batch: int) -> dict[str, Any]:
        ratios: dict[str, dict[str, float]] = {}
        for key, values in self.ratios.items():
            iqr = bc.quantile(values, 0.75) - bc.quantile(values, 0.25)
            ratios[key] = {
                "ratio": bc.median(values),
                # ~95 % confidence half-width of the median (normal approximation).
                "ci": 1.96 * 0.93 * iqr / len(values) ** 0.5,
                "diff_us": bc.median(self.diffs[key]),
            }
        return {
            "id": self.case.id,
            "group": self.case.group,
            "size": self.case.size,
            "kind": self.case.request.kind,
            "setup": self.case.app.setup,
            "compare": self.case.compare,
            "us": {s.name: bc.median(s.us) for s in self.sides},
            "status": {s.name: bc.parse_http_response(s.answer).status for s in self.sides},
            "ratios": ratios,
            "floor_headers": None if self.floor is None else [list(h) for h in self.floor.headers],
            "rounds": self.rounds,
            "batch": batch,
        }


def _sides(case: bc.Case, bare: Connection, cont: Connection) -> list[Side]:
    req = case.request
    setup = case.app.cors_setup if case.app.cors else None
    if case.compare == bc.VS_PREFLIGHT:
        return [
            Side("normal", cont, req.normal_preflight(), setup),
            Side("hostile", cont, req, setup),
            Side("bare", bare, req.bare_reference(), None),
        ]
    sides = [Side("bare", bare, req.bare_reference(), None)]
    if case.compare == bc.VS_FLOOR:
        sides.append(Side("floor", bare, req, None))  # its connection is set by capture()
    sides.append(Side("cors", cont, req, setup))
    return sides


async def inproc(args: argparse.Namespace) -> dict[str, Any]:
    """All cases' apps stay alive and the cases are sampled round-robin over ``--slices``
    slices, so a slow phase of the host hits every case alike (this matters for the
    scaling comparisons, which divide one case's ratio by another's)."""
    _ignore_security_warnings()
    plan = [bc.Case.from_json(c) for c in bc.load_json(args.plan)]
    batch: int = args.batch
    conns: dict[str, tuple[Connection, Connection]] = {}
    floors: dict[tuple[str, FloorAnswer], Connection] = {}
    runs: list[CaseRun] = []
    t_start = time.perf_counter()
    try:
        for case in plan:
            key = case.app.key()
            if key not in conns:
                conns[key] = (
                    await Connection.open(build_app(case.app, contender=False)),
                    await Connection.open(build_app(case.app, contender=True)),
                )
            runs.append(CaseRun(case, _sides(case, *conns[key]), strict=args.strict))
        for run in runs:  # correctness first: any wrong answer aborts the whole run
            await run.capture(floors)
        log(
            args.label,
            f"{len(runs)} cases built and verified ({len(floors)} floor apps) in "
            f"{time.perf_counter() - t_start:.1f}s",
        )
        gc.collect()
        gc.freeze()  # keep the big route tables out of the timed collections

        warm = min(2000, args.requests // 5)
        for run in runs:
            await run.warm_up(max(batch, int(warm * min(1.0, run.case.weight))))
        slices = max(1, min(args.slices, args.requests // batch // 2))
        for s in range(slices):
            order = runs if s % 2 == 0 else runs[::-1]
            for run in order:
                rounds = max(2, int(args.requests * run.case.weight) // batch // slices)
                await run.sample(rounds, batch)
            log(args.label, f"slice {s + 1}/{slices} done ({time.perf_counter() - t_start:.0f}s)")
        for run in runs:
            await run.verify_last()
    finally:
        for pair in conns.values():
            for c in pair:
                await c.close()
        for c in floors.values():
            await c.close()
        gc.unfreeze()
    results = [run.result(batch) for run in runs]
    for res in results:
        shown = "  ".join(
            f"{k} x{r['ratio']:.3f} +-{r['ci']:.3f} ({r['diff_us']:+.2f} us)"
            for k, r in res["ratios"].items()
        )
        log(args.label, f"{res['id']:<26} {shown}")
    return {"identity": identify(), "cases": results}


def log(label: str, msg: str) -> None:
    print(f"  [{label}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------
# Startup: time per cors.add, memory growth.
# --------------------------------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def startup(args: argparse.Namespace) -> dict[str, Any]:
    n: int = args.n
    cors_on = args.variant == "cors"
    trace = args.memory == "tracemalloc"
    app = web.Application()
    t0 = time.perf_counter()
    routes = [app.router.add_get(f"/r{i}", _ok) for i in range(n)]
    t_routes = time.perf_counter() - t0
    configs: list[dict[str, Any]] = []
    if cors_on:
        _ignore_security_warnings()
        opts = _options(bc.SETUPS[bc.ONE_ORIGIN])
        configs = [{bc.ORIGIN: opts} for _ in range(n)]  # the caller's objects: not counted
    gc.collect()
    if trace:
        tracemalloc.start()
    rss0 = _rss_bytes()

    t_add = 0.0
    if cors_on:
        assert aiohttp_cors is not None
        cors = aiohttp_cors.setup(app)
        add = cors.add
        t0 = time.perf_counter()
        for route, config in zip(routes, configs, strict=True):
            add(route, config)
        t_add = time.perf_counter() - t0

    runner = web.AppRunner(app)
    t0 = time.perf_counter()
    await runner.setup()  # freeze + on_startup: where deferred work would show up
    t_setup = time.perf_counter() - t0
    gc.collect()
    rss1 = _rss_bytes()
    traced = tracemalloc.get_traced_memory()[0] if trace else 0
    if trace:
        tracemalloc.stop()

    # The app must answer correctly after all that (on the last route added).
    conn = await Connection.attach(runner)
    req = bc.RequestSpec(bc.ALLOWED, bc.ORIGIN, f"/r{n - 1}")
    setup = bc.SETUPS[bc.ONE_ORIGIN] if cors_on else None
    _verify(await conn.request(req.raw()), req, setup, args.strict, f"startup [{args.variant}]")
    await conn.close()
    return {
        "variant": args.variant,
        "n": n,
        "memory": args.memory,
        "add_routes_s": t_routes,
        "cors_add_s": t_add,
        "setup_s": t_setup,
        "rss_growth": rss1 - rss0,
        "traced_growth": traced,
    }


# --------------------------------------------------------------------------------------
# Serve over TCP (for wrk).
# --------------------------------------------------------------------------------------


async def serve(args: argparse.Namespace) -> None:
    _ignore_security_warnings()
    app = build_app(bc.AppSpec(), contender=args.variant == "cors")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = runner.addresses[0][1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    bc.dump_json(args.out + ".tmp", {"port": port, "pid": os.getpid(), "identity": identify()})
    os.replace(args.out + ".tmp", args.out)
    await stop.wait()
    await runner.cleanup()


def identify() -> dict[str, Any]:
    import aiohttp

    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "aiohttp": aiohttp.__version__,
        "aiohttp_cors_file": None,
        "aiohttp_cors_version": None,
    }
    if aiohttp_cors is not None:
        info["aiohttp_cors_file"] = os.path.realpath(aiohttp_cors.__file__ or "")
        info["aiohttp_cors_version"] = getattr(aiohttp_cors, "__version__", None)
    return info


def _pin(cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("mode", choices=("identify", "inproc", "startup", "serve"))
    p.add_argument("--out", required=True)
    p.add_argument("--plan")
    p.add_argument("--label", default="worker")
    p.add_argument("--strict", action="store_true")
    p.add_argument("--batch", type=int, default=20, help="requests per timed batch")
    p.add_argument("--requests", type=int, default=30_000, help="timed requests per side")
    p.add_argument("--slices", type=int, default=10, help="round-robin rounds over the cases")
    p.add_argument("--variant", choices=("bare", "cors"), default="cors")
    p.add_argument("--n", type=int, default=10_000)
    p.add_argument("--memory", choices=("rss", "tracemalloc"), default="rss")
    p.add_argument("--cpu", type=int)
    args = p.parse_args()
    _pin(args.cpu)
    if args.mode == "identify":
        bc.dump_json(args.out, identify())
    elif args.mode == "inproc":
        bc.dump_json(args.out, asyncio.run(inproc(args)))
    elif args.mode == "startup":
        bc.dump_json(args.out, asyncio.run(startup(args)))
    else:
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
