"""From aiohttp's routing to compiled policies: one ``ResourcePolicy`` per CORS path.

Knows every routing shape aiohttp has: plain, dynamic and static resources, routes of any
method including ``'*'``, class-based views, several resources sharing one path, and
sub-applications (prefixed or by domain; one with its own ``setup`` is compiled by its
own config, never by a parent's).  It holds no CORS rule: it decides which config chain
applies to which method of which resource and hands the chains to the core.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from aiohttp import hdrs, web
from aiohttp.abc import AbstractView

from .._core.errors import ProblemCollector
from .._core.parsing import ConfigParser, Layer
from .._core.policy import ResourcePolicy
from .._core.table import MethodGrant, OriginTable, ParsedConfig, PreflightEntry
from .decorators import is_exempt
from .handler_configs import handler_layer, view_layer
from .request_config import RequestConfigPolicy, overrides_request_config
from .routing import (
    SUBAPP_RESOURCES,
    AppScope,
    Handler,
    app_tree,
    ensure_options_route,
    view_class,
    view_methods,
)


@dataclass(frozen=True, slots=True)
class CompiledPolicies:
    """What the compiler produced for one application tree."""

    #: The policy of every CORS-enabled resource: what a request looks up.
    by_resource: dict[web.AbstractResource | None, ResourcePolicy]
    #: Policy for the router's own 404/405 answers in app-wide mode, else None.
    router_errors: ResourcePolicy | None
    #: Where router errors get it (app-wide mode's scope).
    scope: AppScope
    #: Some CORS path routes OPTIONS to a handler other than the plugin's (a '*' route, a
    #: view, the user's own OPTIONS route): preflights must be caught before routing.
    intercept_needed: bool
    #: Routes of CORS paths whose handler is ``@cors_exempt``: the methods exempt (a
    #: view's exempt methods), or None for every method.  Their responses are left alone,
    #: whichever policy their path has.
    exempt_routes: dict[web.AbstractRoute, frozenset[str] | None] = field(default_factory=dict)
    #: A floating scope (mount path not known yet) covered paths the scope itself does not:
    #: they must be compiled again once the mount path is known.
    floated: bool = False


@dataclass
class _PathChains:
    """The config chain of every method of one path, gathered from its routes."""

    routed: dict[str, tuple[ParsedConfig, ...]] = field(default_factory=dict)
    any_method: tuple[ParsedConfig, ...] | None = None
    other: tuple[ParsedConfig, ...] | None = None
    plain_methods: set[str] = field(default_factory=set)
    #: Methods of routes not added, on a resource enabled by one of its other routes: as
    #: in 0.8.1 they answer with that resource's config (one of several resources of the
    #: path may have its own).
    plain_chains: dict[str, tuple[ParsedConfig, ...]] = field(default_factory=dict)
    exempt_methods: set[str] = field(default_factory=set)
    enabled: bool = False
    #: A view serving the path overrides get_request_config: it decides per request.
    request_config_view: type[AbstractView] | None = None


class PolicyCompiler:
    """Compiles what a ``CorsConfig`` registered into policies; equal chains share one
    table and equal tables one policy."""

    def __init__(
        self,
        *,
        parser: ConfigParser,
        defaults: ParsedConfig,
        route_configs: Mapping[web.AbstractRoute, Layer | None],
        resource_configs: Mapping[web.AbstractResource, Layer],
        first_route_configs: Mapping[web.AbstractResource, Layer | None],
        scope: AppScope,
        strict: bool,
        options_handler: Handler,
        has_own_config: Callable[[web.Application], bool],
        origin_timeout: float | None = None,
    ) -> None:
        self._parser = parser
        self._defaults = defaults
        self._route_configs = route_configs
        self._resource_configs = resource_configs
        self._first_route_configs = first_route_configs
        self._scope = scope
        self._strict = strict
        self._options_handler = options_handler
        self._has_own_config = has_own_config
        self._origin_timeout = origin_timeout
        self._tables: dict[tuple[ParsedConfig, ...], OriginTable] = {}
        self._policies: dict[tuple[object, ...], ResourcePolicy] = {}
        self._exempt_routes: dict[web.AbstractRoute, frozenset[str] | None] = {}

    # -- config chains ----------------------------------------------------------------

    def _chain(self, *layers: Layer | None) -> tuple[ParsedConfig, ...]:
        """The configs that apply, most specific first: each layer, down to the first
        that does not inherit (``inherit_defaults=False``), else down to ``defaults``."""
        chain: list[ParsedConfig] = []
        for layer in layers:
            if layer is None:
                continue
            config, inherit = layer
            if config and config not in chain:  # a first route's config is its resource's too
                chain.append(config)
            if not inherit:
                return tuple(chain)
        if self._defaults:
            chain.append(self._defaults)
        return tuple(chain)

    def _table(self, chain: tuple[ParsedConfig, ...]) -> OriginTable:
        table = self._tables.get(chain)
        if table is None:
            table = self._tables[chain] = OriginTable.build(chain)
        return table

    # -- one path -----------------------------------------------------------------------

    def _gather(
        self, group: Sequence[web.AbstractResource], problems: ProblemCollector
    ) -> _PathChains:
        chains = _PathChains()
        for resource in group:
            resource_layer = self._resource_configs.get(resource)
            whole = resource_layer is not None
            chains.enabled |= whole
            # A resource enabled by one of its routes takes that route's config as its
            # own (0.8.1): the methods never passed to cors.add answer with it.
            by_first_route = not whole and resource in self._first_route_configs
            if by_first_route:
                resource_layer = self._first_route_configs[resource]
            for route in resource:
                method, handler = route.method, route.handler
                if method == hdrs.METH_OPTIONS and handler == self._options_handler:
                    continue
                view = view_class(handler)
                methods = (
                    view_methods(view) if view is not None and method == hdrs.METH_ANY else [method]
                )
                if is_exempt(handler):
                    chains.exempt_methods.update(methods)
                    self._exempt_routes[route] = None
                    continue
                if view is not None:
                    # A view's own @cors_exempt methods: left alone like exempt handlers.
                    exempt_here = [
                        each for each in methods if is_exempt(getattr(view, each.lower(), None))
                    ]
                    if exempt_here:
                        chains.exempt_methods.update(exempt_here)
                        self._exempt_routes[route] = frozenset(exempt_here)
                        methods = [each for each in methods if each not in exempt_here]
                if route in self._route_configs:
                    route_layer = self._route_configs[route]
                elif whole or self._scope.covers(resource.canonical):
                    route_layer = None  # enabled by its resource, or by app-wide mode
                else:
                    chains.plain_methods.update(methods)
                    if by_first_route:
                        resource_chain = self._chain(resource_layer)
                        for each in methods:
                            chains.plain_chains.setdefault(each, resource_chain)
                    continue
                chains.enabled = True
                if view is None:
                    chain = self._chain(
                        handler_layer(self._parser, handler, method, resource, problems),
                        route_layer,
                        resource_layer,
                    )
                    if method == hdrs.METH_ANY:
                        chains.any_method = chain
                    else:
                        chains.routed.setdefault(method, chain)
                    continue
                if overrides_request_config(view):
                    chains.request_config_view = view
                by_method, others = self._view_chains(
                    view, methods, resource, problems, route_layer, resource_layer
                )
                for view_method, chain in by_method.items():
                    chains.routed.setdefault(view_method, chain)
                if chains.other is None:
                    chains.other = others
            if (whole or by_first_route) and chains.other is None:
                chains.other = self._chain(resource_layer)
        return chains

    def _build_policy(
        self, group: Sequence[web.AbstractResource], problems: ProblemCollector
    ) -> ResourcePolicy | None:
        """Compile the resources of one path (usually one resource) into one policy."""
        chains = self._gather(group, problems)
        if not chains.enabled:
            return None
        routed = chains.routed
        exempt = chains.exempt_methods - routed.keys()
        if hdrs.METH_GET in routed and hdrs.METH_HEAD not in exempt:
            routed.setdefault(hdrs.METH_HEAD, routed[hdrs.METH_GET])
        elif hdrs.METH_GET in exempt:
            exempt.add(hdrs.METH_HEAD)
        # A '*' route: allow_methods decides which methods (the None flag, see
        # Rule.allows_method).
        any_method = (
            PreflightEntry(self._table(chains.any_method), MethodGrant.ANY_ROUTE)
            if chains.any_method is not None
            else None
        )
        # An exempt '*' route serves every method no other route serves: those are left
        # alone (no answer for actual requests, preflights for them refused).
        any_exempt = hdrs.METH_ANY in exempt and chains.any_method is None
        if chains.any_method is not None:
            other_table = self._table(chains.any_method)
        else:
            other_table = self._table(chains.other if chains.other is not None else self._chain())
        actual_tables: dict[str, OriginTable | None] = {
            method: self._table(chain) for method, chain in routed.items()
        }
        preflight_tables: dict[str, PreflightEntry | None] = {
            method: PreflightEntry(self._table(chain), MethodGrant.ROUTED)
            for method, chain in routed.items()
        }
        # OPTIONS is always served on a CORS path: by the plugin's route if by no other.
        for method in (chains.plain_methods | {hdrs.METH_OPTIONS}) - routed.keys() - exempt:
            if any_exempt:
                preflight_tables[method] = None
            elif method in chains.plain_chains:
                own = self._table(chains.plain_chains[method])
                actual_tables[method] = own
                preflight_tables[method] = PreflightEntry(own, MethodGrant.LISTED)
            else:
                preflight_tables[method] = PreflightEntry(other_table, MethodGrant.LISTED)
        other = None if any_exempt else other_table
        if not any_exempt and any_method is not None and hdrs.METH_OPTIONS not in routed:
            # The '*' route serves OPTIONS too: a preflight may ask for it like any other.
            preflight_tables[hdrs.METH_OPTIONS] = any_method
        for method in exempt:
            actual_tables[method] = None
            preflight_tables[method] = None
        # Paths whose tables are all the same share one policy object (tables compare by
        # identity, and equal chains already share one table).
        key = (
            tuple(actual_tables.items()),
            tuple(preflight_tables.items()),
            other,
            any_method is not None,
        )
        policy = self._policies.get(key)
        if policy is None:
            policy = self._policies[key] = ResourcePolicy(
                actual_tables=actual_tables,
                other_methods=other,
                preflight_tables=preflight_tables,
                any_method=any_method,
                strict=self._strict,
                origin_timeout=self._origin_timeout,
            )
        if chains.request_config_view is not None:
            return RequestConfigPolicy(policy, chains.request_config_view, self._parser)
        return policy

    # -- the application tree ---------------------------------------------------------

    def compile(self, app: web.Application) -> CompiledPolicies:
        """Compile every CORS-enabled resource of *app*'s tree; give each CORS path an
        OPTIONS route.  Raises ``CorsConfigError`` with every problem found."""
        problems = ProblemCollector()
        registered = set(self._resource_configs)
        registered.update(route.resource for route in self._route_configs if route.resource)
        groups: list[list[web.AbstractResource]] = []
        seen: set[web.AbstractResource] = set()
        floated = False
        # Not into a sub-application with its own setup: the innermost configuration decides.
        own_apps = app_tree(app, descend=lambda subapp: not self._has_own_config(subapp))
        for router in (each.router for each in own_apps):
            by_path: dict[str, list[web.AbstractResource]] = {}
            for resource in router.resources():
                if isinstance(resource, SUBAPP_RESOURCES):
                    continue
                if resource in registered or self._scope.covers(resource.canonical):
                    by_path.setdefault(resource.canonical, []).append(resource)
                    seen.add(resource)
                    floated = floated or (
                        self._scope.floating
                        and resource not in registered
                        and not AppScope(self._scope.prefixes).covers(resource.canonical)
                    )
            groups.extend(by_path.values())
        # Resources registered here but living in a router this app does not reach: a
        # sub-application with its own setup is a mistake (its configuration alone
        # decides there), any other router is compiled as it is.
        unseen = [resource for resource in registered if resource not in seen]
        if unseen:
            foreign = {
                resource
                for each in app_tree(app)
                if each is not app and self._has_own_config(each)
                for below in app_tree(each)
                for resource in below.router.resources()
            }
            for resource in unseen:
                if resource in foreign:
                    problems.add(
                        f"resource {resource.canonical!r} belongs to a sub-application with its "
                        "own aiohttp_cors.setup(), whose configuration alone decides there: "
                        "add it with the CorsConfig that the sub-application's setup() returned",
                        code="route-of-configured-subapp",
                    )
                else:
                    groups.append([resource])
        by_resource: dict[web.AbstractResource | None, ResourcePolicy] = {}
        intercept_needed = False
        for group in groups:
            policy = self._build_policy(group, problems)
            if policy is None:
                continue
            if not ensure_options_route(group, self._options_handler):
                intercept_needed = True
            by_resource.update((resource, policy) for resource in group)
        problems.raise_if_any()
        router_errors = None
        if self._scope.enabled:
            table = self._table(self._chain())
            router_errors = ResourcePolicy(
                actual_tables={},
                other_methods=table,
                preflight_tables={},
                strict=self._strict,
                origin_timeout=self._origin_timeout,
            )
        return CompiledPolicies(
            by_resource,
            router_errors,
            AppScope(self._scope.prefixes),  # router errors: by the scope itself
            intercept_needed,
            self._exempt_routes,
            floated,
        )

    def _view_chains(
        self,
        view: type[AbstractView],
        methods: Sequence[str],
        resource: web.AbstractResource | None,
        problems: ProblemCollector,
        *below: Layer | None,
    ) -> tuple[dict[str, tuple[ParsedConfig, ...]], tuple[ParsedConfig, ...]]:
        """The chain of each of *view*'s *methods* (its ``@custom_cors``, then the class's
        ``cors_config``, then the layers *below*), and the chain of the methods it lacks,
        whose 405 a page may read."""
        class_layer = view_layer(self._parser, view, hdrs.METH_ANY, resource, problems)
        by_method = {
            method: self._chain(
                handler_layer(
                    self._parser, getattr(view, method.lower(), None), method, resource, problems
                ),
                class_layer,
                *below,
            )
            for method in methods
        }
        return by_method, self._chain(class_layer, *below)

    def view_policy(self, view: type[AbstractView]) -> ResourcePolicy:
        """A policy from *view*'s own config chain and the defaults, for a view reached
        in a way the compiler did not see (or a hand-made request)."""
        problems = ProblemCollector()
        served = view_methods(view)
        exempt = [method for method in served if is_exempt(getattr(view, method.lower(), None))]
        included = [method for method in served if method not in exempt]
        by_method, others = self._view_chains(view, included, None, problems)
        problems.raise_if_any()
        tables: dict[str, OriginTable | None] = dict.fromkeys(exempt)
        tables.update((method, self._table(chain)) for method, chain in by_method.items())
        return ResourcePolicy(
            actual_tables=tables,
            other_methods=self._table(others),
            preflight_tables={
                m: PreflightEntry(t, MethodGrant.ROUTED) for m, t in tables.items() if t is not None
            },
            strict=self._strict,
            origin_timeout=self._origin_timeout,
        )
