"""aiohttp glue: ``setup``, ``CorsConfig`` and the hooks that apply the compiled policy.

``CorsConfig`` records what the user registers and validates it at once.  When the app
starts, routing.py compiles every CORS-enabled resource into a ``ResourcePolicy`` (see
policy.py).  Hooks then apply those policies:

* an OPTIONS route on each CORS path answers preflights (preflight.py);
* a middleware placed first in the app answers them before any other middleware
  (authentication must never block a preflight) and checks WebSocket handshakes
  (websocket.py); it is removed at start when nothing could run before those routes;
* an ``on_response_prepare`` handler adds CORS headers and ``Vary`` to actual responses,
  error responses included.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, Final, Union

from aiohttp import hdrs, web

from .._core.errors import CorsConfigError, ProblemCollector, warn_security
from .._core.headers import ACAC, ACAO, ACEH, ACRM, vary_with
from .._core.options import ResourceOptions, options_from
from .._core.origins import (
    OriginKeyError,
    OriginSpec,
    describe_key,
    parse_origin_key,
    security_concerns,
)
from .._core.policy import (
    ResourcePolicy,
    expose_all_value,
)
from .compiler import (
    PLAIN_RESOURCES,
    SUBAPP_RESOURCES,
    Handler,
    ParsedConfig,
    PolicyCompiler,
    describe_route,
    iter_apps,
    view_class,
    view_methods,
)
from .decorators import handler_config
from .preflight import PreflightRefused, PreflightResponse, answer_preflight
from .websocket import check_handshake
from .websocket import refusal_text as websocket_refusal_text

OptionsValue = Union[ResourceOptions, Mapping[str, Any]]  # noqa: UP007
# Keys are origin keys (see origins.py); typed loosely because Mapping keys are invariant
# and users' dicts are typed dict[str, ResourceOptions], dict[re.Pattern[str], ...], etc.
CorsMapping = Mapping[Any, OptionsValue]

_CORS_RESPONSE_HEADERS: Final = (ACAO, ACAC, ACEH)


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
        # Set once the policies were compiled for the app's start: from then on, a change
        # would not be seen by requests (also from a later on_startup handler).
        self._started = False
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
                warn_security(message)

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
        if self._started or self._app.frozen:
            raise RuntimeError(
                "the application has started: configure CORS before it starts "
                "(setup, cors.add and CorsConfig.defaults)"
            )

    def _check_addable(self, resource: web.AbstractResource) -> None:
        if type(resource) in PLAIN_RESOURCES:
            return
        if isinstance(resource, SUBAPP_RESOURCES):
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
        view = view_class(route.handler)
        where = describe_route(route.method, resource)
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
            for method in view_methods(view):
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

    def _compile(self) -> None:
        """Compile the policies (at app start, or on first use of an app never started)."""
        compiled = self._compiler().compile(self._app)
        self._policies = compiled.policies
        self._app_policy = compiled.app_policy
        self._intercept_needed = compiled.intercept_needed
        self._compiled = True

    def _compiler(self) -> PolicyCompiler:
        return PolicyCompiler(
            parse=self._parse,
            defaults=self._defaults,
            route_configs=self._route_configs,
            resource_configs=self._resource_configs,
            all_routes=self._all_routes,
            options_handler=self._options_handler,
        )

    def _view_policy(self, request: web.Request, view: type[Any]) -> ResourcePolicy:
        """The policy that applies to a request handled by *view*: the matched
        resource's, or (a view reached in a way the plugin did not see, or a hand-made
        request) one compiled from the view's own config chain and the defaults."""
        if isinstance(request, web.BaseRequest):
            policy = self._policy_of(request)
            if policy is not None:
                return policy
        return self._compiler().view_policy(view)

    async def _on_startup(self, app: web.Application) -> None:
        self._compile()
        self._started = True
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
            for each in iter_apps(self._app)
            for middleware in each.middlewares
        )

    # -- request time -------------------------------------------------------------------

    def _policy_of(self, request: web.Request) -> ResourcePolicy | None:
        """The policy of the resource the request matched, if CORS is enabled on it."""
        if not self._compiled:
            self._compile()
        return self._policies.get(request.match_info.route.resource)

    def _router_error_policy(self, request: web.Request) -> ResourcePolicy | None:
        """In app-wide mode, the policy for the router's own 404/405 answers to actual
        requests, so the page can read the error (a failed preflight stays failed)."""
        if request.match_info.http_exception is not None and not (
            request.method == hdrs.METH_OPTIONS and ACRM in request.headers
        ):
            return self._app_policy
        return None

    async def _answer_options(self, request: web.Request) -> web.StreamResponse:
        """Handler of the OPTIONS route the plugin adds to CORS-enabled resources."""
        policy = self._policy_of(request)
        if policy is None:
            raise web.HTTPMethodNotAllowed(request.method, ())
        return await answer_preflight(request, policy)

    def _middleware(self) -> Any:
        @web.middleware
        async def cors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            method = request.method
            if method == hdrs.METH_OPTIONS:
                if ACRM in request.headers:
                    policy = self._policy_of(request)
                    if policy is not None:
                        return await answer_preflight(request, policy)
            elif method == hdrs.METH_GET and hdrs.UPGRADE in request.headers:
                policy = self._policy_of(request)
                if policy is not None:
                    refusal = await check_handshake(request, policy)
                    if refusal is not None:
                        return refusal
            return await handler(request)

        return cors_middleware

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
            policy = self._router_error_policy(request)
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
        if rule is not None and len(request.headers.getall(hdrs.ORIGIN)) > 1:
            rule = None  # browsers send one Origin: several are trusted for none of them
        if rule is None:
            if not self._middleware_active and isinstance(response, web.WebSocketResponse):
                # Without the middleware, a handshake is checked here: raising stops
                # ws.prepare() before the 101 goes out, so no message can be exchanged.
                text = websocket_refusal_text(request, origin)
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
