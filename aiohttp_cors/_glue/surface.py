"""The CORS surface of an application: which sites may read which path, with what.

``CorsConfig.describe()`` answers the question of every security review ("which endpoints
can which sites read, with cookies?") from the compiled policies themselves, so the answer
is what requests get, not a second reading of the configuration.  One
:class:`RouteSurface` per path and method; in it, one :class:`OriginEntry` per origin key
that can admit a request, in the order the plugin tries them.  Everything is plain data
with a ``to_json()``; ``python -m aiohttp_cors routes`` prints it and compares it with a
baseline (``_tools/routes.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Union

#: Version of the JSON document; a baseline of another version is refused.
SURFACE_FORMAT: Final = "aiohttp_cors-surface"
SURFACE_VERSION: Final = 1

EntryKind = Literal["exact", "pattern", "regex", "callable", "*", "null"]
#: Names, or ``"*"`` for any.
Names = Union[tuple[str, ...], Literal["*"]]  # noqa: UP007
#: Who may open a WebSocket on the path (GET rows only):
#: ``"listed"`` the server's own origin and the listed ones; ``"listed+null"`` those and
#: ``null`` (sandboxed pages); ``"any"`` every site (``"*"``, default mode);
#: ``"unchecked"`` the route is exempt, no origin is checked.
WebSocketCheck = Literal["listed", "listed+null", "any", "unchecked"]
WEBSOCKET_OPENNESS: Final[Mapping[str, int]] = {
    "listed": 0,
    "listed+null": 1,
    "any": 2,
    "unchecked": 3,
}


@dataclass(frozen=True)
class OriginEntry:
    """One origin key admitting requests on a path and method, with what it grants."""

    #: The key as configured: an origin, a wildcard pattern, a regex's pattern, a
    #: callable's qualified name, ``"*"`` or ``"null"``.
    origin: str
    kind: EntryKind
    #: Cookies and HTTP authentication allowed (``allow_credentials``).
    credentials: bool
    #: Methods a preflight from this origin may ask for on this path (what the routes and
    #: ``allow_methods`` make of it), or ``"*"``.
    allow_methods: Names
    #: Request headers a preflight may ask for (upper case), or ``"*"``.
    allow_headers: Names
    #: Response headers the page may read beyond the always-readable ones, or ``"*"``.
    expose_headers: Names
    #: Seconds a browser may cache a granted preflight; None for the browser's default.
    max_age: int | None
    #: Private Network Access preflights answered.
    private_network: bool
    #: Answered with a literal ``Access-Control-Allow-Origin: *``.
    send_wildcard: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "kind": self.kind,
            "credentials": self.credentials,
            "allow_methods": _names_json(self.allow_methods),
            "allow_headers": _names_json(self.allow_headers),
            "expose_headers": _names_json(self.expose_headers),
            "max_age": self.max_age,
            "private_network": self.private_network,
            "send_wildcard": self.send_wildcard,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OriginEntry:
        max_age = data["max_age"]
        entry = cls(
            origin=_text(data["origin"], "origin"),
            kind=data["kind"],
            credentials=_flag(data["credentials"], "credentials"),
            allow_methods=_names(data["allow_methods"], "allow_methods"),
            allow_headers=_names(data["allow_headers"], "allow_headers"),
            expose_headers=_names(data["expose_headers"], "expose_headers"),
            max_age=max_age if isinstance(max_age, int) and not isinstance(max_age, bool) else None,
            private_network=_flag(data.get("private_network", False), "private_network"),
            send_wildcard=_flag(data.get("send_wildcard", False), "send_wildcard"),
        )
        if entry.kind not in ("exact", "pattern", "regex", "callable", "*", "null"):
            raise ValueError(f"unknown origin kind {entry.kind!r}")
        return entry


@dataclass(frozen=True)
class RouteSurface:
    """What CORS lets other sites do with one method of one path."""

    #: The application that owns the path: ``"/"`` for the root, a sub-application's
    #: prefix (``"/admin"``), or ``"domain api.example.com"``.
    app: str
    #: The path pattern, as aiohttp's router shows it (``/items/{id}``).
    path: str
    #: The method, or ``"*"`` for the other methods of a ``'*'`` route.
    method: str
    #: ``@cors_exempt``: the plugin leaves these requests alone.
    exempt: bool
    #: The origin keys that can admit a request, in the order they are tried.
    origins: tuple[OriginEntry, ...]
    #: Who may open a WebSocket here (the GET row of a path), else None.
    websocket: WebSocketCheck | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.app, self.path, self.method)

    def to_json(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "path": self.path,
            "method": self.method,
            "exempt": self.exempt,
            "websocket": self.websocket,
            "origins": [entry.to_json() for entry in self.origins],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RouteSurface:
        websocket = data.get("websocket")
        if websocket is not None and websocket not in WEBSOCKET_OPENNESS:
            raise ValueError(f"unknown websocket check {websocket!r}")
        return cls(
            app=_text(data["app"], "app"),
            path=_text(data["path"], "path"),
            method=_text(data["method"], "method"),
            exempt=_flag(data["exempt"], "exempt"),
            origins=tuple(OriginEntry.from_json(entry) for entry in data["origins"]),
            websocket=websocket,
        )


@dataclass(frozen=True)
class CorsSurface:
    """The CORS surface of an application tree: one :class:`RouteSurface` per path and
    method, sorted by path.  Iterate it, or ``to_json()`` it."""

    routes: tuple[RouteSurface, ...]

    def __iter__(self) -> Iterator[RouteSurface]:
        return iter(self.routes)

    def __len__(self) -> int:
        return len(self.routes)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable document (what ``routes --json`` prints and a baseline
        file holds)."""
        return {
            "format": SURFACE_FORMAT,
            "version": SURFACE_VERSION,
            "routes": [route.to_json() for route in self.routes],
        }

    @classmethod
    def from_json(cls, data: object) -> CorsSurface:
        """Read a document written by :meth:`to_json`; ``ValueError`` if it is not one."""
        if (
            not isinstance(data, Mapping)
            or data.get("format") != SURFACE_FORMAT
            or not isinstance(data.get("routes"), list)
        ):
            raise ValueError(
                "not a CORS surface document (written by 'python -m aiohttp_cors routes --json' "
                "or --write-baseline)"
            )
        if data.get("version") != SURFACE_VERSION:
            raise ValueError(
                f"surface document version {data.get('version')!r} is not {SURFACE_VERSION}: "
                "write the baseline again with this version"
            )
        try:
            return cls(tuple(RouteSurface.from_json(route) for route in data["routes"]))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed surface document: {exc!r}") from None


def _names_json(names: Names) -> list[str] | str:
    return "*" if names == "*" else list(names)


def _names(value: object, field: str) -> Names:
    if value == "*":
        return "*"
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return tuple(value)
    raise ValueError(f"{field} must be '*' or a list of names, got {value!r}")


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be a string, got {value!r}")
    return value


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{field} must be true or false, got {value!r}")
    return value


# --- from compiled policies -----------------------------------------------------------------

#: How an origin key is named and which kind it is.
