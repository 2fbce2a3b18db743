"""``setup`` and ``CorsConfig``: what the user registers, and when it takes effect.

``CorsConfig`` records routes and resources as ``cors.add`` receives them, after
parsing.py validated their configs.  When the app starts, compiler.py turns the records
into compiled policies and hooks.py applies them to requests.  Once started, the
configuration is frozen: a change would not be seen by requests, so it is refused.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, Final, TypeVar, Union

from aiohttp import web

from .._core.errors import ProblemCollector
from .._core.options import ResourceOptions
from .._core.parsing import ConfigParser, Layer, parse_layer
from .._core.policy import ResourcePolicy
from .._core.table import ParsedConfig
from .answering import DEFAULT_ORIGIN_TIMEOUT, check_origin_timeout
from .compiler import CompiledPolicies, PolicyCompiler
from .decorators import is_exempt
from .describe import describe_app
from .handler_configs import check_handler
from .hooks import HOOKS_KEY, RequestHooks
from .refusals import RefusalSignal
from .routing import (
    PLAIN_RESOURCES,
    SUBAPP_RESOURCES,
    AppScope,
    app_tree,
    describe_route,
    view_class,
    view_methods,
)
from .surface import CorsSurface

OptionsValue = Union[ResourceOptions, Mapping[str, Any]]  # noqa: UP007
# Keys are origin keys (see origins.py); typed loosely because Mapping keys are invariant
# and users' dicts are typed dict[str, ResourceOptions], dict[re.Pattern[str], ...], etc.
CorsMapping = Mapping[Any, OptionsValue]
#: ``all_routes``: True, False, a path prefix, or a sequence of them.
AllRoutes = Union[bool, str, Sequence[str]]  # noqa: UP007
#: What ``cors.add`` takes and gives back unchanged, so that
#: ``route = cors.add(app.router.add_get(...))`` keeps the route's type.
RoutingEntity = TypeVar("RoutingEntity", bound=Union[web.AbstractRoute, web.AbstractResource])  # noqa: UP007


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
        origin_timeout: float | None = DEFAULT_ORIGIN_TIMEOUT,
    ) -> None:
        if router_adapter is not None:
            warnings.warn(
                "aiohttp_cors works with aiohttp's own router; the router_adapter argument "
                "is ignored",
                DeprecationWarning,
                stacklevel=2,
            )
        # aiohttp freezes the startup signal before it runs the startup handlers, but
        # (aiohttp 3.14) not yet the application itself: a setup() called from an
        # on_startup handler must get this error, not aiohttp's "Cannot modify frozen list."
        if app.frozen or app.middlewares.frozen or app.on_startup.frozen:
            raise RuntimeError(
                "aiohttp_cors.setup() must run before the application starts or is added as "
                "a sub-application (add_subapp freezes it)"
            )
        if HOOKS_KEY in app:
            raise RuntimeError("CORS is already set up for this application")
        self._app = app
        self._strict = strict
        self._origin_timeout = check_origin_timeout(origin_timeout)
        self._scope = AppScope.parse(all_routes)
        self._all_routes = all_routes
        self._parser = ConfigParser(strict=strict)
        # What was registered: routes one by one (with their config layer, or None for
        # "no config of its own") and resources as a whole.
        self._route_configs: dict[web.AbstractRoute, Layer | None] = {}
        self._resource_configs: dict[web.AbstractResource, Layer] = {}
        # The config of the first route added on a resource that was not added whole: as
        # in 0.8.1 it is also that resource's config, for the resource's other methods.
        self._first_route_configs: dict[web.AbstractResource, Layer | None] = {}
        self._defaults_raw: CorsMapping | None = None
        self._defaults: ParsedConfig = ()
        self._started = False
        self._hooks = RequestHooks(self._compile, mount_relative=self._scope.depends_on_mount)
        self.defaults = defaults
        app[HOOKS_KEY] = self._hooks
        _LIVE_CONFIGS.add(self)
        app.middlewares.insert(0, self._hooks.middleware)  # type: ignore[arg-type]
        app.on_response_prepare.append(self._hooks.on_response_prepare)
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
        self._hooks.reset()

    @property
    def all_routes(self) -> AllRoutes:
        """The ``all_routes`` given to :func:`setup`: ``False`` (only what :meth:`add`
        registers), ``True`` (app-wide) or the path prefixes app-wide mode covers."""
        return self._all_routes

    @property
    def on_refusal(self) -> RefusalSignal:
        """Signal sent for every refused preflight, actual request and WebSocket handshake
        of this configuration's routes: append ``async def receiver(request, refusal)``
        (see :class:`aiohttp_cors.Refusal`).  Frozen when the app starts, like aiohttp's
        own signals."""
        return self._hooks.refusals.signal

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
            self._hooks.reset()
            return
        # For the mount path the running policies were compiled for; raises before any change.
        compiled = self._compiler(self._hooks.mount_prefix, parsed).compile(self._app)
        self._defaults_raw, self._defaults = defaults, parsed
        self._hooks.install(compiled)

    def describe(self) -> CorsSurface:
        """The CORS surface of the app: for every CORS-enabled path and method (this
        app's, and its sub-applications', their own ``setup`` included), the owning app and
        each origin entry that can admit a request, with what it grants.  Works before the
        app starts (compiled on demand) and while it serves (what requests get).  Raises
        :class:`CorsConfigError` if the configuration does not compile."""
        return describe_app(self._app, self._hooks)

    def add(
        self,
        routing_entity: RoutingEntity,
        config: CorsMapping | None = None,
        webview: bool = False,
        *,
        inherit_defaults: bool = True,
    ) -> RoutingEntity:
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
        entity: object = routing_entity  # narrowed below; the TypeVar only types the return
        if type(entity) is web.ResourceRoute or isinstance(entity, web.AbstractRoute):
            self._add_route(entity, config, inherit_defaults)
        elif isinstance(entity, web.AbstractResource):
            self._add_resource(entity, config, inherit_defaults)
        else:
            raise ValueError(
                f"Resource or route expected, got {routing_entity!r}: pass what "
                "app.router.add_route(), add_resource(), add_static() or add_view() returned"
            )
        self._hooks.reset()
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

    def _check_not_anothers(self, resource: web.AbstractResource) -> None:
        """A resource of another application that has its own ``CorsConfig`` (a
        sub-application's own setup) is that configuration's alone: a ``ValueError``,
        which a loop over ``app.router.routes()`` may catch, as 0.8.1's was."""
        for other in _LIVE_CONFIGS:
            if other is not self and (
                resource in other._resource_configs
                or resource in other._first_route_configs
                or resource in other._app.router.resources()
            ):
                raise ValueError(
                    f"{resource!r} is configured by the aiohttp_cors.setup() of another "
                    "application (a sub-application's own setup decides for its routes): "
                    "add it with the CorsConfig that setup() returned"
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
        self._check_not_anothers(resource)
        # The texts start as 0.8.1's did, which is what people search for.
        if resource in self._resource_configs:
            raise ValueError(f"CORS is already configured for {resource!r} resource.")
        if any(route in self._route_configs for route in resource):
            raise ValueError(
                f"CORS is already configured for {resource!r} resource: one of its routes "
                "was passed to cors.add first; add the resource before its routes"
            )
        problems = ProblemCollector()
        layer = parse_layer(
            self._parser, config, inherit, f"resource {resource.canonical!r}", problems
        )
        problems.raise_if_any()
        self._resource_configs[resource] = layer if layer is not None else Layer((), True)

    def _add_route(
        self, route: web.AbstractRoute, config: CorsMapping | None, inherit: bool
    ) -> None:
        resource = route.resource
        if resource is None:
            raise ValueError(f"Route {route!r} belongs to no resource and cannot use CORS")
        self._check_addable(resource)
        if resource not in self._first_route_configs and resource not in self._resource_configs:
            self._check_not_anothers(resource)  # once per resource: this is on every add
        if route in self._route_configs:
            raise ValueError(
                f"Can't setup CORS for {route!r} route: CORS already configured on resource "
                f"{resource!r} for {route.method} method"
            )
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
        if resource not in self._resource_configs:
            self._first_route_configs.setdefault(resource, layer)

    # -- compilation --------------------------------------------------------------------

    def _compiler(
        self, mount_prefix: str | None = None, defaults: ParsedConfig | None = None
    ) -> PolicyCompiler:
        return PolicyCompiler(
            parser=self._parser,
            defaults=self._defaults if defaults is None else defaults,
            route_configs=self._route_configs,
            resource_configs=self._resource_configs,
            first_route_configs=self._first_route_configs,
            scope=(
                self._scope.anywhere() if mount_prefix is None else self._scope.under(mount_prefix)
            ),
            strict=self._strict,
            options_handler=self._hooks.answer_options,
            has_own_config=lambda app: app is not self._app and HOOKS_KEY in app,
            origin_timeout=self._origin_timeout,
        )

    def _compile(self, mount_prefix: str | None = None) -> CompiledPolicies:
        """Compile the policies (at app start, or on first use of an app never started;
        again with *mount_prefix* once a request shows where the app is mounted, if the
        scope of all_routes depends on it)."""
        return self._compiler(mount_prefix).compile(self._app)

    def _view_policy(self, request: web.Request, view: type[Any]) -> ResourcePolicy:
        """The policy that applies to a request handled by *view* (``CorsViewMixin``
        answers preflights with it): the matched resource's, or, for a view reached in a
        way the plugin did not see, one compiled from the view's own config chain."""
        if isinstance(request, web.Request):
            policy = self._hooks.policy_of(request)
            if policy is not None:
                return policy
        return self._compiler().view_policy(view)

    async def _on_startup(self, app: web.Application) -> None:
        compiled = self._hooks.compiled()
        self._started = True
        self._hooks.refusals.freeze()
        if not compiled.intercept_needed and self._nothing_runs_before_routing(app):
            # Nothing runs before the plugin's own OPTIONS routes, so they answer
            # preflights first anyway: drop the middleware and its cost on every request.
            app.middlewares.remove(self._hooks.middleware)  # type: ignore[arg-type]

    def _nothing_runs_before_routing(self, app: web.Application) -> bool:
        """Whether this app tree has no middleware but the plugin's own (and the
        middleware list can still change)."""
        if app is not self._app or app.middlewares.frozen:
            return False
        own = self._hooks.middleware
        return own in app.middlewares and all(
            middleware is own for each in app_tree(self._app) for middleware in each.middlewares
        )


def setup(
    app: web.Application,
    *,
    defaults: CorsMapping | None = None,
    all_routes: AllRoutes = False,
    strict: bool = False,
    origin_timeout: float | None = DEFAULT_ORIGIN_TIMEOUT,
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
        and refuse WebSocket handshakes admitted only by ``"*"`` or ``"null"``, or carrying
        a cookie and admitted by an entry the security review refuses with credentials.
    :param origin_timeout: seconds an async origin callable may take (default 5); past
        them the request's origin is refused and the route logged once.  ``None``: no
        bound.
    """
    cors = CorsConfig(
        app,
        defaults=defaults,
        all_routes=all_routes,
        strict=strict,
        origin_timeout=origin_timeout,
    )
    app[APP_CONFIG_KEY] = cors
    return cors


APP_CONFIG_KEY: Final = web.AppKey("aiohttp_cors", CorsConfig)

#: Every configuration alive in the process (a few, usually one per application with a
#: setup): where a parent's cors.add finds that a sub-application's own setup has the
#: resource already.  Weak: a configuration lives as long as its application.
_LIVE_CONFIGS: Final[weakref.WeakSet[CorsConfig]] = weakref.WeakSet()
