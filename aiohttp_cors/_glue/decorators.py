"""Per-handler configuration: ``@custom_cors({...})`` and ``@cors_exempt``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

#: Attribute holding a handler's own CORS config (any handler: function or view method).
CONFIG_ATTRIBUTE: Final = "__aiohttp_cors_config__"
#: Attribute marking a handler or view excluded from app-wide CORS.
EXEMPT_ATTRIBUTE: Final = "__aiohttp_cors_exempt__"

_Handler = TypeVar("_Handler", bound=Callable[..., Any])
_Target = TypeVar("_Target")


def custom_cors(config: Mapping[Any, Any]) -> Callable[[_Handler], _Handler]:
    """Give one handler (a function, or a method of a ``CorsViewMixin`` view) its own CORS
    config, looked up before the route's, the resource's and the ``defaults``.

    The config is validated when the route is registered (``cors.add``, or app start in
    app-wide mode), so errors name the route.
    """

    def wrapper(handler: _Handler) -> _Handler:
        setattr(handler, CONFIG_ATTRIBUTE, config)
        # aiohttp-cors 0.8.1 kept it under "<method>_cors_config"; code may look for it.
        setattr(handler, f"{handler.__name__}_cors_config", config)
        return handler

    return wrapper


def cors_exempt(target: _Target) -> _Target:
    """Leave a handler, or a whole ``web.View`` class, out of app-wide CORS
    (``setup(app, all_routes=True)``).  Its responses get no CORS headers and preflights
    to it are not answered by the plugin."""
    setattr(target, EXEMPT_ATTRIBUTE, True)
    return target


def handler_config(handler: object) -> Mapping[Any, Any] | None:
    config = getattr(handler, CONFIG_ATTRIBUTE, None)
    return config if config is not None else None


def is_exempt(handler: object) -> bool:
    return getattr(handler, EXEMPT_ATTRIBUTE, False) is True
