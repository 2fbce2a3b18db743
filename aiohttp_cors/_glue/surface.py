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

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import MatchedSubAppResource, PrefixedSubAppResource

from .._core.origins import (
    AnyOrigin,
    ExactOrigin,
    OriginSpec,
    PredicateOrigin,
    RegexOrigin,
    WildcardOrigin,
    describe_key,
)
from .._core.policy import ResourcePolicy
from .._core.table import OriginTable, Rule
from .compiler import CompiledPolicies
from .hooks import HOOKS_KEY, RequestHooks

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
EntryKey = tuple[str, EntryKind]


def entry_key(spec: OriginSpec) -> EntryKey:
    if isinstance(spec, AnyOrigin):
        return ("*", "*")
    if isinstance(spec, ExactOrigin):
        return (spec.origin, "null" if spec.origin == "null" else "exact")
    if isinstance(spec, WildcardOrigin):
        return (spec.text, "pattern")
    if isinstance(spec, RegexOrigin):
        return (spec.pattern.pattern, "regex")
    assert isinstance(spec, PredicateOrigin)
    return (describe_key(spec.predicate), "callable")


def table_entries(table: OriginTable) -> dict[EntryKey, Rule]:
    """The rules of *table* by origin key, in the order the table tries them: exact
    origins, then patterns, regexes and callables as configured, then ``"*"``."""
    found: dict[EntryKey, Rule] = {}
    for origin, rule in table.exact.items():
        found.setdefault(entry_key(ExactOrigin(origin)), rule)
    ordered: list[tuple[int, OriginSpec, Rule]] = [
        entry for entries in table.wildcards.values() for entry in entries
    ]
    ordered.extend((item.order, item.spec, item.rule) for item in table.ordered)
    for _, spec, rule in sorted(ordered, key=lambda item: item[0]):
        found.setdefault(entry_key(spec), rule)
    if table.star is not None:
        found.setdefault(("*", "*"), table.star)
    return found


def _preflight_methods(policy: ResourcePolicy, key: EntryKey) -> Names:
    """The methods a preflight from the origin key *key* may ask for on the path."""
    if policy.any_method is not None:
        table, routed = policy.any_method
        rule = table_entries(table).get(key)
        if rule is not None and (
            rule.options.allow_methods == "*" or (rule.options.allow_methods is None and routed)
        ):
            return "*"
    methods: set[str] = set()
    candidates = [(method, entry) for method, entry in policy.preflight_tables.items()]
    if policy.any_method is not None:
        table, routed = policy.any_method
        rule = table_entries(table).get(key)
        if rule is not None and isinstance(rule.options.allow_methods, frozenset):
            candidates.extend((method, policy.any_method) for method in rule.options.allow_methods)
    for method, entry in candidates:
        if entry is None or method == hdrs.METH_OPTIONS:
            continue
        table, routed = entry
        rule = table_entries(table).get(key)
        if rule is not None and rule.allows_method(method, routed):
            methods.add(method)
    return tuple(sorted(methods))


def _header_names(value: object) -> Names:
    if value == "*":
        return "*"
    assert isinstance(value, frozenset)
    return tuple(sorted(value))


def _origin_entries(policy: ResourcePolicy, table: OriginTable) -> tuple[OriginEntry, ...]:
    entries = []
    for key, rule in table_entries(table).items():
        options = rule.options
        entries.append(
            OriginEntry(
                origin=key[0],
                kind=key[1],
                credentials=options.allow_credentials,
                allow_methods=_preflight_methods(policy, key),
                allow_headers=_header_names(options.allow_headers),
                expose_headers=_header_names(options.expose_headers),
                max_age=options.max_age,
                private_network=options.allow_private_network,
                send_wildcard=options.send_wildcard,
            )
        )
    return tuple(entries)


def _websocket_check(policy: ResourcePolicy, table: OriginTable | None) -> WebSocketCheck:
    if table is None:
        return "unchecked"
    if policy.strict:
        return "listed"  # strict mode refuses handshakes admitted by "*" or "null"
    if table.star is not None:
        return "any"
    return "listed+null" if "null" in table.exact else "listed"


