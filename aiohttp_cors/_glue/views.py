"""``CorsViewMixin``: CORS for class-based views (``web.View``)."""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any, ClassVar

from aiohttp import web

from .._core.answers import NOT_CONFIGURED_TEXT
from .answering import PreflightRefused, ask_preflight, innermost, preflight_response, settle
from .config import APP_CONFIG_KEY, CorsConfig
from .decorators import (
    PREFLIGHT_METHOD_ATTRIBUTE,
    REQUEST_CONFIG_DEFAULT_ATTRIBUTE,
    handler_config,
)
from .hooks import HOOKS_KEY, RequestHooks


class CorsViewMixin:
    """Mix into a ``web.View`` to configure CORS per view and per method.

    The config chain of a method is: the method's ``@custom_cors({...})``, then the class
    attribute ``cors_config``, then the config given to ``cors.add``, then ``defaults``.
    With ``cors_inherit_defaults = False`` the chain stops at ``cors_config``: it replaces
    the configs below it instead of being layered over them.
    """

    cors_config: ClassVar[Mapping[Any, Any] | None] = None
    cors_inherit_defaults: ClassVar[bool] = True

    @classmethod
    def get_request_config(cls, request: web.Request, request_method: str) -> Mapping[Any, Any]:
        """The config that applies to *request_method*: the method's ``@custom_cors``,
        then ``cors_config``, then ``defaults`` (aiohttp-cors 0.8.1 API).

        Override it (as a classmethod, as in 0.8.1, or a plain method) to choose the
        config per request: whatever it returns is then the whole config of that
        request, for preflights, actual responses and WebSocket handshakes.  Raise
        ``KeyError`` for a method the view does not serve.
        """
        cors = _config_of(request)
        if cors is None:
            raise ValueError(
                "CORS is not configured for this application: call aiohttp_cors.setup(app)"
            )
        method = getattr(cls, request_method.lower(), None)
        if method is None:
            raise KeyError(request_method)
        layers: list[Any] = []
        attached = handler_config(method)
        if attached is not None:
            layers.append(attached.config)
        if cls.cors_config is not None:
            layers.append(cls.cors_config)
        if cors.defaults is not None and cls.cors_inherit_defaults:
            layers.append(cors.defaults)
        return collections.ChainMap(*layers)

    setattr(get_request_config.__func__, REQUEST_CONFIG_DEFAULT_ATTRIBUTE, True)  # type: ignore[attr-defined]

    async def options(self) -> web.StreamResponse:
        """Answer OPTIONS: a preflight gets the CORS verdict for this view; anything else
        gets the same 403 explanations as aiohttp-cors 0.8.1."""
        request: web.Request = self.request  # type: ignore[attr-defined]
        # The hooks that compiled this route, whether setup() or CorsConfig(app) made
        # them (only setup() stores the config under APP_CONFIG_KEY).
        hooks = _hooks_of(request)
        policy = hooks.policy_of(request) if hooks is not None else None
        refusals = hooks.refusals if hooks is not None else None
        if policy is None:
            cors = _config_of(request)
            if cors is None:
                raise PreflightRefused(text=NOT_CONFIGURED_TEXT)
            policy = cors._view_policy(request, type(self))
            refusals = cors._hooks.refusals
        answer = await settle(request, ask_preflight(request, policy), policy, refusals)
        if answer.refusal is not None:
            # 0.8.1 raised HTTPForbidden here; code may catch it.
            headers = preflight_response(answer, policy.vary_extra).headers
            raise PreflightRefused(text=answer.refusal, headers=headers)
        return preflight_response(answer, policy.vary_extra)

    setattr(options, PREFLIGHT_METHOD_ATTRIBUTE, True)


def _hooks_of(request: object) -> RequestHooks | None:
    """The request hooks of the innermost application on the request's path that has
    them, or None for a request that did not come through the router."""
    if not isinstance(request, web.Request):
        return None
    return innermost(request.match_info.apps, HOOKS_KEY)


def _config_of(request: object) -> CorsConfig | None:
    """The configuration that decides for *request*: the innermost application's on
    its path that has one (a view in a sub-application may be configured by a parent's
    setup), or, for a request that did not come through the router (a test's stand-in,
    as 0.8.1's own tests build them), its ``app``'s."""
    if isinstance(request, web.Request):
        found = innermost(request.match_info.apps, APP_CONFIG_KEY)
        if found is not None:
            return found
    try:
        return request.app[APP_CONFIG_KEY]  # type: ignore[attr-defined,no-any-return]
    except (KeyError, TypeError, AttributeError):
        return None
