"""``CorsViewMixin``: CORS for class-based views (``web.View``)."""

from __future__ import annotations

import collections
from collections.abc import Mapping
from typing import Any, ClassVar

from aiohttp import web

from .decorators import handler_config


class CorsViewMixin:
    """Mix into a ``web.View`` to configure CORS per view and per method.

    The config chain of a method is: the method's ``@custom_cors({...})``, then the class
    attribute ``cors_config``, then the config given to ``cors.add``, then ``defaults``.
    """

    cors_config: ClassVar[Mapping[Any, Any] | None] = None

    def get_request_config(self, request: web.Request, request_method: str) -> Mapping[Any, Any]:
        """The config mappings that apply to *request_method*, most specific first
        (aiohttp-cors 0.8.1 API, kept for code that inspects it)."""
        from .config import APP_CONFIG_KEY

        try:
            cors = request.app[APP_CONFIG_KEY]
        except (KeyError, TypeError):
            raise ValueError(
                "CORS is not configured for this application: call aiohttp_cors.setup(app)"
            ) from None
        method = getattr(self, request_method.lower(), None)
        layers: list[Any] = []
        method_config = handler_config(method)
        if method_config is not None:
            layers.append(method_config)
        if self.cors_config is not None:
            layers.append(self.cors_config)
        if cors.defaults is not None:
            layers.append(cors.defaults)
        return collections.ChainMap(*layers)

    async def options(self) -> web.StreamResponse:
        """Answer OPTIONS: a preflight gets the CORS verdict for this view; anything else
        gets the same 403 explanations as aiohttp-cors 0.8.1."""
        from .config import APP_CONFIG_KEY
        from .preflight import PreflightRefused, answer_preflight

        request: web.Request = self.request  # type: ignore[attr-defined]
        cors = request.app.get(APP_CONFIG_KEY)
        if cors is None and isinstance(request, web.BaseRequest):
            # A view in a sub-application of the app that called setup().
            cors = request.config_dict.get(APP_CONFIG_KEY)
        if cors is None:
            raise PreflightRefused(text="CORS preflight request failed: CORS is not configured")
        policy = cors._view_policy(request, type(self))
        response = await answer_preflight(request, policy)
        if response.status == 403:
            refused = PreflightRefused(text=response.text)
            refused.headers.extend(
                (name, value) for name, value in response.headers.items() if name == "Vary"
            )
            raise refused
        return response
