"""Benchmark worker: runs inside ONE contender's interpreter (never imported by run.py).

Both the package under test and aiohttp-cors 0.8.1 are importable as ``aiohttp_cors``, so
each contender gets its own process; the bare app it is compared with is measured in the
same process, interleaved with it.

Modes (all write a JSON document to ``--out``):

``identify``  which aiohttp / aiohttp_cors this interpreter imports.
``inproc``    per-request CPU through aiohttp's real RequestHandler, bare vs contender.
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
from collections.abc import Awaitable, Callable
from types import ModuleType
from typing import Any

import bench_common as bc
from aiohttp import web
from aiohttp.web_protocol import RequestHandler

# The contender, imported by name: the package under test or aiohttp-cors 0.8.1, whichever
# this interpreter resolves ``aiohttp_cors`` to.
aiohttp_cors: ModuleType | None
try:
    aiohttp_cors = importlib.import_module("aiohttp_cors")
except ImportError:  # reported by ``identify``
    aiohttp_cors = None

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _ok(request: web.Request) -> web.StreamResponse:
    return web.Response(text=bc.BODY.decode())


def _options() -> Any:
    assert aiohttp_cors is not None
    return aiohttp_cors.ResourceOptions(
        allow_credentials=True,
        expose_headers=bc.EXPOSE_HEADERS,
        allow_headers=bc.ALLOW_HEADERS,
        max_age=bc.MAX_AGE,
    )


@web.middleware
async def _noop_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    return await handler(request)


async def _noop_signal(request: web.Request, response: web.StreamResponse) -> None:
    pass


def build_app(spec: bc.AppSpec, contender: bool) -> web.Application:
    """The app of ``spec``. The contender side gets ``spec.hook``: for "cors" every route
    goes through ``cors.add``, using only the public API shared by this package and
    aiohttp-cors 0.8.1."""
    app = web.Application()
    paths = [f"/r{i}" for i in range(spec.n_routes - 1)] + [bc.API_PATH]
    routes: list[web.AbstractRoute] = []
    for path in paths:
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
        opts = _options()
        for route in routes:
            config.add(route, dict.fromkeys(spec.origins, opts))
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


def _verify(conn_raw: bytes, req: bc.RequestSpec, cors: bool, strict: bool, what: str) -> None:
    resp = bc.parse_http_response(conn_raw)
    problems = bc.check_response(req, cors, strict, resp)
    if problems:
        raise AssertionError(
            f"{what}: wrong response to {req.method} {req.path} ({req.kind}, origin="
            f"{req.origin!r}): " + "; ".join(problems) + f"\n--- response ---\n{resp}"
        )


class CaseRun:
    """Paired samples of one case: bare and contender alternated (ABBA) in short batches,
    so both sides of a pair see the same machine state. The per-pair ratios are summarised
    by their median; the absolute per-request times are kept for information only (the
    host's speed drifts by tens of percent over seconds, ~1 ms pairs cancel that out)."""

    def __init__(self, case: bc.Case, bare: Connection, cont: Connection, strict: bool):
        self.case = case
        self.bare = bare
        self.cont = cont
        self.strict = strict
        self.req = case.request
        self.ref = self.req.bare_reference()
        self.raw_c = self.req.raw()
        self.raw_b = self.ref.raw()
        self.bare_us: list[float] = []
        self.cont_us: list[float] = []
        self.ratios: list[float] = []
        self.last_b = b""
        self.last_c = b""

    async def verify(self, *, last: bool = False) -> None:
        """Check the bare and the contender responses (``last``: the ones just timed)."""
        when = ", after timing" if last else ""
        b = self.last_b if last else await self.bare.request(self.raw_b)
        _verify(b, self.ref, False, self.strict, f"{self.case.id} [bare{when}]")
        c = self.last_c if last else await self.cont.request(self.raw_c)
        cors = self.case.app.cors
        _verify(c, self.req, cors, self.strict, f"{self.case.id} [contender{when}]")

    async def warm_up(self, n: int) -> None:
        await self.bare.batch(self.raw_b, n)
        await self.cont.batch(self.raw_c, n)

    async def sample(self, pairs: int, batch: int) -> None:
        bare, cont, raw_b, raw_c = self.bare, self.cont, self.raw_b, self.raw_c
        for i in range(pairs):
            if i % 2:
                c_ns = await cont.batch(raw_c, batch)
                b_ns = await bare.batch(raw_b, batch)
            else:
                b_ns = await bare.batch(raw_b, batch)
                c_ns = await cont.batch(raw_c, batch)
            self.bare_us.append(b_ns / batch / 1000.0)
            self.cont_us.append(c_ns / batch / 1000.0)
            self.ratios.append(c_ns / b_ns)
        self.last_b = bytes(bare.transport.buf)
        self.last_c = bytes(cont.transport.buf)

    def result(self, batch: int) -> dict[str, Any]:
        ratios = self.ratios
        iqr = bc.quantile(ratios, 0.75) - bc.quantile(ratios, 0.25)
        return {
            "id": self.case.id,
            "group": self.case.group,
            "size": self.case.size,
            "kind": self.req.kind,
            "bare_us": bc.median(self.bare_us),
            "cont_us": bc.median(self.cont_us),
            "ratio": bc.median(ratios),
            # ~95 % confidence half-width of the median ratio (normal approximation).
            "ratio_ci": 1.96 * 0.93 * iqr / len(ratios) ** 0.5,
            "pairs": len(ratios),
            "batch": batch,
        }


async def inproc(args: argparse.Namespace) -> dict[str, Any]:
    """All cases' apps stay alive and the cases are sampled round-robin over ``--slices``
    rounds, so a slow phase of the host hits every case alike (this matters for the
    scaling comparisons, which divide one case's ratio by another's)."""
    plan = [bc.Case.from_json(c) for c in bc.load_json(args.plan)]
    batch: int = args.batch
    conns: dict[str, tuple[Connection, Connection]] = {}
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
            runs.append(CaseRun(case, *conns[key], strict=args.strict))
        for run in runs:  # correctness first: any wrong answer aborts the whole run
            await run.verify()
        log(
            args.label,
            f"{len(runs)} cases built and verified in {time.perf_counter() - t_start:.1f}s",
        )
        gc.collect()
        gc.freeze()  # keep the big route tables out of the timed collections

        warm = max(batch, min(2000, args.requests // 5))
        for run in runs:
            await run.warm_up(warm)
        slices = max(1, min(args.slices, args.requests // batch // 2))
        pairs_per_slice = max(2, args.requests // batch // slices)
        for s in range(slices):
            order = runs if s % 2 == 0 else runs[::-1]
            for run in order:
                await run.sample(pairs_per_slice, batch)
            log(args.label, f"slice {s + 1}/{slices} done ({time.perf_counter() - t_start:.0f}s)")
        for run in runs:
            await run.verify(last=True)
    finally:
        for pair in conns.values():
            for c in pair:
                await c.close()
        gc.unfreeze()
    results = [run.result(batch) for run in runs]
    for res in results:
        log(
            args.label,
            f"{res['id']:<26} bare {res['bare_us']:7.2f} us  cors {res['cont_us']:7.2f} us  "
            f"x{res['ratio']:.3f} +-{res['ratio_ci']:.3f}",
        )
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
        opts = _options()
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
    _verify(await conn.request(req.raw()), req, cors_on, args.strict, f"startup [{args.variant}]")
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
