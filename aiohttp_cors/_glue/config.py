"""``setup`` and ``CorsConfig``: what the user registers, and when it takes effect.

``CorsConfig`` records routes and resources as ``cors.add`` receives them, after
parsing.py validated their configs.  When the app starts, compiler.py turns the records
into compiled policies and hooks.py applies them to requests.  Once started, the
configuration is frozen: a change would not be seen by requests, so it is refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Final, Union

from aiohttp import web

from .._core.errors import ProblemCollector
from .._core.options import ResourceOptions
from .._core.policy import ParsedConfig, ResourcePolicy
from .compiler import (
    PLAIN_RESOURCES,
    SUBAPP_RESOURCES,
    AppScope,
    CompiledPolicies,
    PolicyCompiler,
    app_tree,
    check_handler,
    describe_route,
    view_class,
    view_methods,
)
from .decorators import is_exempt
from .hooks import HOOKS_KEY, RequestHooks
from .parsing import ConfigParser, Layer, parse_layer
from .refusals import RefusalSignal
from .surface import CorsSurface, describe_app

OptionsValue = Union[ResourceOptions, Mapping[str, Any]]  # noqa: UP007
# Keys are origin keys (see origins.py); typed loosely because Mapping keys are invariant
# and users' dicts are typed dict[str, ResourceOptions], dict[re.Pattern[str], ...], etc.
CorsMapping = Mapping[Any, OptionsValue]
#: ``all_routes``: True, False, a path prefix, or a sequence of them.
AllRoutes = Union[bool, str, Sequence[str]]  # noqa: UP007


class CorsConfig:
    """CORS configuration of one aiohttp application.

    Created by :func:`setup` (or directly, as in aiohttp-cors 0.8.1); register resources
    and routes with :meth:`add`.
    """

    def __init__(
        self,
        app: web.Application,
        *,
        defaults: CorsMapping | None = None,
        router_adapter: object = None,
        all_routes: AllRoutes = False,
        strict: bool = False,
    ) -> None:
        if router_adapter is not None:
            warnings.warn(
                "aiohttp_cors works with aiohttp's own router; the router_adapter argument "
                "is ignored",
                DeprecationWarning,
                stacklevel=2,
            )
        if app.frozen or app.middlewares.frozen:
            raise RuntimeError(
                "aiohttp_cors.setup() must run before the application starts or is added as "
                "a sub-application (add_subapp freezes it)"
            )
        if HOOKS_KEY in app:
            raise RuntimeError("CORS is already set up for this application")
        self._app = app
        self._strict = strict
        self._scope = AppScope.parse(all_routes)
        self._parser = ConfigParser(strict=strict)
        # What was registered: routes one by one (with their config layer, or None for
        # "no config of its own") and resources as a whole.
        self._route_configs: dict[web.AbstractRoute, Layer | None] = {}
        self._resource_configs: dict[web.AbstractResource, Layer] = {}
        self._defaults_raw: CorsMapping | None = None
        self._defaults: ParsedConfig = ()
        self._started = False
        self.hooks = RequestHooks(self._compile)
        self.defaults = defaults
        app[HOOKS_KEY] = self.hooks
        app.middlewares.insert(0, self.hooks.middleware)  # type: ignore[arg-type]
        app.on_response_prepare.append(self.hooks.on_response_prepare)
        app.on_startup.append(self._on_startup)

    # -- configuration ------------------------------------------------------------------

    @property
    def defaults(self) -> CorsMapping | None:
        """The ``defaults`` mapping, used for every CORS-enabled route and resource."""
        return self._defaults_raw

    @defaults.setter
    def defaults(self, value: CorsMapping | None) -> None:
        self._check_not_started()
        problems = ProblemCollector()
        parsed = self._parser.parse(value, "defaults", problems)
        problems.raise_if_any()
        self._defaults_raw = value
        self._defaults = parsed
        self.hooks.reset()

    @property
    def on_refusal(self) -> RefusalSignal:
        """Signal sent for every refused preflight, actual request and WebSocket handshake
        of this configuration's routes: append ``async def receiver(request, refusal)``
        (see :class:`aiohttp_cors.Refusal`).  Frozen when the app starts, like aiohttp's
        own signals."""
        return self.hooks.refusals.signal

    def reconfigure(self, *, defaults: CorsMapping | None) -> None:
        """Replace ``defaults``, also while the app is serving.

        The new mapping is validated like :func:`setup`'s (every problem at once, the
        security review, strict mode), then every policy is compiled again and swapped in
        one step.  On any problem a :class:`CorsConfigError` is raised and the running
        configuration is left untouched.  Per-route, per-resource, handler and view configs
        stay as they are.  A request is answered by one configuration, old or new, from
        start to end; call this on the app's event loop (from another thread, through
        ``loop.call_soon_threadsafe``).
        """
        problems = ProblemCollector()
        parsed = self._parser.parse(defaults, "defaults", problems)
        problems.raise_if_any()
        if not self._started:
            # Not serving yet: compiled when the app starts, as for CorsConfig.defaults.
            self._defaults_raw, self._defaults = defaults, parsed
            self.hooks.reset()
            return
        compiled = self._compiler(parsed).compile(self._app)  # raises before any change
        self._defaults_raw, self._defaults = defaults, parsed
        self.hooks.install(compiled)

    def describe(self) -> CorsSurface:
        """The CORS surface of the app: for every CORS-enabled path and method (this
        app's, and its sub-applications', their own ``setup`` included), the owning app and
        each origin entry that can admit a request, with what it grants.  Works before the
        app starts (compiled on demand) and while it serves (what requests get).  Raises
        :class:`CorsConfigError` if the configuration does not compile."""
        return describe_app(self._app, self.hooks)

    def add(
        self,
        routing_entity: Any,
        config: CorsMapping | None = None,
        webview: bool = False,
        *,
        inherit_defaults: bool = True,
    ) -> Any:
        """Enable CORS on a resource or route with *config* (origin -> options).

        Accepts a resource, a route, a static resource, a ``'*'`` route or a route to a
        ``web.View`` class.  Returns *routing_entity*.  Every problem in *config* is
        reported at once in a :class:`CorsConfigError`.  *config* is layered over the
        resource's config and ``defaults``; with ``inherit_defaults=False`` it replaces
        them instead.
        """
        self._check_not_started()
        if webview:
            warnings.warn(
                "webview=True is not needed: web.View routes are detected automatically",
                DeprecationWarning,
                stacklevel=2,
            )
        if not isinstance(inherit_defaults, bool):
            raise TypeError(f"inherit_defaults must be True or False, got {inherit_defaults!r}")
        # The exact type first: isinstance() against aiohttp's abstract classes is slow,
        # and ten thousand routes are added one by one.
        if type(routing_entity) is web.ResourceRoute or isinstance(
            routing_entity, web.AbstractRoute
        ):
            self._add_route(routing_entity, config, inherit_defaults)
        elif isinstance(routing_entity, web.AbstractResource):
            self._add_resource(routing_entity, config, inherit_defaults)
        else:
            raise ValueError(
                f"Resource or route expected, got {routing_entity!r}: pass what "
                "app.router.add_route(), add_resource(), add_static() or add_view() returned"
            )
        self.hooks.reset()
        return routing_entity

    def _check_not_started(self) -> None:
        # The policy is compiled when the app starts; a change after that would not be
        # seen by requests, so it is refused rather than silently ignored.
        if self._started or self._app.frozen:
            raise RuntimeError(
                "the application has started: configure CORS before it starts "
                "(setup, cors.add and CorsConfig.defaults); to change the defaults while "
                "serving, use cors.reconfigure(defaults=...)"
            )

    @staticmethod
    def _check_addable(resource: web.AbstractResource) -> None:
        if type(resource) in PLAIN_RESOURCES:
            return
        if isinstance(resource, SUBAPP_RESOURCES):
            raise ValueError(
                f"{resource!r} is a sub-application: add the sub-application's routes, "
                "or use setup(app, all_routes=True)"
            )

    def _add_resource(
        self, resource: web.AbstractResource, config: CorsMapping | None, inherit: bool
    ) -> None:
        self._check_addable(resource)
        if resource in self._resource_configs:
            raise ValueError(f"CORS is already configured for resource {resource!r}")
        if any(route in self._route_configs for route in resource):
            raise ValueError(
                f"CORS is already configured for routes of resource {resource!r}: "
                "add the resource before its routes"
            )
        problems = ProblemCollector()
        layer = parse_layer(
            self._parser, config, inherit, f"resource {resource.canonical!r}", problems
        )
        problems.raise_if_any()
        self._resource_configs[resource] = layer if layer is not None else ((), True)

    def _add_route(
        self, route: web.AbstractRoute, config: CorsMapping | None, inherit: bool
    ) -> None:
        resource = route.resource
        if resource is None:
            raise ValueError(f"Route {route!r} belongs to no resource and cannot use CORS")
        self._check_addable(resource)
        if route in self._route_configs:
            raise ValueError(f"CORS is already configured for route {route!r}")
        where = describe_route(route.method, resource)
        if is_exempt(route.handler):
            raise ValueError(
                f"{where} is marked @cors_exempt: remove the mark, or do not add it to CORS"
            )
        view = view_class(route.handler)
        if view is not None and not view_methods(view):
            raise ValueError(
                f"{view.__qualname__} ({where}) defines no request method (get, post, ...): "
                "there is nothing CORS could apply to"
            )
        problems = ProblemCollector()
        layer = parse_layer(self._parser, config, inherit, where, problems)
        check_handler(self._parser, route, view, problems)
        problems.raise_if_any()
        self._route_configs[route] = layer

    # -- compilation --------------------------------------------------------------------

    def _compiler(self, defaults: ParsedConfig | None = None) -> PolicyCompiler:
        return PolicyCompiler(
            parser=self._parser,
            defaults=self._defaults if defaults is None else defaults,
            route_configs=self._route_configs,
            resource_configs=self._resource_configs,
            scope=self._scope,
            strict=self._strict,
            options_handler=self.hooks.answer_options,
            has_own_config=lambda app: app is not self._app and HOOKS_KEY in app,
        )

    def _compile(self) -> CompiledPolicies:
        """Compile the policies (at app start, or on first use of an app never started)."""
        return self._compiler().compile(self._app)

    def view_policy(self, request: web.Request, view: type[Any]) -> ResourcePolicy:
        """The policy that applies to a request handled by *view* (``CorsViewMixin``
        answers preflights with it): the matched resource's, or, for a view reached in a
        way the plugin did not see, one compiled from the view's own config chain."""
        if isinstance(request, web.Request):
            policy = self.hooks.policy_of(request)
            if policy is not None:
                return policy
        return self._compiler().view_policy(view)

    async def _on_startup(self, app: web.Application) -> None:
        compiled = self.hooks.compiled()
        self._started = True
        self.hooks.refusals.freeze()
        if not compiled.intercept_needed and self._nothing_runs_before_routing(app):
            # Nothing runs before the plugin's own OPTIONS routes, so they answer
            # preflights first anyway: drop the middleware and its cost on every request.
            app.middlewares.remove(self.hooks.middleware)  # type: ignore[arg-type]

    def _nothing_runs_before_routing(self, app: web.Application) -> bool:
        """Whether this app tree has no middleware but the plugin's own (and the
        middleware list can still change)."""
        if app is not self._app or app.middlewares.frozen:
            return False
        own = self.hooks.middleware
        return own in app.middlewares and all(
            middleware is own for each in app_tree(self._app) for middleware in each.middlewares
        )


def setup(
    app: web.Application,
    *,
    defaults: CorsMapping | None = None,
    all_routes: AllRoutes = False,
    strict: bool = False,
) -> CorsConfig:
    """Enable CORS for *app* and return its :class:`CorsConfig`.

    :param defaults: origin -> options used wherever a route or resource has no entry of
        its own.
    :param all_routes: app-wide mode.  ``True`` enables CORS with *defaults* on every
        route of the app and its sub-applications (except ``@cors_exempt`` handlers and
        sub-applications with their own ``setup``), added before or after this call;
        router 404/405 answers get CORS headers too.  A path prefix (``"/api"``) or a
        sequence of them does the same for the routes at or under those paths only.
    :param strict: turn every :class:`CorsSecurityWarning` into a :class:`CorsConfigError`,
        and refuse WebSocket handshakes admitted only by ``"*"`` or ``"null"``.
    """
    cors = CorsConfig(app, defaults=defaults, all_routes=all_routes, strict=strict)
    app[APP_CONFIG_KEY] = cors
    return cors


APP_CONFIG_KEY: Final = web.AppKey("aiohttp_cors", CorsConfig)
