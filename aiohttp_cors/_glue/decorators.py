"""Per-handler configuration: ``@custom_cors({...})`` and ``@cors_exempt``, and the marks
the routing compiler reads on handlers and views."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, TypeVar

#: Attribute holding a handler's own CORS config (any handler: function or view method).
CONFIG_ATTRIBUTE: Final = "__aiohttp_cors_config__"
#: Attribute marking a handler or view excluded from CORS.
EXEMPT_ATTRIBUTE: Final = "__aiohttp_cors_exempt__"
#: Attribute marking ``CorsViewMixin.options``, which answers preflights and is not a
#: method the view serves.
PREFLIGHT_METHOD_ATTRIBUTE: Final = "__aiohttp_cors_preflight__"
#: Attribute marking ``CorsViewMixin.get_request_config`` itself: a view whose
#: ``get_request_config`` lacks it overrides the method and decides per request.
REQUEST_CONFIG_DEFAULT_ATTRIBUTE: Final = "__aiohttp_cors_request_config__"

_Handler = TypeVar("_Handler", bound=Callable[..., Any])
_Target = TypeVar("_Target")


@dataclass(frozen=True, eq=False)
class HandlerConfig:
    """What ``@custom_cors`` attached to a handler.  Compared by identity: the compiler
    validates each one once, however many routes serve the handler."""

    config: Mapping[Any, Any]
    inherit_defaults: bool


def custom_cors(
    config: Mapping[Any, Any], *, inherit_defaults: bool = True
) -> Callable[[_Handler], _Handler]:
    """Give one handler (a function, or a method of a class-based view) its own CORS
    config, looked up before the route's, the resource's and the ``defaults``.

    With ``inherit_defaults=False`` the config *replaces* everything below it instead of
    being layered over it: origins it does not name are refused, whatever ``defaults``
    allow.  The config is validated when the route is registered (``cors.add``, or app
    start in app-wide mode), so errors name the route.
    """
    attached = HandlerConfig(config, inherit_defaults)

    def wrapper(handler: _Handler) -> _Handler:
        setattr(handler, CONFIG_ATTRIBUTE, attached)
        # aiohttp-cors 0.8.1 kept it under "<method>_cors_config"; code may look for it.
        setattr(handler, f"{handler.__name__}_cors_config", config)
        return handler

    return wrapper


def cors_exempt(target: _Target) -> _Target:
    """Leave a handler, or a whole ``web.View`` class, out of CORS: its responses get no
    CORS headers (and no ``Vary`` from the plugin), preflights for its method are
    refused, and WebSocket handshakes to it are not checked."""
    setattr(target, EXEMPT_ATTRIBUTE, True)
    return target


def handler_config(handler: object) -> HandlerConfig | None:
    """What ``@custom_cors`` attached to *handler*, if anything."""
    attached = getattr(handler, CONFIG_ATTRIBUTE, None)
    return attached if isinstance(attached, HandlerConfig) else None


def is_exempt(handler: object) -> bool:
    return getattr(handler, EXEMPT_ATTRIBUTE, False) is True


def is_preflight_method(attribute: object) -> bool:
    """Whether a view's method is the mixin's preflight answer, not a served method."""
    return getattr(attribute, PREFLIGHT_METHOD_ATTRIBUTE, False) is True
