"""aiohttp glue: ``setup``, ``CorsConfig`` and the hooks that apply the compiled policy.

``CorsConfig`` records what the user registers and validates it at once.  When the app
starts it compiles every CORS-enabled resource into a ``ResourcePolicy`` (see policy.py).
Two hooks then apply those policies:

* a middleware placed first in the app answers preflights before any other middleware
  (authentication must never block a preflight) and checks WebSocket handshakes;
* an ``on_response_prepare`` handler adds CORS headers and ``Vary`` to actual responses,
  error responses included.
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any, Final, Union

from aiohttp import hdrs, web
from aiohttp.abc import AbstractView
from aiohttp.web_urldispatcher import MatchedSubAppResource, PrefixedSubAppResource
from multidict import CIMultiDict

from .decorators import handler_config, is_exempt
from .errors import CorsConfigError, CorsSecurityWarning, ProblemCollector
from .headers import vary_with
from .options import ResourceOptions, options_from
from .origins import (
    OriginKeyError,
    OriginSpec,
    describe_key,
    parse_origin_key,
    security_concerns,
)
from .policy import (
    ACAC,
    ACAO,
    ACEH,
    ACRH,
    ACRM,
    ACRPN,
    NO_METHOD_TEXT,
    NO_ORIGIN_TEXT,
    PREFLIGHT_VARY,
    OriginTable,
    Refusal,
    ResourcePolicy,
    Rule,
    expose_all_value,
    judge_preflight,
    layer_of,
)

logger: Final = logging.getLogger("aiohttp_cors")

OptionsValue = Union[ResourceOptions, Mapping[str, Any]]  # noqa: UP007
# Keys are origin keys (see origins.py); typed loosely because Mapping keys are invariant
# and users' dicts are typed dict[str, ResourceOptions], dict[re.Pattern[str], ...], etc.
CorsMapping = Mapping[Any, OptionsValue]
ParsedConfig = tuple[tuple[OriginSpec, ResourceOptions], ...]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_CORS_RESPONSE_HEADERS: Final = (ACAO, ACAC, ACEH)
_SUBAPP_RESOURCES: Final = (PrefixedSubAppResource, MatchedSubAppResource)
_PLAIN_RESOURCES: Final = (web.PlainResource, web.DynamicResource, web.StaticResource)


class PreflightResponse(web.Response):
    """The plugin's own answer to a preflight; the prepare hook leaves it alone."""


class PreflightRefused(web.HTTPForbidden):
    """A refused preflight raised from ``CorsViewMixin.options`` (0.8.1 raised
    ``HTTPForbidden`` there); like ``PreflightResponse``, it gets no CORS headers."""


def _refuse(text: str) -> PreflightResponse:
    response = PreflightResponse(status=403, text=text)
    response.headers[hdrs.VARY] = PREFLIGHT_VARY
    return response


def _caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside this package,
    so it names the user's ``setup``/``add`` call, however deep inside we are."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("aiohttp_cors"):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _header_values(headers: Any, name: str) -> list[str]:
    getall = getattr(headers, "getall", None)
    if getall is not None:
        return list(getall(name, ()))
    value = headers.get(name)
    return [] if value is None else [value]


def _safe(value: str) -> str:
    """A request value as it may appear in a log line: repr-escaped and shortened, so a
    hostile header cannot forge or flood log lines."""
    text = str(value)
    return repr(text[:200] + ("..." if len(text) > 200 else ""))


def _view_class(handler: object) -> type[web.View] | None:
    if isinstance(handler, type) and issubclass(handler, AbstractView):
        return handler  # type: ignore[return-value]
    return None


def _view_methods(view: type[web.View]) -> list[str]:
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


def _describe_route(method: str, resource: web.AbstractResource | None) -> str:
    where = resource.canonical if resource is not None else "?"
    return f"route '{method} {where}'"


