"""``python -m aiohttp_cors routes MODULE:ATTR``: the CORS surface of an application, as a
table or JSON, and a gate comparing it with a baseline.

The application is loaded as ``python -m aiohttp.web`` loads it: ATTR is an Application,
or a function (sync or async) returning one; a function that takes an argument gets the
command line's remaining arguments, as a list.  The surface is what
``CorsConfig.describe()`` returns for every configuration in the application's tree.

The gate: a **widening** is anything that lets some site do more than the baseline said:
a new path or method open to some origin, a new origin entry, credentials turned on, a
new method, request header or exposed header (or ``"*"`` where names were listed),
Private Network Access turned on, or a WebSocket route open to more origins.  A longer
``max_age`` is not a widening (it changes for how long a browser remembers a grant, not
what is granted): it is reported as a change, like ``send_wildcard``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiohttp import web

from aiohttp_cors import APP_CONFIG_KEY, CorsSurface, OriginEntry, RouteSurface

#: How open each WebSocket check is (see ``RouteSurface.websocket``).
_WEBSOCKET_OPENNESS = {None: -1, "listed": 0, "listed+null": 1, "any": 2, "unchecked": 3}


class RoutesError(Exception):
    """The application or the baseline could not be loaded; the message says why."""


# --- loading the application ------------------------------------------------------------------


def _takes_argument(factory: Any) -> bool:
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        parameter.kind
        in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.VAR_POSITIONAL,
        )
        for parameter in parameters
    )


async def load_app(target: str, argv: Sequence[str] = ()) -> web.Application:
    """The application *target* (``MODULE:ATTR``) names, made by its factory if it is one."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise RoutesError(
            f"{target!r} is not MODULE:ATTR (for example myapp.main:create_app or myapp.main:app)"
        )
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # as 'python -m' would, for a module next to you
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RoutesError(f"cannot import module {module_name!r}: {exc}") from None
    except Exception as exc:  # the module's own code failed: say so, without a traceback
        raise RoutesError(f"importing module {module_name!r} raised {exc!r}") from None
    found: Any = module
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise RoutesError(f"module {module_name!r} has no attribute {attribute!r}") from None
    if isinstance(found, web.Application):
        if argv:
            raise RoutesError(
                f"{target} is an Application: it takes no arguments, got {list(argv)}"
            )
        return found
    if not callable(found):
        raise RoutesError(
            f"{target} is {type(found).__name__}, not an aiohttp Application or a function "
            "returning one"
        )
    if not _takes_argument(found) and argv:
        raise RoutesError(
            f"{target} takes no argument: it cannot be given the extra arguments {list(argv)}"
        )
    try:
        made = found(list(argv)) if _takes_argument(found) else found()
        if inspect.isawaitable(made):
            made = await made
    except (Exception, SystemExit) as exc:  # argparse in a factory exits on bad arguments
        raise RoutesError(f"{target} raised {exc!r} while building the application") from None
    if not isinstance(made, web.Application):
        raise RoutesError(f"{target} returned {type(made).__name__}, not an aiohttp Application")
    return made


def surface_of(app: web.Application) -> CorsSurface:
    """The surface of every CORS configuration in *app*'s tree (each configuration's
    ``describe()`` covers the sub-applications below it)."""
    rows: list[RouteSurface] = []
    configured = False
    stack = [app]
    while stack:
        current = stack.pop()
        cors = current.get(APP_CONFIG_KEY)
        if cors is not None:
            configured = True
            rows.extend(cors.describe())
            continue  # its description covers the sub-applications below it
        for resource in current.router.resources():
            subapp = resource.get_info().get("app")
            if isinstance(subapp, web.Application):
                stack.append(subapp)
    if not configured:
        raise RoutesError(
            "the application has no CORS configuration: aiohttp_cors.setup(app) was called "
            "for neither it nor a sub-application"
        )
    rows.sort(key=lambda row: (row.path, row.app, row.method == "*", row.method))
    return CorsSurface(tuple(rows))


