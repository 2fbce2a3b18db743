"""The requests sent to every program: actual requests and preflights for each method of
each path, from allowed, refused, absent, ``null`` and malformed origins, with
``Access-Control-Request-Headers`` in several letter cases, and cookies.

Bounded: at most :data:`MAX_REQUESTS` per program, so that a few hundred programs run in
about a minute.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_REQUESTS = 300

ALLOWED = ("https://a.example", "http://b.example:8080")
REFUSED = "https://evil.example"
MALFORMED = (
    "a.example",
    "https://a.example/",
    "HTTPS://A.EXAMPLE",
    "https://a.example, https://b.example",
)
# None: no Origin header at all.
ORIGINS: tuple[str | None, ...] = (*ALLOWED, REFUSED, None, "null", "<malformed>")
REQUEST_HEADERS: tuple[str | None, ...] = (
    None,
    "X-Trace",
    "x-trace,content-type",
    "X-TRACE, X-Requested-With",
    "x-unknown",
)
HANDSHAKE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


@dataclass(frozen=True)
class Target:
    """A path to probe and the methods to probe it with."""

    path: str
    methods: tuple[str, ...]
    websocket: bool = False


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]

    @property
    def kind(self) -> str:
        names = {name.lower() for name, _ in self.headers}
        if self.method == "OPTIONS":
            return "preflight" if "access-control-request-method" in names else "options"
        if "upgrade" in names:
            return "handshake"
        return "actual"

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def as_json(self) -> Mapping[str, object]:
        return {"method": self.method, "path": self.path, "headers": dict(self.headers)}

    def describe(self) -> str:
        headers = "".join(f"\n    {name}: {value}" for name, value in self.headers)
        return f"{self.method} {self.path}{headers}"


def _origin(origin: str | None, rng: random.Random) -> tuple[tuple[str, str], ...]:
    if origin is None:
        return ()
    if origin == "<malformed>":
        return (("Origin", rng.choice(MALFORMED)),)
    return (("Origin", origin),)


def request_matrix(targets: Iterable[Target], rng: random.Random) -> tuple[Request, ...]:
    requests: list[Request] = []
    for target in targets:
        requests.append(Request("OPTIONS", target.path, ()))
        requests.append(Request("OPTIONS", target.path, (("Origin", ALLOWED[0]),)))
        if not target.websocket:
            requests.append(Request("HEAD", target.path, (("Origin", ALLOWED[1]),)))
            requests.append(
                Request(
                    "OPTIONS",
                    target.path,
                    (("Origin", ALLOWED[1]), ("Access-Control-Request-Method", "HEAD")),
                )
            )
        for method in target.methods:
            for origin in ORIGINS:
                headers = _origin(origin, rng)
                if target.websocket:
                    requests.append(Request("GET", target.path, headers + tuple(HANDSHAKE.items())))
                    continue
                actual = headers
                if rng.random() < 0.3:
                    actual += (("Cookie", "session=1"),)
                requests.append(Request(method, target.path, actual))
                preflight = (*headers, ("Access-Control-Request-Method", method))
                asked = rng.choice(REQUEST_HEADERS)
                if asked is not None:
                    preflight += (("Access-Control-Request-Headers", asked),)
                requests.append(Request("OPTIONS", target.path, preflight))
            if target.websocket:
                break
        if "PATCH" in target.methods:
            # What a page gets when it writes fetch(..., {method: "patch"}): browsers send
            # methods other than the six safelisted ones as written.
            requests.append(
                Request(
                    "OPTIONS",
                    target.path,
                    (("Origin", ALLOWED[0]), ("Access-Control-Request-Method", "patch")),
                )
            )
    return tuple(requests[:MAX_REQUESTS])
