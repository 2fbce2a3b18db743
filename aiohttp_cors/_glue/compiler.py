"""From aiohttp's routing to compiled policies: one ``ResourcePolicy`` per CORS path.

Knows every routing shape aiohttp has: plain, dynamic and static resources, routes of any
method including ``'*'``, class-based views with or without ``CorsViewMixin``, several
resources sharing one path, and sub-applications (prefixed or by domain).  It holds no
CORS rule of its own: it only decides which config chain applies to which method of which
resource and hands the chains to policy.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from aiohttp import hdrs, web
from aiohttp.abc import AbstractView
from aiohttp.web_urldispatcher import MatchedSubAppResource, PrefixedSubAppResource

from .._core.errors import ProblemCollector
from .._core.options import ResourceOptions
from .._core.origins import OriginSpec
from .._core.policy import OriginTable, ResourcePolicy, layer_of
from .decorators import handler_config, is_exempt

ParsedConfig = tuple[tuple[OriginSpec, ResourceOptions], ...]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
#: How the compiler validates a config met while compiling (a view's ``cors_config``, a
#: handler's ``@custom_cors``): ``parse(config, where, problems, remember=True)``.
Parser = Callable[..., ParsedConfig]

SUBAPP_RESOURCES: Final = (PrefixedSubAppResource, MatchedSubAppResource)
PLAIN_RESOURCES: Final = (web.PlainResource, web.DynamicResource, web.StaticResource)


def view_class(handler: object) -> type[web.View] | None:
    """The class-based view a route serves, if its handler is one."""
    if isinstance(handler, type) and issubclass(handler, AbstractView):
        return handler  # type: ignore[return-value]
    return None


def view_methods(view: type[web.View]) -> list[str]:
    """The methods a view implements (the mixin's own OPTIONS answer not counted)."""
    from .views import CorsViewMixin

    methods = []
    for method in sorted(hdrs.METH_ALL):
        attribute = getattr(view, method.lower(), None)
        if attribute is None:
            continue
        if method == hdrs.METH_OPTIONS and attribute is getattr(CorsViewMixin, "options", None):
            continue
        methods.append(method)
    return methods


def describe_route(method: str, resource: web.AbstractResource | None) -> str:
    where = resource.canonical if resource is not None else "?"
    return f"route '{method} {where}'"


def iter_apps(app: web.Application) -> Iterator[web.Application]:
    """*app* and every sub-application below it."""
    apps = [app]
    while apps:
        current = apps.pop()
        yield current
        for resource in current.router.resources():
            if isinstance(resource, SUBAPP_RESOURCES):
                apps.append(resource.get_info()["app"])


@dataclass(frozen=True, slots=True)
class CompiledPolicies:
    """What the compiler produced for one application tree."""

    policies: dict[web.AbstractResource | None, ResourcePolicy]
    #: Policy for the router's own 404/405 answers in app-wide mode, else None.
    app_policy: ResourcePolicy | None
    #: Some CORS path routes OPTIONS to a handler other than the plugin's (a '*' route, a
    #: view, the user's own OPTIONS route): preflights must be caught before routing.
    intercept_needed: bool


class PolicyCompiler:
    """Compiles what was registered into policies; equal chains share one table."""

    def __init__(
        self,
        *,
        parse: Parser,
        defaults: ParsedConfig,
        route_configs: Mapping[web.AbstractRoute, ParsedConfig | None],
        resource_configs: Mapping[web.AbstractResource, ParsedConfig],
        all_routes: bool,
        options_handler: Handler,
    ) -> None:
        self._parse = parse
        self._defaults = defaults
        self._route_configs = route_configs
        self._resource_configs = resource_configs
        self._all_routes = all_routes
        self._options_handler = options_handler
        self._tables: dict[tuple[ParsedConfig, ...], OriginTable] = {}
        self._shared_policies: dict[tuple[object, ...], ResourcePolicy] = {}

    def _layers_for_view(
        self,
        view: type[web.View],
        method: str,
        route_config: ParsedConfig | None,
        problems: ProblemCollector,
        resource: web.AbstractResource | None = None,
    ) -> list[ParsedConfig]:
        """Config chain of one method of a view: the method's ``@custom_cors``, the class
        ``cors_config``, then what was given to ``cors.add``."""
        where = describe_route(method, resource)
        layers = [
            self._parse(
                handler_config(getattr(view, method.lower())), where, problems, remember=True
            ),
            self._parse(getattr(view, "cors_config", None), where, problems, remember=True),
        ]
        if route_config is not None:
            layers.append(route_config)
        return layers

    def _build_policy(
        self, group: list[web.AbstractResource], problems: ProblemCollector
    ) -> ResourcePolicy | None:
        """Compile the resources of one path (usually one resource) into one policy."""
        resource_layers: list[ParsedConfig] = []
        route_layers: dict[str, list[ParsedConfig]] = {}
        any_layers: list[ParsedConfig] | None = None
        fallback_layers: list[ParsedConfig] = []
        enabled = False
        for resource in group:
            whole = resource in self._resource_configs
            if whole:
                enabled = True
                if self._resource_configs[resource]:
                    resource_layers.append(self._resource_configs[resource])
            for route in resource:
                handler = route.handler
                method = route.method
                if method == hdrs.METH_OPTIONS and handler == self._options_handler:
                    continue
                if route in self._route_configs:
                    config = self._route_configs[route]
                elif whole or (self._all_routes and not is_exempt(handler)):
                    # A resource added as a whole enables every route it has when the
                    # app starts; app-wide mode enables every route not exempted.
                    config = None
                else:
                    continue
                enabled = True
                where = describe_route(method, resource)
                view = view_class(handler)
                if view is not None:
                    methods = view_methods(view) if method == hdrs.METH_ANY else [method]
                    for view_method in methods:
                        route_layers.setdefault(
                            view_method,
                            self._layers_for_view(view, view_method, config, problems, resource),
                        )
                    # Methods the view lacks get a 405 that the page may read.
                    if not fallback_layers:
                        fallback_layers = [
                            self._parse(
                                getattr(view, "cors_config", None), where, problems, remember=True
                            )
                        ]
                        if config is not None:
                            fallback_layers.append(config)
                    continue
                layers = [self._parse(handler_config(handler), where, problems, remember=True)]
                if config is not None:
                    layers.append(config)
                if method == hdrs.METH_ANY:
                    any_layers = layers
                else:
                    route_layers.setdefault(method, layers)
        if not enabled:
            return None
        tail = [*resource_layers, self._defaults]
        if hdrs.METH_GET in route_layers:
            route_layers.setdefault(hdrs.METH_HEAD, route_layers[hdrs.METH_GET])
        tables = {method: self._table(layers + tail) for method, layers in route_layers.items()}
        any_table = self._table(any_layers + tail) if any_layers is not None else None
        fallback = self._table(fallback_layers + tail)
        # Resources whose compiled tables are the same share one policy object.
        key = (
            tuple(sorted((method, id(table)) for method, table in tables.items())),
            id(fallback),
            id(any_table),
        )
        policy = self._shared_policies.get(key)
        if policy is None:
            policy = ResourcePolicy(tables, fallback, any_table)
            self._shared_policies[key] = policy
        return policy

    def _table(self, layers: list[ParsedConfig]) -> OriginTable:
        """The origin table of a config chain; equal chains share one table."""
        key = tuple(layer for layer in layers if layer)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = OriginTable.build([layer_of(c) for c in key])
        return table

    def compile(self, app: web.Application) -> CompiledPolicies:
        """Compile every CORS-enabled resource of *app*'s tree; give each CORS path an
        OPTIONS route.  Raises ``CorsConfigError`` with every problem found."""
        problems = ProblemCollector()
        policies: dict[web.AbstractResource | None, ResourcePolicy] = {}
        intercept_needed = False
        registered = set(self._resource_configs)
        registered.update(route.resource for route in self._route_configs if route.resource)
        seen: set[web.AbstractResource] = set()
        groups: list[list[web.AbstractResource]] = []
        for router in (each.router for each in iter_apps(app)):
            by_path: dict[str, list[web.AbstractResource]] = {}
            for resource in router.resources():
                if isinstance(resource, SUBAPP_RESOURCES):
                    continue
                if self._all_routes or resource in registered:
                    by_path.setdefault(resource.canonical, []).append(resource)
                    seen.add(resource)
            groups.extend(by_path.values())
        # Resources registered here but living in a router this app does not reach.
        groups.extend([r] for r in registered if r not in seen)
        for group in groups:
            policy = self._build_policy(group, problems)
            if policy is None:
                continue
            for resource in group:
                policies[resource] = policy
            if not self._ensure_options_route(group):
                intercept_needed = True
        problems.raise_if_any()
        app_policy = None
        if self._all_routes:
            fallback = self._table([self._defaults])
            app_policy = ResourcePolicy({}, fallback, fallback)
        return CompiledPolicies(policies, app_policy, intercept_needed)

    def _ensure_options_route(self, group: list[web.AbstractResource]) -> bool:
        """Make OPTIONS requests to the path reach the plugin's preflight handler.

        Returns False when another handler already takes OPTIONS there (a '*' route, a
        view, the user's own OPTIONS route, which keeps non-preflight OPTIONS requests);
        preflights must then be caught by the middleware.
        """
        for resource in group:
            for route in resource:
                if route.method in (hdrs.METH_OPTIONS, hdrs.METH_ANY):
                    return route.handler == self._options_handler
        first = group[0]
        if isinstance(first, web.StaticResource):
            first.set_options_route(self._options_handler)
        elif isinstance(first, web.Resource):
            first.add_route(hdrs.METH_OPTIONS, self._options_handler)
        else:
            return False
        return True

    def view_policy(self, view: type[Any]) -> ResourcePolicy:
        """A policy from *view*'s own config chain and the defaults, for a view reached
        in a way the compiler did not see (or a hand-made request)."""
        problems = ProblemCollector()
        tables = {
            method: self._table(
                [*self._layers_for_view(view, method, None, problems), self._defaults]
            )
            for method in view_methods(view)
        }
        problems.raise_if_any()
        return ResourcePolicy(tables, self._table([self._defaults]))
