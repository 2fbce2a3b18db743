"""Compiled CORS policy: per resource, origin -> precomputed answer; and the verdicts.

Configuration is compiled once into these structures.  At request time a verdict costs a
dictionary look-up or two and copying precomputed header values.  Nothing here knows
aiohttp: the glue hands in plain strings and writes out the header pairs returned.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, cast

from .headers import (
    ACAC,
    ACAH,
    ACAM,
    ACAO,
    ACAPN,
    ACEH,
    ACMA,
    ACRH,
    ACRM,
    NEVER_EXPOSED_RESPONSE_HEADERS,
    SAFELISTED_RESPONSE_HEADERS,
    VARY,
    RequestHeadersError,
    is_token,
    parse_request_headers,
    printable,
)
from .options import ResourceOptions
from .origins import (
    AnyOrigin,
    ExactOrigin,
    OriginSpec,
    PredicateOrigin,
    RegexOrigin,
    WildcardOrigin,
    is_sendable_origin,
    parse_request_origin,
)

logger: Final = logging.getLogger("aiohttp_cors")

#: Vary value of preflight answers: they echo the requested method and headers.
PREFLIGHT_VARY: Final = f"Origin, {ACRM}, {ACRH}"

HeaderPairs = tuple[tuple[str, str], ...]

_FAILED: Final = "CORS preflight request failed: "
NO_ORIGIN_TEXT: Final = _FAILED + "origin header is not specified in the request"
NO_METHOD_TEXT: Final = _FAILED + "'Access-Control-Request-Method' header is not specified"
NO_ORIGINS_TEXT: Final = _FAILED + "no origins are allowed"
# Browsers send one Origin; with several, which one a cache or proxy keys on is unknown,
# so none is trusted.
SEVERAL_ORIGINS_TEXT: Final = _FAILED + "the request has more than one Origin header"


@dataclass(frozen=True, slots=True)
class Rule:
    """``ResourceOptions`` compiled into ready-to-send header values."""

    options: ResourceOptions
    credentials: bool
    expose_all: bool
    allow_any_header: bool
    allowed_headers: frozenset[str]  # lower case
    private_network: bool
    preflight_extra: HeaderPairs  # ACAC and ACMA, as configured
    actual_extra: HeaderPairs  # ACAC and a fixed ACEH, as configured
    # Accepted preflights, keyed by what they asked: browsers repeat the same few
    # requests, so most preflights skip parsing and checking.  Bounded in size.
    accepted: dict[tuple[object, ...], HeaderPairs] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )


#: How many origin verdicts one table remembers, and the longest origin remembered.
DECIDED_CACHE_SIZE: Final = 256
DECIDED_ORIGIN_LENGTH: Final = 256
_UNDECIDED: Final = object()

#: How many distinct accepted preflights one rule remembers, and the longest requested
#: header list remembered: browsers send short ones, and the bound keeps what a client
#: can make one rule hold to about 512 entries of 512 characters.
ACCEPTED_CACHE_SIZE: Final = 512
ACCEPTED_HEADERS_LENGTH: Final = 512


@functools.lru_cache(maxsize=4096)
def compile_rule(options: ResourceOptions) -> Rule:
    """Precompute what *options* send; shared by every resource using equal options."""
    credentials = options.allow_credentials
    preflight: list[tuple[str, str]] = []
    actual: list[tuple[str, str]] = []
    if credentials:
        preflight.append((ACAC, "true"))
        actual.append((ACAC, "true"))
    if options.max_age is not None:
        preflight.append((ACMA, str(options.max_age)))
    expose_all = options.expose_headers == "*"
    if not expose_all and options.expose_headers:
        actual.append((ACEH, ",".join(sorted(options.expose_headers))))
    allow_any = options.allow_headers == "*"
    allowed = frozenset() if allow_any else frozenset(h.lower() for h in options.allow_headers)
    return Rule(
        options=options,
        credentials=credentials,
        expose_all=expose_all,
        allow_any_header=allow_any,
        allowed_headers=allowed,
        private_network=options.allow_private_network,
        preflight_extra=tuple(preflight),
        actual_extra=tuple(actual),
    )


# --- origin tables ---------------------------------------------------------------------


@dataclass(slots=True)
class _Ordered:
    order: int
    spec: RegexOrigin | PredicateOrigin
    rule: Rule


@dataclass(slots=True)
class OriginTable:
    """Which rule applies to which origin, for one method of one resource.

    Precedence: exact origins, then wildcards, regexes and callables in the order they
    were configured, then ``"*"``.  Layers given first (route) win over later ones
    (resource, defaults) within each of those groups.
    """

    exact: dict[str, Rule] = field(default_factory=dict)
    # (scheme, parent-or-host, is_subdomain) -> [(order, spec, rule)]
    wildcards: dict[tuple[str, str, bool], list[tuple[int, WildcardOrigin, Rule]]] = field(
        default_factory=dict
    )
    ordered: list[_Ordered] = field(default_factory=list)
    star: Rule | None = None
    has_async: bool = False
    has_patterns: bool = False
    has_predicates: bool = False
    empty: bool = True
    # Verdicts for origins that needed more than the exact look-up ("*", wildcards,
    # regexes): browsers repeat the same few origins, so most requests skip the
    # matching.  Never used with callables, whose answer may change.  Bounded.
    decided: dict[str, Rule | None] = field(default_factory=dict)

    @classmethod
    def build(cls, layers: Sequence[Sequence[tuple[OriginSpec, Rule]]]) -> OriginTable:
        table = cls()
        order = 0
        for layer in layers:
            for spec, rule in layer:
                table.empty = False
                order += 1
                if isinstance(spec, ExactOrigin):
                    table.exact.setdefault(spec.origin, rule)
                elif isinstance(spec, AnyOrigin):
                    if table.star is None:
                        table.star = rule
                elif isinstance(spec, WildcardOrigin):
                    subdomain = bool(spec.parent)
                    key = (spec.scheme, spec.parent if subdomain else spec.host, subdomain)
                    table.wildcards.setdefault(key, []).append((order, spec, rule))
                    table.has_patterns = True
                else:
                    table.ordered.append(_Ordered(order, spec, rule))
                    table.has_patterns = True
                    if isinstance(spec, PredicateOrigin):
                        table.has_predicates = True
                        table.has_async = table.has_async or spec.is_async
        return table

    def _wildcard_match(self, origin: str) -> tuple[int, Rule | None]:
        best_order, best_rule = 1 << 62, None
        if not self.wildcards:
            return best_order, best_rule
        parsed = parse_request_origin(origin)
        if parsed is None:
            return best_order, best_rule
        candidates = [(parsed.scheme, parsed.host, False)]
        host = parsed.host
        dot = host.find(".")
        while dot != -1:
            candidates.append((parsed.scheme, host[dot + 1 :], True))
            dot = host.find(".", dot + 1)
        for key in candidates:
            for order, spec, rule in self.wildcards.get(key, ()):
                if order < best_order and spec.matches(parsed):
                    best_order, best_rule = order, rule
        return best_order, best_rule

    def match(self, origin: str) -> Rule | None:
        """The rule for *origin*, for tables without async callables."""
        rule = self.exact.get(origin)
        if rule is not None:
            return rule
        if self.star is None and not self.has_patterns:
            return None
        if self.has_predicates:
            return self._match_patterns(origin)
        decided = self.decided.get(origin, _UNDECIDED)
        if decided is not _UNDECIDED:
            return decided  # type: ignore[return-value]
        rule = self._match_patterns(origin)
        if len(origin) <= DECIDED_ORIGIN_LENGTH:
            if len(self.decided) >= DECIDED_CACHE_SIZE:
                self.decided.clear()
            self.decided[origin] = rule
        return rule

    def _match_patterns(self, origin: str) -> Rule | None:
        if not is_sendable_origin(origin):
            return None
        if self.has_patterns:
            best_order, best_rule = self._wildcard_match(origin)
            for entry in self.ordered:
                if entry.order > best_order:
                    break
                if isinstance(entry.spec, RegexOrigin):
                    if entry.spec.matches(origin):
                        return entry.rule
                elif _call_predicate(entry.spec, origin):
                    return entry.rule
            if best_rule is not None:
                return best_rule
        return self.star

    async def match_async(self, origin: str) -> Rule | None:
        """The rule for *origin*, awaiting async callables where configured."""
        rule = self.exact.get(origin)
        if rule is not None:
            return rule
        if not is_sendable_origin(origin):
            return None
        best_order, best_rule = self._wildcard_match(origin)
        for entry in self.ordered:
            if entry.order > best_order:
                break
            spec = entry.spec
            if isinstance(spec, RegexOrigin):
                if spec.matches(origin):
                    return entry.rule
            elif spec.is_async:
                if await _await_predicate(spec, origin):
                    return entry.rule
            elif _call_predicate(spec, origin):
                return entry.rule
        if best_rule is not None:
            return best_rule
        return self.star


def _call_predicate(spec: PredicateOrigin, origin: str) -> bool:
    try:
        return spec.predicate(origin) is True
    except Exception:
        # A failing user callable refuses the origin; it must never turn into a 500.
        logger.exception("CORS origin callable %r raised for origin %r", spec.predicate, origin)
        return False


async def _await_predicate(spec: PredicateOrigin, origin: str) -> bool:
    try:
        result = await cast("Awaitable[bool]", spec.predicate(origin))
    except Exception:
        logger.exception("CORS origin callable %r raised for origin %r", spec.predicate, origin)
        return False
    return result is True


# --- resource policy -------------------------------------------------------------------


@dataclass(slots=True)
class ResourcePolicy:
    """Everything CORS needs to know about one resource (one URL path), compiled."""

    tables: dict[str, OriginTable]  # methods with a CORS-enabled route
    fallback: OriginTable  # resource-level config and defaults, for other methods
    any_table: OriginTable | None = None  # a '*' route takes every method

    def table_for(self, method: str) -> tuple[OriginTable, bool]:
        """The origin table for *method* and whether a CORS-enabled route serves it."""
        table = self.tables.get(method)
        if table is not None:
            return table, True
        if self.any_table is not None:
            return self.any_table, True
        return self.fallback, False


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refused preflight: the 0.8.1-compatible 403 text and a reason for the log."""

    text: str


