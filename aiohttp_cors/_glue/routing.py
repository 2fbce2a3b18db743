"""aiohttp's routing shapes, as the CORS configuration sees them: which resources are plain
or sub-applications, which handlers are class-based views and the methods they serve, the
application tree below an app, and app-wide mode's path scope (``all_routes``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from aiohttp import hdrs, web
from aiohttp.abc import AbstractView
from aiohttp.web_urldispatcher import MatchedSubAppResource, PrefixedSubAppResource

from .decorators import is_preflight_method

#: A request handler, as aiohttp calls it.
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SUBAPP_RESOURCES: Final = (PrefixedSubAppResource, MatchedSubAppResource)
PLAIN_RESOURCES: Final = (web.PlainResource, web.DynamicResource, web.StaticResource)


def view_class(handler: object) -> type[web.View] | None:
    """The class-based view a route serves, if its handler is one."""
    if isinstance(handler, type) and issubclass(handler, AbstractView):
        return handler  # type: ignore[return-value]
    return None


def view_methods(view: type[AbstractView]) -> list[str]:
    """The methods a view serves (the mixin's own preflight answer not counted)."""
    return [
        method
        for method in sorted(hdrs.METH_ALL)
        if (attribute := getattr(view, method.lower(), None)) is not None
        and not is_preflight_method(attribute)
    ]


def describe_route(method: str, resource: web.AbstractResource | None) -> str:
    where = resource.canonical if resource is not None else "?"
    return f"route '{method} {where}'"


def app_tree(
    app: web.Application, descend: Callable[[web.Application], bool] = lambda subapp: True
) -> Iterator[web.Application]:
    """*app* and the sub-applications below it (prefixed or by domain), leaving out each
    one for which *descend* is false, with what lies below it."""
    apps = [app]
    while apps:
        current = apps.pop()
        yield current
        for resource in current.router.resources():
            if isinstance(resource, SUBAPP_RESOURCES):
                subapp: web.Application = resource.get_info()["app"]
                if descend(subapp):
                    apps.append(subapp)


@dataclass(frozen=True)
class AppScope:
    """Where app-wide mode (``setup(app, all_routes=...)``) enables CORS: nowhere, or
    under path prefixes (``"/"`` for the whole app), segment by segment."""

    prefixes: tuple[str, ...] = ()
    #: The prefixes may lie under any mount path (where the application is mounted is not
    #: known yet): what is compiled at start, so that every path that may be in scope has
    #: its OPTIONS route before the first request shows the mount path.
    floating: bool = False

    @classmethod
    def parse(cls, all_routes: object) -> AppScope:
        if all_routes is True:
            return cls(("/",))
        if all_routes is False or all_routes is None:
            return cls()
        given = [all_routes] if isinstance(all_routes, str) else all_routes
        if not isinstance(given, Iterable) or isinstance(given, (bytes, Mapping)):
            raise TypeError(
                f"all_routes must be True, False, a path prefix or a sequence of them, "
                f"got {all_routes!r}"
            )
        prefixes = []
        for prefix in given:
            if not isinstance(prefix, str) or not prefix.startswith("/"):
                raise ValueError(
                    f"all_routes holds {prefix!r}: a path prefix starts with '/', such as '/api'"
                )
            if "{" in prefix or "?" in prefix or "#" in prefix:
                raise ValueError(
                    f"all_routes holds {prefix!r}: a path prefix is a plain path, without "
                    "'{...}' placeholders, query or fragment"
                )
            prefixes.append(prefix.rstrip("/") or "/")
        if not prefixes:
            raise ValueError("all_routes is an empty sequence: give at least one path prefix")
        return cls(tuple(dict.fromkeys(prefixes)))

    @property
    def enabled(self) -> bool:
        return bool(self.prefixes)

    @property
    def depends_on_mount(self) -> bool:
        """Whether where the app is mounted changes what the scope covers: the prefixes
        are relative to the application, and a sub-application's routes carry the path
        it is mounted at (``"/"`` covers everything wherever it is)."""
        return self.enabled and self.prefixes != ("/",)

    def anywhere(self) -> AppScope:
        """This scope under any mount path: a superset of the scope once mounted."""
        return AppScope(self.prefixes, floating=self.depends_on_mount)

    def under(self, mount_prefix: str) -> AppScope:
        """This scope for an application mounted at *mount_prefix* (``""``: not mounted,
        or mounted by domain), in the full paths its routes have there."""
        if not mount_prefix:
            return self
        return AppScope(
            tuple(
                mount_prefix if prefix == "/" else mount_prefix + prefix for prefix in self.prefixes
            )
        )

    def covers(self, path: str) -> bool:
        """Whether *path* (a route's path pattern, or a request's path) is the prefix or
        lies under it: ``"/api"`` covers ``/api`` and ``/api/x``, not ``/apix``."""
        for prefix in self.prefixes:
            if prefix == "/" or path == prefix or path.startswith(prefix + "/"):
                return True
        if self.floating:
            slash = path.find("/", 1)
            while slash != -1:
                if AppScope(self.prefixes).covers(path[slash:]):
                    return True
                slash = path.find("/", slash + 1)
        return False


def ensure_options_route(group: Sequence[web.AbstractResource], handler: Handler) -> bool:
    """Make OPTIONS requests to the path of *group* (its resources) reach *handler*, the
    plugin's preflight answer.

    Returns False when another handler already takes OPTIONS there (a '*' route, a
    view, the user's own OPTIONS route, which keeps non-preflight OPTIONS requests);
    preflights must then be caught by the middleware.
    """
    for resource in group:
        for route in resource:
            if route.method in (hdrs.METH_OPTIONS, hdrs.METH_ANY):
                return route.handler == handler
    first = group[0]
    if isinstance(first, web.StaticResource):
        first.set_options_route(handler)
    elif isinstance(first, web.Resource):
        first.add_route(hdrs.METH_OPTIONS, handler)
    else:
        return False
    return True
