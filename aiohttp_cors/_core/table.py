"""Which rule admits which origin: :class:`Rule` (one origin entry's options compiled
into ready answers) and :class:`OriginTable` (the rules of one config chain, looked up
exact origins first, then patterns in the order written, then ``"*"``).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple, Union

from multidict import CIMultiDict, CIMultiDictProxy

from .answers import (
    NO_ORIGIN_ANSWER,
    PREFLIGHT_FAILED,
    PREFLIGHT_VARY,
    REFUSED_ANSWER,
    ActualAnswer,
    ExposeAll,
    HeaderPairs,
    PreflightAnswer,
    method_refusal,
    refuse_preflight,
)
from .headers import (
    ACAC,
    ACAH,
    ACAM,
    ACAO,
    ACAPN,
    ACEH,
    ACMA,
    VARY,
    HeaderNotAllowed,
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
    unknown_kind,
)
from .pending import (
    Pending,
    await_callable,
)
from .review import credential_concern

#: One parsed config: (origin key, options) entries, in the order they were written.
ParsedConfig = tuple[tuple[OriginSpec, ResourceOptions], ...]

# --- bounds --------------------------------------------------------------------------------

#: How many origin verdicts one table remembers, and the longest origin remembered.
DECIDED_CACHE_SIZE: Final = 256
DECIDED_ORIGIN_LENGTH: Final = 256

#: At most this many bytes per table (tests/test_security_round3.py measures it).

DECIDED_CACHE_BYTES: Final = 131_072  # 128 KiB

_UNDECIDED: Final = object()

# --- rules -----------------------------------------------------------------------------------


class MethodGrant(enum.Enum):
    """How a preflight's method is served, which decides whether it may be asked for."""

    #: A CORS-enabled route serves it: always allowed, whatever ``allow_methods`` says
    #: (a list *adds* methods, as in aiohttp-cors 0.8.1).
    ROUTED = "routed"
    #: Only routes not enabled for CORS serve it: allowed if ``allow_methods`` is ``"*"``
    #: or lists it.
    LISTED = "listed"
    #: A ``'*'`` route serves it (and every method): ``allow_methods`` decides, ``None``
    #: allowing any.
    ANY_ROUTE = "any route"