def judge_preflight(
    *,
    origin: str,
    method: str,
    rule: Rule | None,
    routed: bool,
    table_empty: bool,
    request_headers: Sequence[str],
    private_network: bool,
) -> HeaderPairs | Refusal:
    """Decide a preflight whose origin rule has already been looked up.

    Returns the headers of the 200 answer, or a ``Refusal``.
    """
    if rule is not None:
        key = (method, routed, private_network, *request_headers)
        accepted = rule.accepted.get(key)
        if accepted is not None:
            return ((ACAO, origin), *accepted)
    shown = printable(origin)
    if not is_token(method):
        # Browsers send only method tokens; anything else is never echoed back.
        return Refusal(
            f"{_FAILED}'Access-Control-Request-Method' value {method[:64]!r} is not a method name"
        )
    if rule is None:
        if not routed:
            return Refusal(
                f"{_FAILED}request method {method!r} is not allowed for {shown!r} origin"
            )
        if table_empty:
            return Refusal(NO_ORIGINS_TEXT)
        return Refusal(f"{_FAILED}origin '{shown}' is not allowed")
    allowed_methods = rule.options.allow_methods
    if allowed_methods is None:
        method_ok = routed
    else:
        method_ok = allowed_methods == "*" or method in allowed_methods
    if not method_ok:
        return Refusal(f"{_FAILED}request method {method!r} is not allowed for {shown!r} origin")
    try:
        names = parse_request_headers(request_headers)
    except RequestHeadersError as exc:
        return Refusal(f"{_FAILED}{exc}")
    if names and not rule.allow_any_header:
        refused = [name for name in names if name not in rule.allowed_headers]
        if refused:
            return Refusal(
                f"{_FAILED}headers are not allowed: {', '.join(n.upper() for n in refused)}"
            )
    if private_network and not rule.private_network:
        return Refusal(
            f"{_FAILED}private network access is not allowed for '{shown}' origin "
            "(set allow_private_network=True to allow it)"
        )
    headers: list[tuple[str, str]] = [*rule.preflight_extra, (ACAM, method)]
    if names:
        headers.append((ACAH, ",".join(names)))
    if private_network:
        headers.append((ACAPN, "true"))
    headers.append((VARY, PREFLIGHT_VARY))
    accepted = tuple(headers)
    if (
        len(rule.accepted) < ACCEPTED_CACHE_SIZE
        and sum(map(len, request_headers)) <= ACCEPTED_HEADERS_LENGTH
    ):
        key = (method, routed, private_network, *request_headers)
        rule.accepted[key] = accepted
    return ((ACAO, origin), *accepted)


def expose_all_value(header_names: Iterable[str]) -> str | None:
    """ACEH for ``expose_headers="*"``: the response's own header names a page may not
    already read, without Set-Cookie (never readable) and CORS headers."""
    exposed: dict[str, None] = {}
    for name in header_names:
        lowered = name.lower()
        if (
            lowered in SAFELISTED_RESPONSE_HEADERS
            or lowered in NEVER_EXPOSED_RESPONSE_HEADERS
            or lowered.startswith("access-control-")
        ):
            continue
        exposed.setdefault(name, None)
    return ",".join(exposed) if exposed else None


def layer_of(
    config: Iterable[tuple[OriginSpec, ResourceOptions]],
) -> tuple[tuple[OriginSpec, Rule], ...]:
    """Compile one parsed config into a table layer."""
    return tuple((spec, compile_rule(options)) for spec, options in config)
