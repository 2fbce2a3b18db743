"""Describing an application's CORS surface from its compiled policies (what
``CorsConfig.describe()`` returns): the rows of every CORS path of the app and of its
sub-applications, their own ``setup`` included.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    unknown_kind,
)
from .._core.policy import ResourcePolicy
from .._core.table import OriginTable, Rule
from .compiler import CompiledPolicies
from .hooks import HOOKS_KEY, RequestHooks
from .surface import (
    CorsSurface,
    EntryKind,
    Names,
    OriginEntry,
    RouteSurface,
    WebSocketCheck,
)

EntryKey = tuple[str, EntryKind]


def entry_key(spec: OriginSpec) -> EntryKey:
    match spec:
        case AnyOrigin():
            return ("*", "*")
        case ExactOrigin():
            return (spec.origin, "null" if spec.origin == "null" else "exact")
        case WildcardOrigin():
            return (spec.text, "pattern")
        case RegexOrigin():
            return (spec.pattern.pattern, "regex")
        case PredicateOrigin():
            return (describe_key(spec.predicate), "callable")
        case _:
            unknown_kind(spec)


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
        rule = table_entries(policy.any_method.table).get(key)
        if rule is not None and rule.options.allow_methods in ("*", None):
            return "*"  # a '*' route: allow_methods decides, None allowing any
    methods: set[str] = set()
    candidates = [(method, entry) for method, entry in policy.preflight_tables.items()]
    if policy.any_method is not None:
        rule = table_entries(policy.any_method.table).get(key)
        if rule is not None and isinstance(rule.options.allow_methods, frozenset):
            candidates.extend((method, policy.any_method) for method in rule.options.allow_methods)
    for method, entry in candidates:
        if entry is None or method == hdrs.METH_OPTIONS:
            continue
        rule = table_entries(entry.table).get(key)
        if rule is not None and rule.allows_method(method, entry.grant):
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
