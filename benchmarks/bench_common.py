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
# The two CORS configurations every contender is given.
# --------------------------------------------------------------------------------------

ORIGIN = "https://page.example"
REFUSED_ORIGIN = "https://evil.example"
API_PATH = "/api"
ALLOW_HEADERS = ("Content-Type", "X-Request-Id")
MAX_AGE = 600
PREFLIGHT_METHOD = "PUT"
# Mixed case on purpose: both packages answer with the names upper-cased (compared
# case-insensitively, as browsers do).
PREFLIGHT_REQUEST_HEADERS = "Content-Type, X-Request-Id"
# The hostile preflight of the security issue: 8,190 bytes of Access-Control-Request-Headers,
# exactly aiohttp's default limit for one header field (max_field_size), naming a header
# that configuration (a) does not allow.
HOSTILE_REQUEST_HEADERS = "a," * 4095
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
# A preflight whose Access-Control-Request-Headers is HOSTILE_REQUEST_HEADERS.
HOSTILE = "hostile"
# A plain GET carrying the preflight's headers: the bare app's reference for a preflight.
PREFLIGHT_REF = "preflight_ref"
# A plain GET carrying the hostile preflight's headers: aiohttp's own cost of them.
HOSTILE_REF = "hostile_ref"
REQUEST_KINDS = (NO_ORIGIN, ALLOWED, REFUSED, PREFLIGHT)
PREFLIGHT_KINDS = (PREFLIGHT, HOSTILE)


@dataclass(frozen=True)
class CorsSetup:
    """One configuration passed to ``cors.add`` for every route: ``{key: ResourceOptions(
    **options)}`` for each key of ``origins`` (unless a scaling case replaces the keys)."""

    name: str
    title: str
    origins: tuple[str, ...]
    allow_headers: str | tuple[str, ...]
    max_age: int | None
    allow_credentials: bool = True
    expose_headers: str | tuple[str, ...] = "*"
    # Request kinds that exist under this configuration ("*" refuses no origin).
    kinds: tuple[str, ...] = REQUEST_KINDS

    def options(self) -> dict[str, Any]:
        """Keyword arguments of ``ResourceOptions``."""
        opts: dict[str, Any] = {
            "allow_credentials": self.allow_credentials,
            "expose_headers": self.expose_headers,
            "allow_headers": self.allow_headers,
        }
        if self.max_age is not None:
            opts["max_age"] = self.max_age
        return opts

    def describe(self) -> str:
        opts = ", ".join(
            f"{k}={v!r}" if not isinstance(v, tuple) else f"{k}=({', '.join(map(repr, v))})"
            for k, v in self.options().items()
        )
        keys = ", ".join(f"{o!r}" for o in self.origins)
        return f"{{{keys}: ResourceOptions({opts})}}"