# --- the table ------------------------------------------------------------------------------

_COLUMNS = (
    "APP",
    "PATH",
    "METHOD",
    "ORIGIN",
    "KIND",
    "CREDENTIALS",
    "METHODS",
    "HEADERS",
    "EXPOSED",
    "MAX-AGE",
    "WEBSOCKET",
)


def _names(value: Sequence[str] | str) -> str:
    if value == "*":
        return "*"
    return ",".join(value) or "-"


def _row_cells(route: RouteSurface, entry: OriginEntry | None) -> list[str]:
    websocket = route.websocket or ""
    head = [route.app, route.path, route.method]
    if entry is None:
        what = "(exempt)" if route.exempt else "(no origin)"
        return [*head, what, "", "", "", "", "", "", websocket]
    return [
        *head,
        entry.origin,
        entry.kind,
        "yes" if entry.credentials else "no",
        _names(entry.allow_methods),
        _names(entry.allow_headers),
        _names(entry.expose_headers),
        "-" if entry.max_age is None else str(entry.max_age),
        websocket,
    ]


def format_table(surface: CorsSurface) -> str:
    """One line per path, method and origin entry, in aligned columns."""
    lines = [list(_COLUMNS)]
    for route in surface:
        entries: Iterable[OriginEntry | None] = route.origins or [None]
        lines.extend(_row_cells(route, entry) for entry in entries)
    widths = [max(len(line[column]) for line in lines) for column in range(len(_COLUMNS))]
    text = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    count = len(surface)
    text.append(f"{count} route{'s' if count != 1 else ''} (path x method) with CORS")
    return "\n".join(text) + "\n"


# --- the baseline gate ------------------------------------------------------------------------

ChangeKind = Literal["widened", "narrowed", "changed"]


@dataclass
class Comparison:
    """How the current surface differs from a baseline."""

    widened: list[str] = field(default_factory=list)
    narrowed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def add(self, kind: ChangeKind, line: str) -> None:
        getattr(self, kind).append(line)

    def to_json(self) -> dict[str, list[str]]:
        return {"widened": self.widened, "narrowed": self.narrowed, "changed": self.changed}

    def format(self) -> str:
        lines = [f"widened: {line}" for line in self.widened]
        lines += [f"narrowed: {line}" for line in self.narrowed]
        lines += [f"changed: {line}" for line in self.changed]
        if self.widened:
            lines.append(
                f"the CORS surface widened ({len(self.widened)} widening(s)): review them, "
                "then write the baseline again with --write-baseline"
            )
        elif self.narrowed or self.changed:
            lines.append("the CORS surface did not widen")
        else:
            lines.append("the CORS surface is the same as the baseline")
        return "\n".join(lines) + "\n"


def _label(route: RouteSurface) -> str:
    app = "" if route.app == "/" else f" (app {route.app})"
    return f"{route.method} {route.path}{app}"


def _entry_label(entry: OriginEntry) -> str:
    return f"origin {entry.origin!r} ({entry.kind})"


def _grants(entry: OriginEntry) -> str:
    credentials = ", with credentials" if entry.credentials else ""
    return f"{_entry_label(entry)}{credentials}"


def _compare_names(
    comparison: Comparison,
    where: str,
    what: str,
    before: Sequence[str] | str,
    after: Sequence[str] | str,
) -> None:
    if before == after:
        return
    if after == "*":
        comparison.add("widened", f"{where}: {what} now '*' (any), was {_names(before)}")
        return
    if before == "*":
        comparison.add("narrowed", f"{where}: {what} now {_names(after)}, was '*' (any)")
        return
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    if added:
        comparison.add("widened", f"{where}: {what} added: {', '.join(added)}")
    if removed:
        comparison.add("narrowed", f"{where}: {what} removed: {', '.join(removed)}")


