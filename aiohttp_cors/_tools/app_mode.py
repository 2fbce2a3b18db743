"""How an application configures CORS for one route, read from public information only.

:mod:`aiohttp_cors.testing` has the application under test, so the doctor's fixes can be
written the way that application writes its configuration: in the handler's
``@custom_cors({...})``, in ``setup(app, defaults=..., all_routes=...)``, or in the config of
``cors.add(route, {...})``.  The tools share no decision with the plugin, so this reads only
what any user's code can read: the router's public resolution of a path, the attribute
``custom_cors`` leaves on a handler under aiohttp-cors 0.8.1's name (``<name>_cors_config``),
and the ``CorsConfig`` that ``setup`` stores under ``APP_CONFIG_KEY``.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from aiohttp_cors import APP_CONFIG_KEY

from .advice import ConfigMode


def _has_custom_cors(handler: object, method: str) -> bool:
    """Whether ``@custom_cors`` decorates the handler serving *method* (a function, or the
    method of a class-based view)."""
    if isinstance(handler, type) and issubclass(handler, web.View):
        handler = getattr(handler, method.lower(), None)
    name = getattr(handler, "__name__", None)
    return isinstance(name, str) and hasattr(handler, f"{name}_cors_config")


def _covers(all_routes: object, path: str) -> bool:
    """Whether app-wide mode (``all_routes``) covers *path*, path segment by segment."""
    if all_routes is True:
        return True
    if isinstance(all_routes, str):
        prefixes: Sequence[object] = [all_routes]
    elif isinstance(all_routes, Sequence):
        prefixes = all_routes
    else:
        return False
    for prefix in prefixes:
        if isinstance(prefix, str):
            stem = prefix.rstrip("/")
            if path == stem or path.startswith(stem + "/"):
                return True
    return False


async def config_mode(app: web.Application, method: str, path: str) -> ConfigMode:
    """How *app* configures CORS for the route that serves *method* on *path*."""
    request = make_mocked_request(method.upper(), path, app=app)
    match_info = await app.router.resolve(request)
    if match_info.http_exception is None and _has_custom_cors(match_info.handler, method):
        return "decorator"
    # The innermost application with its own setup decides for the routes under it.
    configured = [a for a in (app, *match_info.apps) if APP_CONFIG_KEY in a]
    if not configured:
        return "unknown"
    cors = configured[-1][APP_CONFIG_KEY]
    return "app-wide" if _covers(cors.all_routes, path) else "cors.add"