def _method_order(method: str) -> tuple[int, str]:
    return (method == "*", method)


def _policy_rows(app: str, path: str, policy: ResourcePolicy) -> list[RouteSurface]:
    rows = []
    websocket_method = (
        hdrs.METH_GET if hdrs.METH_GET in policy.actual_tables or policy.any_method is None else "*"
    )
    methods: list[tuple[str, OriginTable | None]] = list(policy.actual_tables.items())
    if policy.any_method is not None:
        methods.append(("*", policy.any_method[0]))
    for method, table in sorted(methods, key=lambda item: _method_order(item[0])):
        rows.append(
            RouteSurface(
                app=app,
                path=path,
                method=method,
                exempt=table is None,
                origins=() if table is None else _origin_entries(policy, table),
                websocket=_websocket_check(policy, table) if method == websocket_method else None,
            )
        )
    return rows


def _owners(root: web.Application) -> dict[web.AbstractResource, str]:
    """Each resource of *root*'s tree, with the label of the application owning it."""
    owners: dict[web.AbstractResource, str] = {}
    stack: list[tuple[web.Application, str]] = [(root, "/")]
    while stack:
        app, label = stack.pop()
        for resource in app.router.resources():
            # A domain sub-application's resource is a prefixed one too: test it first.
            if isinstance(resource, MatchedSubAppResource):
                rule = resource.get_info()["rule"]
                name = getattr(rule, "canonical", None) or repr(rule)
                stack.append((resource.get_info()["app"], f"domain {name}"))
            elif isinstance(resource, PrefixedSubAppResource):
                stack.append((resource.get_info()["app"], resource.canonical))
            else:
                owners[resource] = label
    return owners


def _surface_of(
    compiled: CompiledPolicies, owners: Mapping[web.AbstractResource, str]
) -> list[RouteSurface]:
    rows: list[RouteSurface] = []
    seen: set[tuple[int, str]] = set()
    for resource, policy in compiled.by_resource.items():
        if resource is None:
            continue
        # Resources of one path share one policy: describe the path once.
        path = resource.canonical
        if (id(policy), path) in seen:
            continue
        seen.add((id(policy), path))
        rows.extend(_policy_rows(owners.get(resource, "?"), path, policy))
    return rows


def describe_app(app: web.Application, hooks: RequestHooks) -> CorsSurface:
    """The surface of *app*'s tree: what the configuration of *hooks* (*app*'s own)
    compiles to, and that of each sub-application with its own ``setup``."""
    owners = _owners(app)
    rows = _surface_of(compiled_for_description(app, hooks), owners)
    for subapp, nested in _nested_hooks(app, hooks):
        rows.extend(_surface_of(compiled_for_description(subapp, nested), owners))
    rows.sort(key=lambda row: (row.path, row.app, _method_order(row.method)))
    return CorsSurface(tuple(rows))


def _nested_hooks(
    app: web.Application, own: RequestHooks
) -> list[tuple[web.Application, RequestHooks]]:
    found: list[tuple[web.Application, RequestHooks]] = []
    stack = [app]
    while stack:
        current = stack.pop()
        for resource in current.router.resources():
            if isinstance(resource, (PrefixedSubAppResource, MatchedSubAppResource)):
                subapp: web.Application = resource.get_info()["app"]
                hooks = subapp.get(HOOKS_KEY)
                if hooks is not None and hooks is not own:
                    found.append((subapp, hooks))
                stack.append(subapp)
    return found


def compiled_for_description(app: web.Application, hooks: RequestHooks) -> CompiledPolicies:
    """What requests use, once *app* is frozen (started, or mounted as a sub-application:
    its configuration cannot change any more); before that, the configuration as it is
    now, compiled on demand and not kept (routes may still be added)."""
    return hooks.compiled() if app.frozen else hooks.compile_now()