# (a) The configuration: one trusted origin, credentials, every header exposed.
ONE_ORIGIN = "one-origin"
# (b) aiohttp-cors 0.8.1's README configuration: every origin, with credentials.
STAR = "star"
SETUPS: dict[str, CorsSetup] = {
    ONE_ORIGIN: CorsSetup(
        ONE_ORIGIN, "(a) one origin", (ORIGIN,), allow_headers=ALLOW_HEADERS, max_age=MAX_AGE
    ),
    STAR: CorsSetup(
        STAR,
        "(b) 0.8.1 README '*'",
        ("*",),
        allow_headers="*",
        max_age=None,
        kinds=(NO_ORIGIN, ALLOWED, PREFLIGHT),
    ),
}


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
    from each of ``origins`` to the ResourceOptions of configuration ``setup``.

    ``hook`` replaces the CORS package on the contender side for the reference cases:
    ``"cors"`` (the package), ``"noop-middleware"`` or ``"noop-signal"`` (aiohttp's own
    cost of one pass-through middleware / one empty on_response_prepare handler)."""

    n_routes: int = 1
    origins: tuple[str, ...] = (ORIGIN,)
    hook: str = "cors"
    setup: str = ONE_ORIGIN

    @property
    def cors(self) -> bool:
        return self.hook == "cors"

    @property
    def cors_setup(self) -> CorsSetup:
        return SETUPS[self.setup]

    def key(self) -> str:
        n = len(self.origins)
        return f"{self.hook}:{self.setup}:routes={self.n_routes},origins={n}:{self.origins[-1]}"


@dataclass(frozen=True)
class RequestSpec:
    kind: str
    origin: str | None = None
    path: str = API_PATH

    @property
    def method(self) -> str:
        return "OPTIONS" if self.kind in PREFLIGHT_KINDS else "GET"

    def headers(self) -> list[tuple[str, str]]:
        """Request headers except Host."""
        hdrs = list(BASE_HEADERS)
        if self.kind != NO_ORIGIN:
            assert self.origin is not None
            hdrs.append(("Origin", self.origin))
        if self.kind in (PREFLIGHT, PREFLIGHT_REF, HOSTILE, HOSTILE_REF):
            hdrs.append(("Access-Control-Request-Method", PREFLIGHT_METHOD))
            hostile = self.kind in (HOSTILE, HOSTILE_REF)
            acrh = HOSTILE_REQUEST_HEADERS if hostile else PREFLIGHT_REQUEST_HEADERS
            hdrs.append(("Access-Control-Request-Headers", acrh))
        return hdrs

    def bare_reference(self) -> RequestSpec:
        """What the bare app is sent in the paired measurement (a preflight compares
        against a bare GET carrying the same headers)."""
        if self.kind == PREFLIGHT:
            return RequestSpec(PREFLIGHT_REF, self.origin, self.path)
        if self.kind == HOSTILE:
            return RequestSpec(HOSTILE_REF, self.origin, self.path)
        return self

    def normal_preflight(self) -> RequestSpec:
        """The well-formed preflight a hostile one is compared with."""
        return RequestSpec(PREFLIGHT, self.origin, self.path)

    def raw(self, host: str = "127.0.0.1:8080") -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{k}: {v}" for k, v in self.headers()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


# How a case is measured (the sides timed in turn, in the same process).
VS_FLOOR = "floor"  # bare app, floor app, contender
VS_BARE = "bare"  # bare app, contender (the reference hooks)
VS_PREFLIGHT = "preflight"  # contender: a normal preflight, the hostile one; bare app

# The ratios a case reports: numerator side / denominator side.
RATIOS: dict[str, tuple[tuple[str, str], ...]] = {
    VS_FLOOR: (("cors", "floor"), ("cors", "bare"), ("floor", "bare")),
    VS_BARE: (("cors", "bare"),),
    VS_PREFLIGHT: (("hostile", "normal"), ("hostile", "bare")),
}


@dataclass(frozen=True)
class Case:
    """One in-process measurement: the contender app vs its baselines (same routes)."""

    id: str
    group: str  # basic | security | reference | routes | origins | patterns
    size: int  # the scaled dimension (1 for basic)
    app: AppSpec
    request: RequestSpec
    compare: str = VS_FLOOR
    # Timed requests per side relative to the run's --requests (the targets' cases get
    # more, the slow hostile preflight fewer).
    weight: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Case:
        a = data["app"]
        app = AppSpec(int(a["n_routes"]), tuple(a["origins"]), str(a["hook"]), str(a["setup"]))
        r = data["request"]
        return Case(
            str(data["id"]),
            str(data["group"]),
            int(data["size"]),
            app,
            RequestSpec(str(r["kind"]), r["origin"], str(r["path"])),
            str(data["compare"]),
            float(data["weight"]),
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

# Weight of the cases the floor targets are judged on.
TARGET_WEIGHT = 2
# Weight of the hostile preflight: it may cost ~100x a normal one, and its target (2x) needs
# no fine resolution.
HOSTILE_WEIGHT = 0.1


def basic_request(kind: str) -> RequestSpec:
    if kind == NO_ORIGIN:
        return RequestSpec(NO_ORIGIN)
    if kind == REFUSED:
        return RequestSpec(REFUSED, REFUSED_ORIGIN)
    return RequestSpec(kind, ORIGIN)


def basic_case_id(setup: str, kind: str) -> str:
    return f"{setup}/{kind}"


def inproc_plan(sizes: Sizes, with_patterns: bool, with_reference: bool) -> list[Case]:
    cases: list[Case] = []
    for setup in SETUPS.values():
        app = AppSpec(origins=setup.origins, setup=setup.name)
        for kind in setup.kinds:
            case_id = basic_case_id(setup.name, kind)
            cases.append(Case(case_id, "basic", 1, app, basic_request(kind), weight=TARGET_WEIGHT))
    cases.append(
        Case(
            basic_case_id(ONE_ORIGIN, HOSTILE),
            "security",
            1,
            AppSpec(),
            basic_request(HOSTILE),
            VS_PREFLIGHT,
            HOSTILE_WEIGHT,
        )
    )
    if with_reference:
        for hook in ("noop-middleware", "noop-signal"):
            req = basic_request(NO_ORIGIN)
            cases.append(
                Case(f"reference/{hook}", "reference", 1, AppSpec(hook=hook), req, VS_BARE)
            )
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

    def names(self) -> set[str]:
        return set(self._lower)


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


def response_fingerprint(data: bytes) -> tuple[bytes, tuple[bytes, ...], bytes]:
    """(status line, sorted raw header lines without ``Date``, body) of one response: two
    responses with equal fingerprints send the same bytes except the clock (and the order
    of their header lines)."""
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    kept = sorted(line for line in lines if not line.lower().startswith(b"date:"))
    return status, tuple(kept), body


def fingerprint_diff(
    want: tuple[bytes, tuple[bytes, ...], bytes], got: tuple[bytes, tuple[bytes, ...], bytes]
) -> str:
    """What differs between two fingerprints, for an error message ('' when equal)."""
    problems: list[str] = []
    if want[0] != got[0]:
        problems.append(f"status line {got[0]!r} instead of {want[0]!r}")
    missing = sorted(set(want[1]) - set(got[1]))
    extra = sorted(set(got[1]) - set(want[1]))
    if missing:
        problems.append(f"missing header lines {missing!r}")
    if extra:
        problems.append(f"extra header lines {extra!r}")
    if not missing and not extra and want[1] != got[1]:
        problems.append("header lines repeated a different number of times")
    if want[2] != got[2]:
        problems.append(f"body {got[2][:100]!r} instead of {want[2][:100]!r}")
    return "; ".join(problems)


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
# Response headers a browser always lets a page read (the CORS-safelisted response-header
# names): listing them in Access-Control-Expose-Headers is useless.
SAFELISTED_RESPONSE_HEADERS = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)
# Headers of the benchmark handler's response that expose_headers="*" must expose.
EXPOSED_BY_STAR = frozenset({"date", "server"})


def check_response(
    req: RequestSpec, setup: CorsSetup | None, strict: bool, resp: Response
) -> list[str]:
    """Return the list of problems with ``resp`` (empty when it is right).

    ``setup``: the CORS configuration of the resource (None for the bare app).
    ``strict``: also check what this package promises beyond aiohttp-cors 0.8.1
    (``Vary: Origin`` on every answer, no safelisted names in
    Access-Control-Expose-Headers).
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

    def status(expected: int) -> None:
        if resp.status != expected:
            problems.append(f"status: expected {expected}, got {resp.status}")

    def body(expected: bytes) -> None:
        if resp.body != expected:
            problems.append(f"body: expected {expected!r}, got {resp.body[:100]!r}")

    def vary_origin() -> None:
        if strict and "origin" not in _token_set(resp.get("Vary")):
            problems.append(f"Vary lacks Origin: {resp.get('Vary')!r}")

    if setup is None:
        status(200)
        absent(*CORS_RESPONSE_HEADERS)
        body(BODY)
        return problems

    if req.kind == HOSTILE:
        # Refused (a header that is not allowed), cleanly: a 403 that grants nothing.
        status(403)
        absent(*CORS_RESPONSE_HEADERS)
        vary_origin()
        return problems

    if req.kind == PREFLIGHT:
        assert req.origin is not None
        status(200)
        body(b"")
        vary_origin()
        equal("Access-Control-Allow-Origin", req.origin)
        if setup.allow_credentials:
            equal("Access-Control-Allow-Credentials", "true")
        if setup.max_age is None:
            absent("Access-Control-Max-Age")
        else:
            equal("Access-Control-Max-Age", str(setup.max_age))
        methods = _token_set(resp.get("Access-Control-Allow-Methods"), lower=False)
        if PREFLIGHT_METHOD not in {m.upper() for m in methods}:
            problems.append(f"Access-Control-Allow-Methods lacks {PREFLIGHT_METHOD}: {methods}")
        want_headers = _token_set(PREFLIGHT_REQUEST_HEADERS)
        got_raw = resp.get("Access-Control-Allow-Headers")
        if _token_set(got_raw) != want_headers:
            problems.append(
                f"Access-Control-Allow-Headers: expected {want_headers}, got {got_raw!r}"
            )
        absent("Access-Control-Expose-Headers")
        return problems

    status(200)
    body(BODY)
    vary_origin()
    absent("Access-Control-Allow-Methods", "Access-Control-Allow-Headers")
    absent("Access-Control-Max-Age")
    if req.kind == ALLOWED:
        assert req.origin is not None
        equal("Access-Control-Allow-Origin", req.origin)
        if setup.allow_credentials:
            equal("Access-Control-Allow-Credentials", "true")
        got = resp.get("Access-Control-Expose-Headers")
        exposed = _token_set(got)
        if setup.expose_headers == "*":
            # With credentials a literal '*' exposes nothing: the names must be listed.
            if not exposed.issuperset(EXPOSED_BY_STAR) or "*" in exposed or "set-cookie" in exposed:
                problems.append(
                    f"Access-Control-Expose-Headers: expected the response's header names "
                    f"(at least {sorted(EXPOSED_BY_STAR)}), got {got!r}"
                )
            elif strict and exposed & SAFELISTED_RESPONSE_HEADERS:
                problems.append(f"Access-Control-Expose-Headers lists safelisted names: {got!r}")
        elif exposed != {h.lower() for h in setup.expose_headers}:
            problems.append(
                f"Access-Control-Expose-Headers: expected {setup.expose_headers}, got {got!r}"
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
