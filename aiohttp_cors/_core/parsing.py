"""Validating users' config mappings: origin keys, options, security review.

A config maps origin keys to ``ResourceOptions`` (or mappings of their keywords).  Every
problem of one configuration call is collected, so a ``CorsConfigError`` lists them all.
Insecure entries raise a ``CorsSecurityWarning``, or are refused in strict mode.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from .errors import CorsConfigError, ProblemCollector, warn_security
from .options import ResourceOptions, options_from
from .origins import AnyOrigin, OriginKeyError, OriginSpec, describe_key, parse_origin_key
from .review import Concern, review
from .table import ParsedConfig


class Layer(NamedTuple):
    """One layer of a config chain (a handler's, a view's, a route's, a resource's)."""

    config: ParsedConfig
    #: Whether the layers below it (resource config, defaults) still apply.
    inherit_defaults: bool


_NOT_PARSED: Final = object()
#: Codes of problems whose text is 0.8.1's, word for word: reported without a location.
_AS_0_8_1_WROTE: Final = frozenset({"options-keyword", "options-type"})


@dataclass(eq=False)
class _Entry:
    """One distinct (origin key, options) entry, validated and reviewed."""

    spec: OriginSpec
    concerns: tuple[Concern, ...]
    #: Its concerns were warned about already (on the first route that used it): an
    #: entry repeated on ten thousand routes is one problem, said once.
    warned: bool = False


def _not_a_mapping(config: object) -> str:
    """0.8.1's text for a config that is not a mapping, and for a list of origins (what
    Starlette and django-cors-headers users write first) the mapping to write instead."""
    message = f"Config must be mapping, got '{config}'"
    if not isinstance(config, (list, tuple, set, frozenset)):
        return message
    origins = sorted(config, key=str) if isinstance(config, (set, frozenset)) else list(config)
    if not origins or not all(isinstance(origin, str) for origin in origins):
        return (
            f"{message}: a config maps each origin to its options, e.g. "
            '{"https://app.example.com": ResourceOptions()}'
        )
    entries = ", ".join(f"{_double_quoted(origin)}: ResourceOptions()" for origin in origins)
    return (
        f"{message}: a config maps each origin to its options, not a list of origins; "
        f"write {{{entries}}} (with the options each origin needs)"
    )


def _double_quoted(text: str) -> str:
    """A Python string literal in double quotes, as the documentation writes origins."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        return f'"{literal[1:-1]}"'
    return literal


