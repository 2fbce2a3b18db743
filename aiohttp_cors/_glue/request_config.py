"""Views whose ``get_request_config`` is overridden: the config is decided per request.

aiohttp-cors 0.8.1 asked ``CorsViewMixin.get_request_config(request, method)`` on every
request to a view, and overriding it was the way users were told to choose origins at
request time.  Such a view cannot be compiled once at start: its policy asks the override,
then answers with a policy compiled from what the override returned.  Policies are kept
per distinct returned config (bounded), so a view that returns one of a few configs pays
the compilation once each.  Views that do not override it are compiled as usual and never
come here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Final

from aiohttp import web

from .._core.answers import ActualAnswer, HandshakeAnswer, PreflightAnswer, method_refusal
from .._core.errors import ProblemCollector, logger
from .._core.headers import printable
from .._core.parsing import ConfigParser
from .._core.pending import Pending
from .._core.policy import ResourcePolicy
from .._core.table import MethodGrant, OriginTable, ParsedConfig, PreflightEntry
from .decorators import REQUEST_CONFIG_DEFAULT_ATTRIBUTE

#: Compiled policies kept per view, by the config its override returned.
POLICIES_PER_VIEW: Final = 64


def overrides_request_config(view: type[Any]) -> bool:
    """Whether *view* (a ``web.View`` subclass) has its own ``get_request_config``,
    rather than the mixin's or none."""
    attribute = inspect.getattr_static(view, "get_request_config", None)
    if attribute is None:
        return False
    function = getattr(attribute, "__func__", attribute)  # classmethod / staticmethod
    return getattr(function, REQUEST_CONFIG_DEFAULT_ATTRIBUTE, False) is not True


def _caller(view: type[Any]) -> Callable[[web.Request, str], object]:
    """How to call *view*'s ``get_request_config``: on the class, as 0.8.1 did, when it
    is a classmethod or staticmethod; on an instance made for the request otherwise."""
    attribute = inspect.getattr_static(view, "get_request_config")
    if isinstance(attribute, (classmethod, staticmethod)):
        method = view.get_request_config
        return lambda request, requested: method(request, requested)
    return lambda request, requested: view(request).get_request_config(request, requested)


def _cache_key(config: Mapping[Any, Any]) -> Hashable | None:
    """The config's entries in look-up order, or None when an entry cannot be hashed
    (options given as a mapping): such a config is compiled on every request."""
    try:
        key = tuple(config.items())
        hash(key)
    except TypeError:
        return None
    return key


class RequestConfigPolicy(ResourcePolicy):
    """The policy of a path served by a view that overrides ``get_request_config``.

    Whatever the override returns for a request is the whole config for it (the
    default implementation already layers the method's, the class's and the defaults),
    for preflights, actual responses and WebSocket handshakes alike.
    """

    def __init__(
        self,
        compiled: ResourcePolicy,
        view: type[Any],
        parser: ConfigParser,
    ) -> None:
        super().__init__(
            actual_tables=compiled.actual_tables,
            other_methods=compiled.other_methods,
            preflight_tables=compiled.preflight_tables,
            any_method=compiled.any_method,
            strict=compiled.strict,
            origin_timeout=compiled.origin_timeout,
        )
        self._view_name = view.__qualname__
        self._call = _caller(view)
        self._parser = parser
        # The methods the view serves, and their exemptions, are the compiled policy's.
        self._served = {
            method: entry is not None for method, entry in compiled.preflight_tables.items()
        }
        self._by_config: dict[Hashable, ResourcePolicy] = {}
        self._refusing = self._compile(())

    def _compile(self, parsed: ParsedConfig) -> ResourcePolicy:
        table = OriginTable.build((parsed,) if parsed else ())
        return ResourcePolicy(
            actual_tables={
                method: table if served else None for method, served in self._served.items()
            },
            other_methods=table,
            preflight_tables={
                method: PreflightEntry(table, MethodGrant.ROUTED) if served else None
                for method, served in self._served.items()
            },
            strict=self.strict,
            origin_timeout=self.origin_timeout,
        )

    def _policy_for(self, request: object, method: str) -> ResourcePolicy | None:
        """The policy for this request, from the override's answer; None when the view
        does not serve *method* (the override raised ``KeyError``, as 0.8.1's did)."""
        if not isinstance(request, web.BaseRequest):
            return self._refusing
        try:
            config = self._call(request, method)  # type: ignore[arg-type]
        except KeyError:
            return None
        except Exception:
            logger.exception(
                "%s.get_request_config raised: the request is refused", self._view_name
            )
            return self._refusing
        if not isinstance(config, Mapping):
            logger.error(
                "%s.get_request_config returned %s, not a mapping: the request is refused",
                self._view_name,
                printable(repr(config)),
            )
            return self._refusing
        key = _cache_key(config)
        policy = self._by_config.get(key) if key is not None else None
        if policy is not None:
            return policy
        problems = ProblemCollector()
        parsed = self._parser.parse(config, f"{self._view_name}.get_request_config", problems)
        if problems.problems:
            logger.error(
                "%s.get_request_config returned a config with problems, the request is refused: %s",
                self._view_name,
                "; ".join(str(problem) for problem in problems.problems),
            )
            return self._refusing
        policy = self._compile(parsed)
        if key is not None:
            if len(self._by_config) >= POLICIES_PER_VIEW:
                self._by_config.clear()
            self._by_config[key] = policy
        return policy

    def actual(
        self, method: str, origins: Sequence[str], request: object
    ) -> ActualAnswer | Pending[ActualAnswer | None] | None:
        policy = self._policy_for(request, method)
        return (policy or self._refusing).actual(method, origins, request)

    def preflight(
        self,
        origins: Sequence[str],
        method: str | None,
        request_headers: Sequence[str],
        private_network: bool,
        request: object,
    ) -> PreflightAnswer | Pending[PreflightAnswer]:
        if not origins or len(origins) != 1 or method is None:
            # Refused before any config is read: the compiled policy has the texts.
            return super().preflight(origins, method, request_headers, private_network, request)
        policy = self._policy_for(request, method)
        if policy is None:  # the view does not serve the method
            return method_refusal(method, origins[0])
        return policy.preflight(origins, method, request_headers, private_network, request)

    def handshake(
        self,
        origins: Sequence[str],
        own_origin: str,
        has_cookie: bool,
        route: str,
        request: object,
    ) -> HandshakeAnswer | Pending[HandshakeAnswer]:
        policy = self._policy_for(request, "GET") or self._refusing
        return policy.handshake(origins, own_origin, has_cookie, route, request)