class CorsConfig:
    """CORS configuration of one aiohttp application.

    Created by :func:`setup`; register resources and routes with :meth:`add`.
    """

    def __init__(
        self,
        app: web.Application,
        *,
        defaults: CorsMapping | None = None,
        router_adapter: object = None,
        all_routes: bool = False,
        strict: bool = False,
    ) -> None:
        if router_adapter is not None:
            warnings.warn(
                "aiohttp_cors works with aiohttp's own router; the router_adapter argument "
                "is ignored",
                DeprecationWarning,
                stacklevel=2,
            )
        self._app = app
        self._strict = strict
        self._all_routes = all_routes
        # What was registered: routes one by one (with their parsed config, or None for
        # "no config of its own") and resources as a whole.
        self._route_configs: dict[web.AbstractRoute, ParsedConfig | None] = {}
        self._resource_configs: dict[web.AbstractResource, ParsedConfig] = {}
        self._policies: dict[web.AbstractResource | None, ResourcePolicy] = {}
        self._compiled = False
        self._app_policy: ResourcePolicy | None = None
        self._parsed: dict[int, tuple[object, ParsedConfig]] = {}
        self._interned: dict[ParsedConfig, ParsedConfig] = {}
        self._key_specs: dict[str, OriginSpec] = {}
        self._entries: dict[tuple[object, ResourceOptions], tuple[OriginSpec, tuple[str, ...]]] = {}
        self._tables: dict[tuple[ParsedConfig, ...], OriginTable] = {}
        self._shared_policies: dict[tuple[object, ...], ResourcePolicy] = {}
        self._defaults_raw: CorsMapping | None = None
        self._defaults: ParsedConfig = ()
        self.defaults = defaults
        self._options_handler: Handler = self._answer_options
        self._cors_middleware = self._middleware()
        # Whether the middleware is in the app's chain (setup puts it there; app start
        # removes it when nothing needs it, see _on_startup).
        self._middleware_active = False
        # Whether some CORS-enabled path routes OPTIONS to a handler other than the
        # plugin's (a '*' route, a view, the user's own OPTIONS route): preflights must
        # then be caught before routing reaches that handler.
        self._intercept_needed = False

    # -- configuration ------------------------------------------------------------------

    @property
    def defaults(self) -> CorsMapping | None:
        """The ``defaults`` mapping, used for every CORS-enabled route and resource."""
        return self._defaults_raw

    @defaults.setter
    def defaults(self, value: CorsMapping | None) -> None:
        self._check_not_started()
        problems = ProblemCollector()
        parsed = self._parse(value, "defaults", problems)
        problems.raise_if_any()
        self._defaults_raw = value
        self._defaults = parsed
        self._compiled = False

    def _parse(
        self, config: object, where: str, problems: ProblemCollector, *, remember: bool = False
    ) -> ParsedConfig:
        """Validate one config mapping; collect its problems; warn about unsafe entries.

        With *remember*, the mapping is parsed once: configs met again when the app
        compiles (a view's ``cors_config``, a handler's ``@custom_cors``) reuse the result
        and warn only once.  Equal results are shared, so that ten thousand routes with
        the same config cost one copy of it.
        """
        if config is None:
            return ()
        if remember:
            cached = self._parsed.get(id(config))
            if cached is not None and cached[0] is config:
                return cached[1]
        if type(config) is not dict and not isinstance(config, Mapping):
            problems.add(f"Config must be mapping, got {config!r}")
            return ()
        parsed: list[tuple[OriginSpec, ResourceOptions]] = []
        problems_before = len(problems.problems)
        entries = self._entries
        for key, value in config.items():
            # Most configs repeat the same few (origin, options) pairs over many routes:
            # those are validated once.
            entry = entries.get((key, value)) if type(value) is ResourceOptions else None
            if entry is not None:
                if entry[1]:
                    self._report(entry[1], where, key, problems)
                parsed.append((entry[0], value))
                continue
            try:
                known = self._key_specs.get(key) if isinstance(key, str) else None
                spec = known if known is not None else parse_origin_key(key)
                if known is None and isinstance(key, str):
                    self._key_specs[key] = spec
            except OriginKeyError as exc:
                problems.add(f"{where}: {exc}")
                continue
            except ValueError as exc:
                problems.add(str(exc))
                continue
            try:
                options = options_from(value)
            except CorsConfigError as exc:
                problems.problems.extend(
                    f"{where}, origin {describe_key(key)}: {p}" for p in exc.problems
                )
                continue
            except ValueError as exc:
                problems.add(str(exc))
                continue
            concerns = tuple(
                security_concerns(
                    spec,
                    credentials=options.allow_credentials,
                    expose_all=options.expose_headers == "*" and options.allow_credentials,
                )
            )
            if isinstance(key, str) and type(value) is ResourceOptions:
                entries[(key, value)] = (spec, concerns)
            if concerns:
                self._report(concerns, where, key, problems)
            parsed.append((spec, options))
        result = self._interned.setdefault(tuple(parsed), tuple(parsed))
        if remember and len(problems.problems) == problems_before:
            self._parsed[id(config)] = (config, result)
        return result

    def _report(
        self, concerns: tuple[str, ...], where: str, key: object, problems: ProblemCollector
    ) -> None:
        """Warn about insecure entries, or refuse them in strict mode."""
        for concern in concerns:
            message = f"{where}, origin {describe_key(key)}: {concern}"
            if self._strict:
                problems.add(f"{message} (refused by strict mode)")
            else:
                warnings.warn(message, CorsSecurityWarning, stacklevel=_caller_stacklevel())

    def add(
        self,
        routing_entity: Any,
        config: CorsMapping | None = None,
        webview: bool = False,
    ) -> Any:
        """Enable CORS on a resource or route with *config* (origin -> options).

        Accepts a resource, a route, a static resource, a ``'*'`` route or a route to a
        ``web.View`` class.  Returns *routing_entity*.  Every problem in *config* is
        reported at once in a :class:`CorsConfigError`.
        """
        self._check_not_started()
        if webview:
            warnings.warn(
                "webview=True is not needed: web.View routes are detected automatically",
                DeprecationWarning,
                stacklevel=2,
            )
        if type(routing_entity) is web.ResourceRoute or isinstance(
            routing_entity, web.AbstractRoute
        ):
            self._add_route(routing_entity, config)
        elif isinstance(routing_entity, web.AbstractResource):
            self._add_resource(routing_entity, config)
        else:
            raise ValueError(
                f"Resource or route expected, got {routing_entity!r}: pass what "
                "app.router.add_route(), add_resource(), add_static() or add_view() returned"
            )
        self._compiled = False
        return routing_entity

    def _check_not_started(self) -> None:
        # The policy is compiled when the app starts; a change after that would not be
        # seen by requests, so it is refused rather than silently ignored.
        if self._app.frozen:
            raise RuntimeError(
                "the application has started: configure CORS before it starts "
                "(setup, cors.add and CorsConfig.defaults)"
            )

    def _check_addable(self, resource: web.AbstractResource) -> None:
        if type(resource) in _PLAIN_RESOURCES:
            return
        if isinstance(resource, _SUBAPP_RESOURCES):
            raise ValueError(
                f"{resource!r} is a sub-application: add the sub-application's routes, "
                "or use setup(app, all_routes=True)"
            )

    def _add_resource(self, resource: web.AbstractResource, config: CorsMapping | None) -> None:
        self._check_addable(resource)
        if resource in self._resource_configs:
            raise ValueError(f"CORS is already configured for resource {resource!r}")
        if any(route in self._route_configs for route in resource):
            raise ValueError(
                f"CORS is already configured for routes of resource {resource!r}: "
                "add the resource before its routes"
            )
        problems = ProblemCollector()
        parsed = self._parse(config, f"resource {resource.canonical!r}", problems)
        problems.raise_if_any()
        self._resource_configs[resource] = parsed

    def _add_route(self, route: web.AbstractRoute, config: CorsMapping | None) -> None:
        resource = route.resource
        if resource is None:
            raise ValueError(f"Route {route!r} belongs to no resource and cannot use CORS")
        self._check_addable(resource)
        if route in self._route_configs:
            raise ValueError(f"CORS is already configured for route {route!r}")
        view = _view_class(route.handler)
        where = _describe_route(route.method, resource)
        problems = ProblemCollector()
        if view is not None:
            self._check_view(view, config, where, problems)
        parsed = self._parse(config, where, problems) if config is not None else None
        self._parse(handler_config(route.handler), where, problems, remember=True)
        problems.raise_if_any()
        self._route_configs[route] = parsed

    def _check_view(
        self,
        view: type[web.View],
        config: CorsMapping | None,
        where: str,
        problems: ProblemCollector,
    ) -> None:
        from .views import CorsViewMixin

        if issubclass(view, CorsViewMixin):
            self._parse(getattr(view, "cors_config", None), where, problems, remember=True)
            for method in _view_methods(view):
                self._parse(
                    handler_config(getattr(view, method.lower())),
                    f"{where} {method}",
                    problems,
                    remember=True,
                )
        elif config is None and not self._all_routes:
            raise ValueError(
                f"{view.__qualname__} is a web.View without CorsViewMixin: pass its CORS "
                "config to cors.add(route, {...}), or inherit aiohttp_cors.CorsViewMixin"
            )

    # -- compilation --------------------------------------------------------------------

    def _apps(self) -> Iterator[web.Application]:
        """The app ``setup`` was called on and every sub-application below it."""
        apps = [self._app]
        while apps:
            app = apps.pop()
            yield app
            for resource in app.router.resources():
                if isinstance(resource, _SUBAPP_RESOURCES):
                    apps.append(resource.get_info()["app"])

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
        where = _describe_route(method, resource)
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
                where = _describe_route(method, resource)
                view = _view_class(handler)
                if view is not None:
                    methods = _view_methods(view) if method == hdrs.METH_ANY else [method]
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
            policy = ResourcePolicy(tables, fallback, any_table is not None, any_table)
            self._shared_policies[key] = policy
        return policy

    def _table(self, layers: list[ParsedConfig]) -> OriginTable:
        """The origin table of a config chain; equal chains share one table."""
        key = tuple(layer for layer in layers if layer)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = OriginTable.build([layer_of(c) for c in key])
        return table

    def _compile(self) -> None:
        """Compile every CORS-enabled resource; give each path an OPTIONS route."""
        self._tables = {}
        self._shared_policies = {}
        self._intercept_needed = False
        problems = ProblemCollector()
        policies: dict[web.AbstractResource | None, ResourcePolicy] = {}
        registered = set(self._resource_configs)
        registered.update(route.resource for route in self._route_configs if route.resource)
        seen: set[web.AbstractResource] = set()
        groups: list[list[web.AbstractResource]] = []
        for router in (app.router for app in self._apps()):
            by_path: dict[str, list[web.AbstractResource]] = {}
            for resource in router.resources():
                if isinstance(resource, _SUBAPP_RESOURCES):
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
                self._intercept_needed = True
        problems.raise_if_any()
        self._policies = policies
        if self._all_routes:
            fallback = OriginTable.build([layer_of(self._defaults)])
            self._app_policy = ResourcePolicy({}, fallback, True, fallback)
        self._compiled = True

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

    def _view_policy(self, request: web.Request, view: type[Any]) -> ResourcePolicy:
        """The policy that applies to a request handled by *view*.

        The compiled policy of the matched resource when there is one; otherwise (a view
        reached in a way the plugin did not see, or a hand-made request) one compiled from
        the view's own config chain and the defaults.
        """
        if isinstance(request, web.BaseRequest):
            policy = self._policy_of(request)
            if policy is not None:
                return policy
        problems = ProblemCollector()
        tables = {
            method: OriginTable.build(
                [layer_of(c) for c in self._layers_for_view(view, method, None, problems)]
                + [layer_of(self._defaults)]
            )
            for method in _view_methods(view)
        }
        problems.raise_if_any()
        fallback = OriginTable.build([layer_of(self._defaults)])
        return ResourcePolicy(tables, fallback)

    async def _on_startup(self, app: web.Application) -> None:
        self._compile()
        if self._middleware_removable(app):
            # Nothing runs before the plugin's own OPTIONS routes, so they answer
            # preflights first anyway: drop the middleware and its cost on every request.
            # WebSocket handshakes are then checked when their response is prepared.
            app.middlewares.remove(self._cors_middleware)
            self._middleware_active = False

    def _middleware_removable(self, app: web.Application) -> bool:
        if self._intercept_needed or app is not self._app or app.middlewares.frozen:
            return False
        if self._cors_middleware not in app.middlewares:
            return False
        return all(
            middleware is self._cors_middleware
            for each in self._apps()
            for middleware in each.middlewares
        )

    # -- request time -------------------------------------------------------------------

    def _policy_of(self, request: web.Request) -> ResourcePolicy | None:
        """The policy of the resource the request matched, if CORS is enabled on it."""
        if not self._compiled:
            self._compile()
        return self._policies.get(request.match_info.route.resource)

    def _response_policy(self, request: web.Request) -> ResourcePolicy | None:
        """Like ``_policy_of``, but in app-wide mode the router's own 404/405 answers to
        actual requests get CORS headers too, so the page can read the error."""
        policy = self._policy_of(request)
        if (
            policy is None
            and self._app_policy is not None
            and request.match_info.http_exception is not None
            and not (request.method == hdrs.METH_OPTIONS and ACRM in request.headers)
        ):
            return self._app_policy
        return policy

    async def _rule_for(self, table: OriginTable, origin: str) -> Rule | None:
        if table.has_async:
            return await table.match_async(origin)
        return table.match(origin)

    async def _answer_preflight(
        self, request: web.Request, policy: ResourcePolicy
    ) -> PreflightResponse:
        """Answer an OPTIONS request on a CORS-enabled resource as a preflight."""
        headers = request.headers
        origin = headers.get(hdrs.ORIGIN)
        if origin is None:
            return self._refused(request, policy, NO_ORIGIN_TEXT, None)
        method = headers.get(ACRM)
        if method is None:
            return self._refused(request, policy, NO_METHOD_TEXT, origin)
        table, routed = policy.table_for(method)
        rule = await self._rule_for(table, origin)
        verdict = judge_preflight(
            origin=origin,
            method=method,
            rule=rule,
            routed=routed,
            table_empty=table.empty,
            request_headers=_header_values(headers, ACRH),
            private_network=headers.get(ACRPN) == "true",
        )
        if isinstance(verdict, Refusal):
            return self._refused(request, policy, verdict.text, origin)
        return PreflightResponse(headers=CIMultiDict(verdict))

    def _refused(
        self, request: web.Request, policy: ResourcePolicy, text: str, origin: str | None
    ) -> PreflightResponse:
        if logger.isEnabledFor(logging.DEBUG):
            reason = text.removeprefix("CORS preflight request failed: ")
            logger.debug(
                "preflight refused: %s (origin=%s, path=%s, route=%s)",
                reason[:300].encode("unicode_escape").decode("ascii"),
                _safe(origin) if origin is not None else "none",
                _safe(request.path),
                _safe(_route_label(request)),
            )
        return _refuse(text)

    async def _answer_options(self, request: web.Request) -> web.StreamResponse:
        """Handler of the OPTIONS route the plugin adds to CORS-enabled resources."""
        policy = self._policy_of(request)
        if policy is None:
            raise web.HTTPMethodNotAllowed(request.method, ())
        return await self._answer_preflight(request, policy)

    def _middleware(self) -> Any:
        @web.middleware
        async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            method = request.method
            if method == hdrs.METH_OPTIONS:
                if ACRM in request.headers:
                    policy = self._policy_of(request)
                    if policy is not None:
                        return await self._answer_preflight(request, policy)
            elif method == hdrs.METH_GET and hdrs.UPGRADE in request.headers:
                refusal = await self._check_websocket(request)
                if refusal is not None:
                    return refusal
            return await handler(request)

        return cors_middleware

    async def _check_websocket(self, request: web.Request) -> web.StreamResponse | None:
        """Refuse a WebSocket handshake from an origin the route does not allow, before
        the handler runs.

        Browsers apply no CORS check to WebSockets, so without this any site could open a
        socket with the user's cookies (cross-site WebSocket hijacking).
        """
        if request.headers.get(hdrs.UPGRADE, "").lower() != "websocket":
            return None
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            return None  # not a browser: nothing to protect against
        policy = self._policy_of(request)
        if policy is None:
            return None
        table, _ = policy.table_for(hdrs.METH_GET)
        if await self._rule_for(table, origin) is not None:
            return None
        text = self._websocket_refusal(request, policy, origin)
        return None if text is None else web.Response(status=403, text=text)

    def _websocket_refusal(
        self, request: web.Request, policy: ResourcePolicy, origin: str
    ) -> str | None:
        """The 403 text for a handshake from an origin the config refuses, unless it is
        the server's own origin (a page of this very site)."""
        if origin == _own_origin(request):
            return None
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "websocket handshake refused (origin=%s, path=%s, route=%s)",
                _safe(origin),
                _safe(request.path),
                _safe(_route_label(request)),
            )
        return f"CORS WebSocket handshake refused: origin '{origin[:256]}' is not allowed"

    async def _on_response_prepare(
        self, request: web.Request, response: web.StreamResponse
    ) -> None:
        if isinstance(response, (PreflightResponse, PreflightRefused)):
            return
        # This runs for every response of the app: the common cases are kept to a few
        # dictionary look-ups.
        if not self._compiled:
            self._compile()
        policy = self._policies.get(request.match_info.route.resource)
        if policy is None:
            if self._app_policy is None:
                return
            policy = self._response_policy(request)
            if policy is None:
                return
        headers = response.headers
        # ACAO depends on the Origin: caches must keep one copy per Origin, including the
        # answers to requests without Origin or from refused origins.
        if hdrs.VARY not in headers:
            headers[hdrs.VARY] = "Origin"
        else:
            vary = vary_with(headers.getall(hdrs.VARY), "Origin")
            if vary is not None:
                headers[hdrs.VARY] = vary
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            return
        table = policy.tables.get(request.method)
        if table is None:
            table, _ = policy.table_for(request.method)
        rule = await table.match_async(origin) if table.has_async else table.match(origin)
        if rule is None:
            if not self._middleware_active and isinstance(response, web.WebSocketResponse):
                # Without the middleware, a handshake is checked here: raising stops
                # ws.prepare() before the 101 goes out, so no message can be exchanged.
                text = self._websocket_refusal(request, policy, origin)
                if text is not None:
                    raise web.HTTPForbidden(text=text)
            # The plugin owns CORS headers on CORS-enabled resources: a refused origin
            # must not be able to read, whatever the handler set.
            for cors_header in _CORS_RESPONSE_HEADERS:
                if cors_header in headers:
                    del headers[cors_header]
            return
        headers[ACAO] = origin  # replaces any the handler set: exactly one goes out
        for name, value in rule.actual_extra:
            headers[name] = value
        if not rule.credentials and ACAC in headers:
            del headers[ACAC]
        if rule.expose_all:
            exposed = expose_all_value(headers.keys())
            if exposed is not None:
                headers[ACEH] = exposed
            else:
                headers.popall(ACEH, None)