@dataclass(slots=True, eq=False)
class Rule:
    """One origin entry's options compiled into ready-to-send answers."""

    options: ResourceOptions
    #: Admitted by the ``"*"`` or ``"null"`` key: any site (or any site's sandbox).
    any_site: bool
    #: The answer to an actual request from an origin this rule admits.
    actual: ActualAnswer
    #: ``Access-Control-Allow-Origin`` of preflights: ``"*"``, or None for the origin.
    fixed_origin: str | None
    #: Headers a granted preflight sends besides ACAO, ACAM, ACAH, ACAPN and Vary.
    preflight_extra: HeaderPairs
    #: Request headers a preflight may ask for (lower case), or None for any.
    allowed_headers: frozenset[str] | None
    #: Why the security review would refuse this rule's origin key *with* credentials
    #: (None if it would not): a WebSocket handshake carrying cookies is judged by it.
    credential_concern: str | None = None

    @classmethod
    def compile(
        cls,
        options: ResourceOptions,
        *,
        any_site: bool,
        vary_origin: bool,
        credential_concern: str | None = None,
    ) -> Rule:
        credentials = options.allow_credentials
        set_headers: list[tuple[str, str]] = []
        remove = [ACAC, ACEH]
        if options.send_wildcard:
            set_headers.append((ACAO, "*"))
        if credentials:
            set_headers.append((ACAC, "true"))
            remove.remove(ACAC)
        expose_all = options.expose_headers == "*"
        if expose_all:
            remove.remove(ACEH)  # the value is computed per response
        elif options.expose_headers:
            set_headers.append((ACEH, ",".join(sorted(options.expose_headers))))
            remove.remove(ACEH)
        actual = ActualAnswer(
            vary_origin=vary_origin,
            reflect_origin=not options.send_wildcard,
            set_headers=tuple(set_headers),
            remove_headers=tuple(remove),
            expose_all=ExposeAll() if expose_all else None,
        )
        preflight_extra: list[tuple[str, str]] = []
        if credentials:
            preflight_extra.append((ACAC, "true"))
        if options.max_age is not None:
            preflight_extra.append((ACMA, str(options.max_age)))
        allowed_headers = (
            None
            if options.allow_headers == "*"
            else frozenset(name.lower() for name in options.allow_headers)
        )
        return cls(
            options=options,
            any_site=any_site,
            actual=actual,
            fixed_origin="*" if options.send_wildcard else None,
            preflight_extra=tuple(preflight_extra),
            allowed_headers=allowed_headers,
            credential_concern=credential_concern,
        )

    def allows_method(self, method: str, grant: MethodGrant) -> bool:
        """Whether a preflight may ask for *method*, served as *grant* says."""
        if grant is MethodGrant.ROUTED:
            return True
        if grant is MethodGrant.ANY_ROUTE and self.options.allow_methods is None:
            return True
        return self.options.is_method_allowed(method)

    def judge_preflight(
        self,
        origin: str,
        method: str,
        grant: MethodGrant,
        request_headers: Sequence[str],
        private_network: bool,
    ) -> PreflightAnswer:
        """Grant or refuse a preflight from an origin this rule admits."""
        if not is_token(method) or not self.allows_method(method, grant):
            return method_refusal(method, origin)
        try:
            names = parse_request_headers(request_headers, self.allowed_headers)
        except HeaderNotAllowed as exc:
            return refuse_preflight(
                f"{PREFLIGHT_FAILED}headers are not allowed: {exc.name.upper()}"
            )
        except RequestHeadersError as exc:
            return refuse_preflight(f"{PREFLIGHT_FAILED}{exc}")
        if private_network and not self.options.allow_private_network:
            return refuse_preflight(
                f"{PREFLIGHT_FAILED}private network access is not allowed for "
                f"'{printable(origin)}' origin (set allow_private_network=True to allow it)"
            )
        headers: CIMultiDict[str] = CIMultiDict()
        headers[ACAO] = self.fixed_origin or origin
        headers.extend(self.preflight_extra)
        headers[ACAM] = method
        if names:
            # Upper-cased as 0.8.1 sent them; browsers compare names case-insensitively.
            headers[ACAH] = ",".join(names).upper()
        if private_network:
            headers[ACAPN] = "true"
        headers[VARY] = PREFLIGHT_VARY
        return PreflightAnswer(CIMultiDictProxy(headers))


# --- origin tables -------------------------------------------------------------------------


@dataclass(slots=True)
class _Ordered:
    order: int
    spec: RegexOrigin | PredicateOrigin
    rule: Rule


RuleMatch = Union[Rule, None, "Pending[Rule | None]"]