class ConfigParser:
    """Validates configs for one ``CorsConfig``; remembers what it has seen, so that ten
    thousand routes sharing a config cost one validation and one copy of it."""

    def __init__(self, *, strict: bool) -> None:
        self._strict = strict
        # (origin key, options) -> (spec, security concerns): each distinct entry is
        # validated and reviewed once.
        self._entries: dict[tuple[object, ResourceOptions], _Entry] = {}
        # Configs met again while compiling (a handler's @custom_cors, a view's
        # cors_config), by what carries them; and equal results, shared.
        self._by_source: dict[Hashable, ParsedConfig] = {}
        self._interned: dict[ParsedConfig, ParsedConfig] = {}
        # Each interned config as a layer, inheriting or not: one object per distinct
        # config, however many routes it is given to.
        self._layers: dict[tuple[ParsedConfig, bool], Layer] = {}

    def parse(self, config: object, where: str, problems: ProblemCollector) -> ParsedConfig:
        """Validate one config mapping; collect its problems; warn about unsafe entries."""
        if config is None:
            return ()
        if type(config) is not dict and not isinstance(config, Mapping):
            if isinstance(config, (list, tuple, set, frozenset)):
                problems.add(_not_a_mapping(config), code="config-list")
            else:
                problems.add(_not_a_mapping(config), code="config-not-mapping")
            return ()
        parsed = [
            entry
            for key, value in config.items()
            if (entry := self._entry(key, value, where, problems)) is not None
        ]
        result = tuple(parsed)
        return self._interned.setdefault(result, result)

    def layer(self, parsed: ParsedConfig, inherit_defaults: bool) -> Layer:
        """*parsed* (a result of :meth:`parse`) as a layer of a config chain, shared."""
        layer = Layer(parsed, inherit_defaults)
        return self._layers.setdefault(layer, layer)

    def parse_once(
        self, source: Hashable, config: object, where: str, problems: ProblemCollector
    ) -> ParsedConfig:
        """``parse``, once per *source* (the object carrying the config): the compiler
        meets the same handler and view configs on many routes."""
        parsed = self._by_source.get(source, _NOT_PARSED)
        if parsed is not _NOT_PARSED:
            return parsed  # type: ignore[return-value]
        before = len(problems.problems)
        result = self.parse(config, where, problems)
        if len(problems.problems) == before:
            self._by_source[source] = result
        return result

    def _entry(
        self, key: object, value: object, where: str, problems: ProblemCollector
    ) -> tuple[OriginSpec, ResourceOptions] | None:
        # Keys that are strings or patterns compare by value, so equal entries meet again;
        # a callable is the same entry wherever it is given (reviewed and warned once).
        by_value = key if isinstance(key, (str, re.Pattern)) or _is_hashable_callable(key) else None
        if by_value is not None and isinstance(value, ResourceOptions):
            known = self._entries.get((by_value, value))
            if known is not None:
                self._report(known, where, key, problems)
                return known.spec, value
        try:
            spec = parse_origin_key(key)
        except OriginKeyError as exc:
            problems.add(str(exc), code="origin-key-invalid", where=where)
            return None
        except ValueError as exc:  # 0.8.1's texts for keys of a wrong type
            problems.add(str(exc), code="origin-key-type")
            return None
        try:
            options = options_from(value)
        except CorsConfigError as exc:
            located = f"{where}, origin {describe_key(key)}"
            problems.problems.extend(
                # 0.8.1's texts about the value itself stay as 0.8.1 wrote them.
                problem if problem.code in _AS_0_8_1_WROTE else problem.located(located)
                for problem in exc.problems
            )
            return None
        if options.send_wildcard and not isinstance(spec, AnyOrigin):
            problems.add(
                "send_wildcard=True is only valid under the '*' origin key (it answers every "
                "origin with '*')",
                code="send-wildcard-key",
                where=f"{where}, origin {describe_key(key)}",
            )
            return None
        entry = None if by_value is None else self._entries.get((by_value, options))
        if entry is None:
            entry = _Entry(spec, tuple(review(spec, options)))
            if by_value is not None:
                self._entries[(by_value, options)] = entry
        self._report(entry, where, key, problems)
        return spec, options

    def _report(self, entry: _Entry, where: str, key: object, problems: ProblemCollector) -> None:
        """Refuse insecure entries in strict mode; else warn, once per distinct entry."""
        if not entry.concerns or (entry.warned and not self._strict):
            return
        for concern in entry.concerns:
            located = f"{where}, origin {describe_key(key)}"
            if self._strict:
                problems.add(
                    f"{concern.message} (refused by strict mode)", code=concern.code, where=located
                )
            else:
                warn_security(concern.message, code=concern.code, where=located)
        entry.warned = True


def _is_hashable_callable(key: object) -> bool:
    if not callable(key):
        return False
    try:
        hash(key)
    except TypeError:
        return False
    return True


def parse_layer(
    parser: ConfigParser,
    config: Mapping[Any, Any] | None,
    inherit_defaults: bool,
    where: str,
    problems: ProblemCollector,
) -> Layer | None:
    """A config given to ``cors.add`` as a layer of the chain, or None without one.

    ``inherit_defaults=False`` without a config is a layer too, an empty one that stops
    the chain: it closes the route (no origin admitted, unless the handler's own
    ``@custom_cors`` admits some), rather than silently keeping the defaults."""
    if config is None:
        return None if inherit_defaults else parser.layer((), False)
    return parser.layer(parser.parse(config, where, problems), inherit_defaults)