def _compare_entries(
    comparison: Comparison, where: str, before: OriginEntry, after: OriginEntry
) -> None:
    at = f"{where}, {_entry_label(after)}"
    if after.credentials != before.credentials:
        comparison.add(
            "widened" if after.credentials else "narrowed",
            f"{at}: credentials turned {'on' if after.credentials else 'off'}",
        )
    _compare_names(comparison, at, "methods", before.allow_methods, after.allow_methods)
    _compare_names(comparison, at, "request headers", before.allow_headers, after.allow_headers)
    _compare_names(comparison, at, "exposed headers", before.expose_headers, after.expose_headers)
    if after.private_network != before.private_network:
        comparison.add(
            "widened" if after.private_network else "narrowed",
            f"{at}: Private Network Access turned {'on' if after.private_network else 'off'}",
        )
    if after.max_age != before.max_age:
        comparison.add("changed", f"{at}: max_age {before.max_age} -> {after.max_age}")
    if after.send_wildcard != before.send_wildcard:
        comparison.add(
            "changed", f"{at}: send_wildcard {before.send_wildcard} -> {after.send_wildcard}"
        )


def _compare_websocket(
    comparison: Comparison, where: str, before: str | None, after: str | None
) -> None:
    if before == after or after is None or before is None:
        return
    kind: ChangeKind = (
        "widened" if _WEBSOCKET_OPENNESS[after] > _WEBSOCKET_OPENNESS[before] else "narrowed"
    )
    comparison.add(kind, f"{where}: WebSocket handshakes from {after} origins, was {before}")


def compare(baseline: CorsSurface, current: CorsSurface) -> Comparison:
    """Every widening, narrowing and other change from *baseline* to *current*."""
    comparison = Comparison()
    old = {route.key: route for route in baseline}
    new = {route.key: route for route in current}
    for key, route in new.items():
        where = _label(route)
        before = old.get(key)
        if before is None:
            if route.origins:
                opened = "; ".join(_grants(entry) for entry in route.origins)
                comparison.add("widened", f"{where}: new route open to {opened}")
            if route.websocket in ("any", "unchecked"):
                comparison.add(
                    "widened",
                    f"{where}: new route, WebSocket handshakes from {route.websocket} origins",
                )
            continue
        old_entries = {(entry.origin, entry.kind): entry for entry in before.origins}
        for entry in route.origins:
            previous = old_entries.pop((entry.origin, entry.kind), None)
            if previous is None:
                comparison.add("widened", f"{where}: {_grants(entry)} added")
            else:
                _compare_entries(comparison, where, previous, entry)
        for entry in old_entries.values():
            comparison.add("narrowed", f"{where}: {_entry_label(entry)} removed")
        _compare_websocket(comparison, where, before.websocket, route.websocket)
    for key, route in old.items():
        if key not in new:
            comparison.add("narrowed", f"{_label(route)}: route no longer has CORS")
    return comparison


def read_baseline(path: str) -> CorsSurface:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RoutesError(f"cannot read the baseline {path!r}: {exc.strerror or exc}") from None
    try:
        return CorsSurface.from_json(json.loads(text))
    except ValueError as exc:  # json.JSONDecodeError is one
        raise RoutesError(f"the baseline {path!r} is not usable: {exc}") from None


def write_baseline(path: str, surface: CorsSurface) -> None:
    try:
        Path(path).write_text(dump(surface), encoding="utf-8")
    except OSError as exc:
        raise RoutesError(f"cannot write the baseline {path!r}: {exc.strerror or exc}") from None


def dump(surface: CorsSurface) -> str:
    return json.dumps(surface.to_json(), indent=2) + "\n"


async def describe_target(target: str, argv: Sequence[str]) -> CorsSurface:
    """Load the application and describe it, on one event loop (a factory may need it)."""
    app = await load_app(target, argv)
    return surface_of(app)
