"""Scenario definitions shared by the orchestrator (run.py) and the workers (worker.py).

Standard library only: the orchestrator may run in an interpreter without aiohttp, and the
workers run in up to two different interpreters (the repo's venv and the upstream venv).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# --------------------------------------------------------------------------------------
# The CORS setup every contender is given.
# --------------------------------------------------------------------------------------

ORIGIN = "https://page.example"
REFUSED_ORIGIN = "https://evil.example"
API_PATH = "/api"
EXPOSE_HEADERS = ("X-Request-Id",)
ALLOW_HEADERS = ("Content-Type", "X-Request-Id")
MAX_AGE = 600
PREFLIGHT_METHOD = "PUT"
# Mixed case on purpose: the API contract says the answer is lower-cased.
PREFLIGHT_REQUEST_HEADERS = "Content-Type, X-Request-Id"
BODY = b"ok"

# Headers every benchmark request carries (a modest, browser-like request).
BASE_HEADERS: tuple[tuple[str, str], ...] = (
    ("User-Agent", "aiohttp-cors-bench/1.0"),
    ("Accept", "*/*"),
    ("Accept-Encoding", "gzip, deflate"),
)

# Request kinds.
NO_ORIGIN = "no_origin"
ALLOWED = "allowed"
REFUSED = "refused"
PREFLIGHT = "preflight"
# A plain GET carrying the preflight's headers: the bare app's reference for a preflight.
PREFLIGHT_REF = "preflight_ref"
REQUEST_KINDS = (NO_ORIGIN, ALLOWED, REFUSED, PREFLIGHT)


def exact_origins(n: int) -> list[str]:
    """``n`` exact origins; the benchmarked (allowed) one, ORIGIN, is inserted last."""
    return [f"https://o{i}.example.com" for i in range(n - 1)] + [ORIGIN]


def wildcard_patterns(n: int) -> list[str]:
    return [f"https://*.sub{i}.example.com" for i in range(n)]


def wildcard_allowed_origin(n: int) -> str:
    """An origin matched only by the last pattern of ``wildcard_patterns(n)``."""
    return f"https://app.sub{n - 1}.example.com"


def wildcard_refused_origin(n: int) -> str:
    """An origin matched by none of ``wildcard_patterns(n)`` (but looking like them)."""
    return f"https://app.sub{n}.example.com"


@dataclass(frozen=True)
class AppSpec:
    """The application under test: ``n_routes`` resources (GET + PUT each), the one that is
    requested, API_PATH, added last; every route is passed to ``cors.add`` with a mapping
    from each of ``origins`` to the standard ResourceOptions.

    ``hook`` replaces the CORS package on the contender side for the reference cases:
    ``"cors"`` (the package), ``"noop-middleware"`` or ``"noop-signal"`` (aiohttp's own
    cost of one pass-through middleware / one empty on_response_prepare handler)."""

    n_routes: int = 1
    origins: tuple[str, ...] = (ORIGIN,)
    hook: str = "cors"

    @property
    def cors(self) -> bool:
        return self.hook == "cors"

    def key(self) -> str:
        n = len(self.origins)
        return f"{self.hook}:routes={self.n_routes},origins={n}:{self.origins[-1]}"


@dataclass(frozen=True)
class RequestSpec:
    kind: str
    origin: str | None = None
    path: str = API_PATH

    @property
    def method(self) -> str:
        return "OPTIONS" if self.kind == PREFLIGHT else "GET"

    def headers(self) -> list[tuple[str, str]]:
        """Request headers except Host."""
        hdrs = list(BASE_HEADERS)
        if self.kind != NO_ORIGIN:
            assert self.origin is not None
            hdrs.append(("Origin", self.origin))
        if self.kind in (PREFLIGHT, PREFLIGHT_REF):
            hdrs.append(("Access-Control-Request-Method", PREFLIGHT_METHOD))
            hdrs.append(("Access-Control-Request-Headers", PREFLIGHT_REQUEST_HEADERS))
        return hdrs

    def bare_reference(self) -> RequestSpec:
        """What the bare app is sent in the paired measurement (a preflight compares
        against a bare GET carrying the same headers)."""
        if self.kind == PREFLIGHT:
            return RequestSpec(PREFLIGHT_REF, self.origin, self.path)
        return self

    def raw(self, host: str = "127.0.0.1:8080") -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{k}: {v}" for k, v in self.headers()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


@dataclass(frozen=True)
class Case:
    """One in-process measurement: the contender app vs the bare app (same routes)."""

    id: str
    group: str  # basic | routes | origins | patterns
    size: int  # the scaled dimension (1 for basic)
    app: AppSpec
    request: RequestSpec

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Case:
        a = data["app"]
        app = AppSpec(int(a["n_routes"]), tuple(a["origins"]), str(a["hook"]))
        r = data["request"]
        return Case(
            str(data["id"]),
            str(data["group"]),
            int(data["size"]),
            app,
            RequestSpec(str(r["kind"]), r["origin"], str(r["path"])),
        )


@dataclass(frozen=True)
class Sizes:
    routes: tuple[int, ...]
    origins: tuple[int, ...]
    patterns: tuple[int, ...]
    startup_routes: int


FULL_SIZES = Sizes(
    routes=(10, 1_000, 10_000),
    origins=(1, 100, 10_000),
    patterns=(1, 100, 1_000),
    startup_routes=10_000,
)
QUICK_SIZES = Sizes(routes=(10, 100), origins=(1, 10), patterns=(1, 10), startup_routes=500)


def basic_request(kind: str) -> RequestSpec:
    if kind == NO_ORIGIN:
        return RequestSpec(NO_ORIGIN)
    if kind == REFUSED:
        return RequestSpec(REFUSED, REFUSED_ORIGIN)
    return RequestSpec(kind, ORIGIN)


def inproc_plan(sizes: Sizes, with_patterns: bool, with_reference: bool) -> list[Case]:
    cases = [
        Case(f"basic/{kind}", "basic", 1, AppSpec(), basic_request(kind)) for kind in REQUEST_KINDS
    ]
    if with_reference:
        for hook in ("noop-middleware", "noop-signal"):
            req = basic_request(NO_ORIGIN)
            cases.append(Case(f"reference/{hook}", "reference", 1, AppSpec(hook=hook), req))
    for n in sizes.routes:
        for kind in (ALLOWED, PREFLIGHT):
            cases.append(
                Case(f"routes/{n}/{kind}", "routes", n, AppSpec(n_routes=n), basic_request(kind))
            )
    for n in sizes.origins:
        app = AppSpec(origins=tuple(exact_origins(n)))
        for kind in (ALLOWED, PREFLIGHT):
            cases.append(Case(f"origins/{n}/{kind}", "origins", n, app, basic_request(kind)))
    if with_patterns:
        for n in sizes.patterns:
            app = AppSpec(origins=tuple(wildcard_patterns(n)))
            cases.append(
                Case(
                    f"patterns/{n}/{ALLOWED}",
                    "patterns",
                    n,
                    app,
                    RequestSpec(ALLOWED, wildcard_allowed_origin(n)),
                )
            )
            cases.append(
                Case(
                    f"patterns/{n}/{REFUSED}",
                    "patterns",
                    n,
                    app,
                    RequestSpec(REFUSED, wildcard_refused_origin(n)),
                )
            )
    return cases


# --------------------------------------------------------------------------------------
# Correctness checks.
# --------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    _lower: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for k, v in self.headers:
            self._lower.setdefault(k.lower(), []).append(v)

    def get(self, name: str) -> str | None:
        values = self._lower.get(name.lower())
        return None if not values else ", ".join(values)


def parse_http_response(data: bytes) -> Response:
    """Parse one complete HTTP/1.1 response with a Content-Length body."""
    head, sep, body = bytes(data).partition(b"\r\n\r\n")
    if not sep:
        raise ValueError(f"incomplete HTTP response: {bytes(data)[:200]!r}")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return Response(int(parts[1]), headers, body)


def _token_set(value: str | None, *, lower: bool = True) -> set[str]:
    if value is None:
        return set()
    items = (t.strip() for t in value.split(","))
    return {t.lower() if lower else t for t in items if t}


CORS_RESPONSE_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Expose-Headers",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Max-Age",
)


def check_response(req: RequestSpec, cors: bool, strict: bool, resp: Response) -> list[str]:
    """Return the list of problems with ``resp`` (empty when it is right).

    ``cors``: the app has CORS enabled on the resource (False for the bare app).
    ``strict``: also check what this package promises beyond aiohttp-cors 0.8.1
    (``Vary: Origin`` on actual responses, lower-cased Access-Control-Allow-Headers).
    """
    problems: list[str] = []

    def absent(*names: str) -> None:
        for name in names:
            if resp.get(name) is not None:
                problems.append(f"unexpected {name}: {resp.get(name)!r}")

    def equal(name: str, expected: str) -> None:
        got = resp.get(name)
        if got != expected:
            problems.append(f"{name}: expected {expected!r}, got {got!r}")

    if resp.status != 200:
        problems.append(f"status: expected 200, got {resp.status}")
    if not cors:
        absent(*CORS_RESPONSE_HEADERS)
        if resp.body != BODY:
            problems.append(f"body: expected {BODY!r}, got {resp.body[:100]!r}")
        return problems

    if req.kind == PREFLIGHT:
        assert req.origin is not None
        equal("Access-Control-Allow-Origin", req.origin)
        equal("Access-Control-Allow-Credentials", "true")
        equal("Access-Control-Max-Age", str(MAX_AGE))
        methods = _token_set(resp.get("Access-Control-Allow-Methods"), lower=False)
        if PREFLIGHT_METHOD not in {m.upper() for m in methods}:
            problems.append(f"Access-Control-Allow-Methods lacks {PREFLIGHT_METHOD}: {methods}")
        want_headers = _token_set(PREFLIGHT_REQUEST_HEADERS)
        got_raw = resp.get("Access-Control-Allow-Headers")
        if _token_set(got_raw) != want_headers:
            problems.append(
                f"Access-Control-Allow-Headers: expected {want_headers}, got {got_raw!r}"
            )
        elif strict and _token_set(got_raw, lower=False) != want_headers:
            problems.append(f"Access-Control-Allow-Headers not lower-case: {got_raw!r}")
        absent("Access-Control-Expose-Headers")
        return problems

    if resp.body != BODY:
        problems.append(f"body: expected {BODY!r}, got {resp.body[:100]!r}")
    if strict and "origin" not in _token_set(resp.get("Vary")):
        problems.append(f"Vary lacks Origin: {resp.get('Vary')!r}")
    absent("Access-Control-Allow-Methods", "Access-Control-Allow-Headers")
    absent("Access-Control-Max-Age")
    if req.kind == ALLOWED:
        assert req.origin is not None
        equal("Access-Control-Allow-Origin", req.origin)
        equal("Access-Control-Allow-Credentials", "true")
        got = resp.get("Access-Control-Expose-Headers")
        if _token_set(got) != {h.lower() for h in EXPOSE_HEADERS}:
            problems.append(
                f"Access-Control-Expose-Headers: expected {EXPOSE_HEADERS}, got {got!r}"
            )
    else:  # no Origin, or a refused one: no CORS grant at all
        absent(
            "Access-Control-Allow-Origin",
            "Access-Control-Allow-Credentials",
            "Access-Control-Expose-Headers",
        )
    return problems


# --------------------------------------------------------------------------------------
# Small helpers.
# --------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    s = sorted(values)
    if not s:
        raise ValueError("median of nothing")
    mid = len(s) // 2
    return s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2


def quantile(values: Sequence[float], q: float) -> float:
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    pos = q * (len(s) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def dump_json(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=False)
        fh.write("\n")


def load_json(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