@dataclass(slots=True, eq=False)
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
    has_patterns: bool = False
    has_predicates: bool = False
    #: Request headers named by the ``varies_on`` of its callables.
    varies_on: tuple[str, ...] = ()
    empty: bool = True
    #: Answers for requests without Origin and from origins no rule admits.
    no_origin: ActualAnswer = NO_ORIGIN_ANSWER
    refused: ActualAnswer = REFUSED_ANSWER
    # Verdicts for origins that needed more than the exact look-up ("*", wildcards,
    # regexes): browsers repeat the same few origins, so most requests skip the
    # matching.  Never used with callables, whose answer may change.  Bounded.
    decided: dict[str, Rule | None] = field(default_factory=dict)

    @classmethod
    def build(cls, layers: Sequence[ParsedConfig]) -> OriginTable:
        entries = [entry for layer in layers for entry in layer]
        table = cls()
        # The answer is the same for every request, Origin or not, when the only entry
        # that can apply is a "*" with send_wildcard: then nothing varies on Origin.
        first_star = next(
            (options for spec, options in entries if isinstance(spec, AnyOrigin)), None
        )
        constant = (
            first_star is not None
            and first_star.send_wildcard
            and all(isinstance(spec, AnyOrigin) for spec, _ in entries)
        )
        vary_origin = not constant
        rules: dict[tuple[ResourceOptions, bool, str | None], Rule] = {}

        def rule_for(options: ResourceOptions, any_site: bool, spec: OriginSpec) -> Rule:
            concern = credential_concern(spec)
            rule = rules.get((options, any_site, concern))
            if rule is None:
                rule = rules[options, any_site, concern] = Rule.compile(
                    options, any_site=any_site, vary_origin=vary_origin, credential_concern=concern
                )
            return rule

        for order, (spec, options) in enumerate(entries, 1):
            table.empty = False
            match spec:
                case ExactOrigin():
                    any_site = spec.origin == "null"
                    table.exact.setdefault(spec.origin, rule_for(options, any_site, spec))
                case AnyOrigin():
                    if table.star is None:
                        table.star = rule_for(options, True, spec)
                case WildcardOrigin():
                    subdomain = bool(spec.parent)
                    key = (spec.scheme, spec.parent if subdomain else spec.host, subdomain)
                    table.wildcards.setdefault(key, []).append(
                        (order, spec, rule_for(options, False, spec))
                    )
                    table.has_patterns = True
                case RegexOrigin():
                    table.ordered.append(_Ordered(order, spec, rule_for(options, False, spec)))
                    table.has_patterns = True
                case PredicateOrigin():
                    table.ordered.append(_Ordered(order, spec, rule_for(options, False, spec)))
                    table.has_patterns = table.has_predicates = True
                    table.varies_on += spec.varies_on or ()
                case _:
                    unknown_kind(spec)
        if constant and table.star is not None:
            table.no_origin = table.refused = table.star.actual
        return table

    def match(self, origin: str, request: object) -> RuleMatch:
        """The rule that admits *origin*, None, or a ``Pending`` rule when an async origin
        callable has to decide.  *request* goes to callables that take it."""
        rule = self.exact.get(origin)
        if rule is not None:
            return rule
        if self.star is None and not self.has_patterns:
            return None
        if self.has_predicates:
            return self._scan(origin, request)
        decided = self.decided.get(origin, _UNDECIDED)
        if decided is not _UNDECIDED:
            return decided  # type: ignore[return-value]
        found = self._scan(origin, request)
        if len(origin) <= DECIDED_ORIGIN_LENGTH and not isinstance(found, Pending):
            if len(self.decided) >= DECIDED_CACHE_SIZE:
                self.decided.clear()
            self.decided[origin] = found
        return found

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

    def _scan(self, origin: str, request: object) -> RuleMatch:
        """Match the patterns in configured order.  Every kind of key is matched here,
        sync or async: an async callable suspends the scan, which resumes after it."""
        if not is_sendable_origin(origin):
            return None  # junk is never admitted, whatever a pattern or "*" says
        best_order, best_rule = self._wildcard_match(origin)
        return self._scan_ordered(origin, request, 0, best_order, best_rule)

    def _scan_ordered(
        self, origin: str, request: object, start: int, best_order: int, best_rule: Rule | None
    ) -> RuleMatch:
        ordered = self.ordered
        for index in range(start, len(ordered)):
            entry = ordered[index]
            if entry.order > best_order:
                break
            spec = entry.spec
            if isinstance(spec, RegexOrigin):
                if spec.matches(origin):
                    return entry.rule
                continue
            outcome = spec(origin, request)
            if outcome is True:
                return entry.rule
            if hasattr(outcome, "__await__"):
                return Pending(
                    self._resume(outcome, index, origin, request, best_order, best_rule), None
                )
        return best_rule if best_rule is not None else self.star

    async def _resume(
        self,
        awaitable: Any,
        index: int,
        origin: str,
        request: object,
        best_order: int,
        best_rule: Rule | None,
    ) -> Rule | None:
        entry = self.ordered[index]
        try:
            admitted = (await await_callable(awaitable)) is True
        except Exception:
            if isinstance(entry.spec, PredicateOrigin):  # only callables suspend a scan
                entry.spec.report_failure(origin)
            admitted = False
        if admitted:
            return entry.rule
        found = self._scan_ordered(origin, request, index + 1, best_order, best_rule)
        return await found if isinstance(found, Pending) else found


class PreflightEntry(NamedTuple):
    """What answers a preflight for one method: the origin table of the method's config
    chain, and how the method is served."""

    table: OriginTable
    grant: MethodGrant
