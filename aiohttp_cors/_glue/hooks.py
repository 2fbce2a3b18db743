"""The request hooks: where aiohttp hands a request to the plugin and the core's answer is
applied.  No CORS rule lives here.

* The OPTIONS route the compiler adds to each CORS path answers preflights.
* A middleware placed first in the app answers preflights before any other middleware
  (authentication must never block a preflight, which carries no credentials).  It is
  removed at start when nothing could run before the OPTIONS routes anyway.
* ``on_response_prepare`` applies the answer to actual responses (error responses
  included) and checks WebSocket handshakes.  A handshake is the response aiohttp
  prepares with status 101, after it accepted the request's ``Upgrade``: that is the one
  place every handshake passes, whatever middlewares the app has, and there the request
  is the one the handler got (with the scheme and host that a forwarded-header middleware
  such as aiohttp-remotes' set).  Refusing there stops the 101 from going out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import PrefixedSubAppResource

from .._core.answers import (
    HANDSHAKE_REFUSED,
    NOSNIFF,
)
from .._core.errors import CorsConfigError, logger
from .._core.headers import ORIGIN, is_preflight
from .._core.pending import Pending
from .._core.policy import ResourcePolicy
from .answering import (
    _OWN_RESPONSES,
    HandshakeRefused,
    actual_refusal_reason,
    innermost,
    log_refusal,
    own_origin,
    refusal_of,
    respond_to_preflight,
    route_label,
    warn_at_request_time,
    within_timeout,
)
from .compiler import CompiledPolicies
from .refusals import RefusalNotifier
from .routing import Handler


class RequestHooks:
    """The hooks of one ``CorsConfig``, applying the policies it compiled."""

    def __init__(
        self, compile_policies: Callable[..., CompiledPolicies], *, mount_relative: bool = False
    ) -> None:
        self._compile_policies = compile_policies
        # all_routes path prefixes are relative to the application: a sub-application's
        # routes carry its mount path, which aiohttp tells no one before a request
        # arrives (the sub-application has no link to its parent).  The first request
        # shows it (request.match_info.apps); the policies are compiled again for it.
        self._mount_relative = mount_relative
        self._mount_unknown = mount_relative
        self._compiled: CompiledPolicies | None = None
        self._exempt_routes: Mapping[web.AbstractRoute, frozenset[str] | None] = {}
        # The compiled policies by resource: the one look-up every response costs.
        self._by_resource: Mapping[web.AbstractResource | None, ResourcePolicy] | None = None
        self.middleware = self._make_middleware()
        #: ``cors.on_refusal``'s receivers.
        self.refusals = RefusalNotifier(self)
        #: The mount path the policies were compiled again for, once a request showed it
        #: (``CorsConfig.reconfigure`` compiles for the same).
        self.mount_prefix: str | None = None

    def reset(self) -> None:
        """Forget the compiled policies (the configuration changed before start)."""
        self._compiled = self._by_resource = None
        self._exempt_routes = {}
        self._mount_unknown = self._mount_relative
        self.mount_prefix = None

    def compile_now(self) -> CompiledPolicies:
        """Policies compiled from the configuration as it is now, not kept (for a
        description of an app that has not started: routes may still be added)."""
        return self._compile_policies()

    def install(self, compiled: CompiledPolicies) -> None:
        """Swap in policies compiled while serving (``CorsConfig.reconfigure``).

        The attributes are set without an await between them, so no request on this
        event loop sees one without the other.  A request reads them once, when the plugin
        first answers it, and keeps what it read (a pending origin callable included).
        """
        self._compiled = compiled
        self._by_resource = compiled.by_resource
        self._exempt_routes = compiled.exempt_routes

    def compiled(self) -> CompiledPolicies:
        """The compiled policies (compiled now for an app used without being started)."""
        if self._compiled is None:
            self._compiled = self._compile_policies()
            self._by_resource = self._compiled.by_resource
            self._exempt_routes = self._compiled.exempt_routes
        return self._compiled

    def _resources(self) -> Mapping[web.AbstractResource | None, ResourcePolicy]:
        by_resource = self._by_resource
        return by_resource if by_resource is not None else self.compiled().by_resource

    def policy_of(self, request: web.Request) -> ResourcePolicy | None:
        """The policy of the resource the request matched, if CORS is enabled on it."""
        if self._mount_unknown:
            self._learn_mount(request)
        return self._resources().get(request.match_info.route.resource)

    def _learn_mount(self, request: web.Request) -> None:
        """Compile again for the path this (sub-)application is mounted at, if any."""
        # A hand-made request (tests written for 0.8.1 build some) tells nothing.
        apps = getattr(getattr(request, "match_info", None), "apps", None)
        if not isinstance(apps, tuple):
            return
        self._mount_unknown = False
        prefix = mount_prefix(apps, self)
        if not prefix and not self.compiled().floated:
            return  # not mounted, and nothing was compiled for another mount path
        try:
            compiled = self._compile_policies(prefix)
        except CorsConfigError:
            # Found at app start otherwise; never a 500 for the request that showed it.
            logger.exception("CORS configuration of the application mounted at %r", prefix or "/")
            return
        self.mount_prefix = prefix
        self.install(compiled)

    def _router_error_policy(
        self, request: web.Request, compiled: CompiledPolicies
    ) -> ResourcePolicy | None:
        """In app-wide mode, the policy for the router's own 404/405 answers to actual
        requests under its scope, so the page can read the error (a failed preflight
        stays failed), unless a sub-application with its own setup owns the path."""
        policy = compiled.router_errors
        if (
            policy is None
            or request.match_info.http_exception is None
            or is_preflight(request.method, request.headers)
            or not compiled.scope.covers(request.path)
            or innermost(request.match_info.apps, HOOKS_KEY) is not self
        ):
            return None
        return policy

    # -- the OPTIONS route and the middleware -------------------------------------------

    async def answer_options(self, request: web.Request) -> web.StreamResponse:
        """Handler of the OPTIONS route the plugin adds to CORS-enabled resources."""
        policy = self.policy_of(request)
        if policy is None:
            # Out of scope once the mount path was known: the router's own answer.
            resource = request.match_info.route.resource
            served = [
                route.method for route in resource or () if route.handler != self.answer_options
            ]
            raise web.HTTPMethodNotAllowed(request.method, served)
        return await respond_to_preflight(request, policy, self.refusals)

    def _make_middleware(self) -> Callable[[web.Request, Handler], object]:
        @web.middleware
        async def cors_preflight_middleware(
            request: web.Request, handler: Handler
        ) -> web.StreamResponse:
            if is_preflight(request.method, request.headers):
                # The innermost configuration decides, also for a sub-application
                # whose own middleware would run after this app's others.
                owner = innermost(request.match_info.apps, HOOKS_KEY)
                policy = None if owner is None else owner.policy_of(request)
                if policy is not None and owner is not None:
                    return await respond_to_preflight(request, policy, owner.refusals)
            return await handler(request)

        return cors_preflight_middleware

    # -- actual responses and handshakes ------------------------------------------------

    async def on_response_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        if type(response) in _OWN_RESPONSES:
            return
        if self._mount_unknown:
            self._learn_mount(request)
        by_resource = self._by_resource
        if by_resource is None:
            by_resource = self._resources()
        route = request.match_info.route
        policy = by_resource.get(route.resource)
        if policy is None:
            policy = self._router_error_policy(request, self.compiled())
            if policy is None:
                return
        elif self._exempt_routes and self._is_exempt(route, request.method):
            return  # an @cors_exempt handler's response is its own
        origins = request.headers.getall(ORIGIN, ())
        if response.status == 101:
            await self._check_handshake(request, policy, origins)
            return
        answer = policy.actual(request.method, origins, request)
        if isinstance(answer, Pending):
            answer = await within_timeout(answer, request, policy)
        if answer is not None:
            answer.apply(response.headers, origins, policy.vary_extra)
            # The signal itself (a C-level length), not the notifier: this runs on every response.
            if origins and self.refusals.signal:
                reason = actual_refusal_reason(policy, request.method, origins, answer)
                if reason is not None:
                    refusal = refusal_of("actual", request, reason, request.method)
                    await self.refusals.send(request, refusal)

    def _is_exempt(self, route: web.AbstractRoute, method: str) -> bool:
        if route not in self._exempt_routes:
            return False
        methods = self._exempt_routes[route]
        return methods is None or method in methods or (method == "HEAD" and "GET" in methods)

    async def _check_handshake(
        self, request: web.Request, policy: ResourcePolicy, origins: Sequence[str]
    ) -> None:
        answer = policy.handshake(
            origins,
            own_origin(request),
            hdrs.COOKIE in request.headers,
            route_label(request),
            request,
        )
        if isinstance(answer, Pending):
            answer = await within_timeout(answer, request, policy)
        if answer.warning is not None:
            warn_at_request_time(answer.warning, code="cookie-handshake-admitted")
        if answer.refusal is not None:
            log_refusal("websocket handshake", answer.refusal, request)
            if self.refusals:
                reason = answer.refusal.removeprefix(HANDSHAKE_REFUSED)
                refusal = refusal_of("handshake", request, reason, request.method)
                await self.refusals.send(request, refusal)
            # Raised inside ws.prepare(): the 101 never goes out.
            raise HandshakeRefused(text=answer.refusal, headers=dict([NOSNIFF]))


def mount_prefix(apps: Sequence[web.Application], hooks: RequestHooks) -> str:
    """The path at which the application of *hooks* is mounted, as seen from a request's
    chain of applications (outermost first): ``""`` at the root or under a domain."""
    for index, app in enumerate(apps):
        if index and app.get(HOOKS_KEY) is hooks:
            for resource in apps[index - 1].router.resources():
                if isinstance(resource, PrefixedSubAppResource):
                    info = resource.get_info()
                    if info["app"] is app:
                        return str(info["prefix"])
    return ""


#: Each application's hooks, so that a request finds the innermost configuration.
HOOKS_KEY: Final = web.AppKey("aiohttp_cors.hooks", RequestHooks)
