"""The configs handlers and views carry (``@custom_cors``, a view's ``cors_config`` and
``cors_inherit_defaults``) as layers of a config chain, validated where the route is added
so that errors name it, and found parsed again when the app starts.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractView

from .._core.errors import ProblemCollector
from .._core.parsing import ConfigParser, Layer
from .decorators import handler_config
from .routing import (
    describe_route,
    view_methods,
)


def handler_layer(
    parser: ConfigParser,
    handler: object,
    method: str,
    resource: web.AbstractResource | None,
    problems: ProblemCollector,
) -> Layer | None:
    """The layer a handler's ``@custom_cors`` adds to its chain, if any (problems name
    the route *method* of *resource*)."""
    attached = handler_config(handler)
    if attached is None:
        return None
    where = describe_route(method, resource)
    parsed = parser.parse_once(attached, attached.config, where, problems)
    return parser.layer(parsed, attached.inherit_defaults)


def view_layer(
    parser: ConfigParser,
    view: type[AbstractView],
    method: str,
    resource: web.AbstractResource | None,
    problems: ProblemCollector,
) -> Layer | None:
    """The layer a view's ``cors_config`` (and ``cors_inherit_defaults``) adds, if any."""
    config = getattr(view, "cors_config", None)
    inherit = getattr(view, "cors_inherit_defaults", True) is not False
    if config is None and inherit:
        return None
    where = describe_route(method, resource)
    return parser.layer(parser.parse_once(view, config, where, problems), inherit)


def check_handler(
    parser: ConfigParser,
    route: web.AbstractRoute,
    view: type[AbstractView] | None,
    problems: ProblemCollector,
) -> None:
    """Validate the configs a route's handler carries (``@custom_cors``, or a view's
    ``cors_config`` and methods) when the route is added, so that errors name it; the
    compiler finds them parsed when the app starts."""
    if view is None:
        handler_layer(parser, route.handler, route.method, route.resource, problems)
        return
    view_layer(parser, view, route.method, route.resource, problems)
    for method in view_methods(view):
        handler = getattr(view, method.lower(), None)
        handler_layer(parser, handler, method, route.resource, problems)
