"""``CorsViewMixin``: CORS for class-based views (``web.View``)."""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any, ClassVar

from aiohttp import web

from .._core.policy import NOT_CONFIGURED_TEXT
from .config import APP_CONFIG_KEY
from .decorators import PREFLIGHT_METHOD_ATTRIBUTE, handler_config
from .hooks import (
    PreflightRefused,
    ask_preflight,
    innermost,
    preflight_response,
    refusal_headers,
    settle,
)


class CorsViewMixin:
    """Mix into a ``web.View`` to configure CORS per view and per method.

    The config chain of a method is: the method's ``@custom_cors({...})``, then the class
    attribute ``cors_config``, then the config given to ``cors.add``, then ``defaults``.
    With ``cors_inherit_defaults = False`` the chain stops at ``cors_config``: it replaces
    the configs below it instead of being layered over them.
    """

    cors_config: ClassVar[Mapping[Any, Any] | None] = None
    cors_inherit_defaults: ClassVar[bool] = True

    def get_request_config(self, request: web.Request, request_method: str) -> Mapping[Any, Any]:
        """The config mappings that apply to *request_method*, most specific first
        (aiohttp-cors 0.8.1 API, kept for code that inspects it)."""
        try:
            cors = request.app[APP_CONFIG_KEY]
        except (KeyError, TypeError):
            raise ValueError(
                "CORS is not configured for this application: call aiohttp_cors.setup(app)"
            ) from None
        layers: list[Any] = []
        attached = handler_config(getattr(self, request_method.lower(), None))
        if attached is not None:
            layers.append(attached.config)
        if self.cors_config is not None:
            layers.append(self.cors_config)
        if cors.defaults is not None and self.cors_inherit_defaults:
            layers.append(cors.defaults)
        return collections.ChainMap(*layers)

    async def options(self) -> web.StreamResponse:
        """Answer OPTIONS: a preflight gets the CORS verdict for this view; anything else
        gets the same 403 explanations as aiohttp-cors 0.8.1."""
        request: web.Request = self.request  # type: ignore[attr-defined]
        # The innermost configuration: the view's own app's, or that of an app above it.
        cors = (
            innermost(request.match_info.apps, APP_CONFIG_KEY)
            if isinstance(request, web.BaseRequest)
            else request.app.get(APP_CONFIG_KEY)
        )
        if cors is None:
            raise PreflightRefused(text=NOT_CONFIGURED_TEXT)
        answer = await settle(
            request,
            ask_preflight(request, cors.view_policy(request, type(self))),
            cors.hooks.refusals,
        )
        if answer.refusal is not None:
            # 0.8.1 raised HTTPForbidden here; code may catch it.
            raise PreflightRefused(text=answer.refusal, headers=refusal_headers(answer))
        return preflight_response(answer)

    setattr(options, PREFLIGHT_METHOD_ATTRIBUTE, True)