def _route_label(request: web.Request) -> str:
    """The matched resource's path pattern, for log lines."""
    try:
        resource = request.match_info.route.resource
    except AttributeError:
        return "?"
    return resource.canonical if resource is not None else "?"


def _own_origin(request: web.Request) -> str:
    scheme = request.scheme
    host = request.host.lower()
    default = ":443" if scheme == "https" else ":80"
    host = host.removesuffix(default)
    return f"{scheme}://{host}"


def setup(
    app: web.Application,
    *,
    defaults: CorsMapping | None = None,
    all_routes: bool = False,
    strict: bool = False,
) -> CorsConfig:
    """Enable CORS for *app* and return its :class:`CorsConfig`.

    :param defaults: origin -> options used wherever a route or resource has no entry of
        its own.
    :param all_routes: enable CORS with *defaults* on every route of the app and its
        sub-applications (except ``@cors_exempt`` handlers), added before or after this
        call; router 404/405 answers get CORS headers too.
    :param strict: turn every :class:`CorsSecurityWarning` into a :class:`CorsConfigError`.
    """
    if app.frozen or app.middlewares.frozen:
        raise RuntimeError(
            "aiohttp_cors.setup() must run before the application starts or is added as a "
            "sub-application (add_subapp freezes it)"
        )
    cors = CorsConfig(app, defaults=defaults, all_routes=all_routes, strict=strict)
    app[APP_CONFIG_KEY] = cors
    app.middlewares.insert(0, cors._cors_middleware)
    cors._middleware_active = True
    app.on_response_prepare.append(cors._on_response_prepare)
    app.on_startup.append(cors._on_startup)
    return cors


APP_CONFIG_KEY: Final = web.AppKey("aiohttp_cors", CorsConfig)
