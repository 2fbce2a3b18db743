"""Compiled CORS policy: for each resource, the answers to the three questions a request
can ask, precomputed when the app starts.

1. *Actual response* (:meth:`ResourcePolicy.actual`): an :class:`ActualAnswer` saying which
   headers to set and remove and whether to merge ``Origin`` into ``Vary``.
2. *Preflight* (:meth:`ResourcePolicy.preflight`): a :class:`PreflightAnswer`, a finished
   header block or a refusal with its aiohttp-cors 0.8.1 text.
3. *WebSocket handshake* (:meth:`ResourcePolicy.handshake`): a :class:`HandshakeAnswer`,
   admit or refuse with a reason.

The glue hands in plain strings (the method, every ``Origin`` value, the request-header
lines) and applies the answer; the request object is passed through untouched, only for
origin callables that asked for it.  When an async origin callable has to run, an answer
comes back as :class:`Pending`, to be awaited.  Nothing here imports aiohttp.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar, Union

from multidict import CIMultiDict, CIMultiDictProxy

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
    ACRPN,
    VARY,
    HeaderNotAllowed,
    RequestHeadersError,
    exposable_names,
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

HeaderPairs = tuple[tuple[str, str], ...]
#: One parsed config: (origin key, options) entries, in the order they were written.
ParsedConfig = tuple[tuple[OriginSpec, ResourceOptions], ...]

T = TypeVar("T")

# --- texts -------------------------------------------------------------------------------

#: The prefix of every preflight refusal, as aiohttp-cors 0.8.1 wrote it.
PREFLIGHT_FAILED: Final = "CORS preflight request failed: "
NO_ORIGIN_TEXT: Final = PREFLIGHT_FAILED + "origin header is not specified in the request"
NO_METHOD_TEXT: Final = PREFLIGHT_FAILED + "'Access-Control-Request-Method' header is not specified"
NO_ORIGINS_TEXT: Final = PREFLIGHT_FAILED + "no origins are allowed"
NOT_CONFIGURED_TEXT: Final = PREFLIGHT_FAILED + "CORS is not configured"
# Browsers send one Origin; with several, which one a cache or proxy keys on is unknown,
# so none is trusted.
SEVERAL_ORIGINS_TEXT: Final = PREFLIGHT_FAILED + "the request has more than one Origin header"
HANDSHAKE_REFUSED: Final = "CORS WebSocket handshake refused: "

#: Vary of every preflight answer: it depends on the origin, on the method and headers it
#: echoes, and on whether Private Network Access was asked for (refused unless allowed).
PREFLIGHT_VARY: Final = f"Origin, {ACRM}, {ACRH}, {ACRPN}"

# --- bounds --------------------------------------------------------------------------------

#: How many origin verdicts one table remembers, and the longest origin remembered.
DECIDED_CACHE_SIZE: Final = 256
DECIDED_ORIGIN_LENGTH: Final = 256
#: How many granted preflights one policy remembers, and the longest key remembered:
#: browsers repeat the same few preflights, and the bound keeps what a client can make
#: one policy hold to 512 entries of about 1 KiB.
GRANTED_CACHE_SIZE: Final = 512
GRANTED_KEY_LENGTH: Final = 768
#: How many distinct header-name tuples the ``expose_headers="*"`` value is kept for.
EXPOSED_CACHE_SIZE: Final = 256

_UNDECIDED: Final = object()


class Pending(Generic[T]):
    """An answer that waits for an async origin callable: ``await`` it for the answer."""

    __slots__ = ("_coroutine",)

    def __init__(self, coroutine: Coroutine[Any, Any, T]) -> None:
        self._coroutine = coroutine

    def __await__(self) -> Generator[Any, None, T]:
        return self._coroutine.__await__()


# --- answers -------------------------------------------------------------------------------


class ExposeAll:
    """``expose_headers="*"``: the exposed names depend on the response's own headers.
    Handlers send the same few header sets, so the value is kept per tuple of names."""

    __slots__ = ("_values",)

    def __init__(self) -> None:
        self._values: dict[tuple[str, ...], str | None] = {}

    def value_for(self, header_names: tuple[str, ...]) -> str | None:
        """The ``Access-Control-Expose-Headers`` value, or None to send none."""
        try:
            return self._values[header_names]
        except KeyError:
            pass
        value = exposable_names(header_names)
        if len(self._values) >= EXPOSED_CACHE_SIZE:
            self._values.clear()
        self._values[header_names] = value
        return value


@dataclass(frozen=True, slots=True)
class ActualAnswer:
    """What the plugin does to an actual response.

    The rule for handler-set CORS headers: on a request with an ``Origin`` to a
    CORS-enabled resource, the plugin owns ``Access-Control-Allow-Origin``,
    ``-Allow-Credentials`` and ``-Expose-Headers``; it writes its values and removes
    whatever of them the handler set and it does not send.
    """

    #: Merge ``Origin`` into ``Vary``: the answer depends on the request's Origin.
    vary_origin: bool
    #: Send ``Access-Control-Allow-Origin`` with the request's own Origin.
    reflect_origin: bool = False
    #: Headers written over whatever the handler set.
    set_headers: HeaderPairs = ()
    #: Headers removed if the handler set them.
    remove_headers: tuple[str, ...] = ()
    #: With ``expose_headers="*"``: computes the exposed names from the response.
    expose_all: ExposeAll | None = None


@dataclass(frozen=True, slots=True)
class PreflightAnswer:
    """A granted preflight (``headers``, complete) or a refused one (``refusal``, the
    text of the 403; ``headers`` then holds only ``Vary``)."""

    headers: CIMultiDictProxy[str]
    refusal: str | None = None


@dataclass(frozen=True, slots=True)
class HandshakeAnswer:
    """Admit a WebSocket handshake, or refuse it with ``refusal`` (the text of the 403).
    ``warning`` is a security warning to emit (once) while admitting."""

    refusal: str | None = None
    warning: str | None = None


ADMIT: Final = HandshakeAnswer()
_REFUSAL_HEADERS: Final = CIMultiDictProxy(CIMultiDict({VARY: PREFLIGHT_VARY}))
#: CORS response headers the plugin owns on actual responses (see ActualAnswer).
OWNED_ACTUAL_HEADERS: Final = (ACAO, ACAC, ACEH)


def refuse_preflight(text: str) -> PreflightAnswer:
    return PreflightAnswer(_REFUSAL_HEADERS, text)


_NO_ORIGIN: Final = refuse_preflight(NO_ORIGIN_TEXT)
_NO_METHOD: Final = refuse_preflight(NO_METHOD_TEXT)
_NO_ORIGINS: Final = refuse_preflight(NO_ORIGINS_TEXT)
_SEVERAL_ORIGINS: Final = refuse_preflight(SEVERAL_ORIGINS_TEXT)


def _method_refusal(method: str, origin: str) -> PreflightAnswer:
    if not is_token(method):
        # Browsers send only method tokens; anything else is never echoed back.
        return refuse_preflight(
            f"{PREFLIGHT_FAILED}'Access-Control-Request-Method' value "
            f"{printable(method, 64)!r} is not a method name"
        )
    return refuse_preflight(
        f"{PREFLIGHT_FAILED}request method {method!r} is not allowed for "
        f"{printable(origin)!r} origin"
    )


# --- rules -----------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Rule:
    """One origin entry's options compiled into ready-to-send answers."""

    options: ResourceOptions
    #: Admitted by the ``"*"`` or ``"null"`` key: every site (or any site's sandbox).
    public: bool
    #: The answer to an actual request from an origin this rule admits.
    actual: ActualAnswer
    #: ``Access-Control-Allow-Origin`` of preflights: ``"*"``, or None for the origin.
    fixed_origin: str | None
    #: Headers a granted preflight sends besides ACAO, ACAM, ACAH, ACAPN and Vary.
    preflight_extra: HeaderPairs
    #: Request headers a preflight may ask for (lower case), or None for any.
    allowed_headers: frozenset[str] | None

    @classmethod
    def compile(cls, options: ResourceOptions, *, public: bool, vary_origin: bool) -> Rule:
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
            public=public,
            actual=actual,
            fixed_origin="*" if options.send_wildcard else None,
            preflight_extra=tuple(preflight_extra),
            allowed_headers=allowed_headers,
        )

    def allows_method(self, method: str, routed: bool | None) -> bool:
        """Whether a preflight may ask for *method*.

        *routed* True: a CORS-enabled route serves the method, which is then always
        allowed, whatever ``allow_methods`` says (the list *adds* methods, as in 0.8.1).
        False: only what ``allow_methods`` lists.  None: a ``'*'`` route serves every
        method, so ``allow_methods`` decides and ``None`` allows any.
        """
        if routed is None:
            return self.options.allow_methods is None or self.options.is_method_allowed(method)
        return routed or self.options.is_method_allowed(method)

    def judge_preflight(
        self,
        origin: str,
        method: str,
        routed: bool | None,
        request_headers: Sequence[str],
        private_network: bool,
    ) -> PreflightAnswer:
        """Grant or refuse a preflight from an origin this rule admits."""
        if not is_token(method) or not self.allows_method(method, routed):
            return _method_refusal(method, origin)
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
    empty: bool = True
    #: Answers for requests without Origin and from origins no rule admits.
    no_origin: ActualAnswer = ActualAnswer(vary_origin=True)
    refused: ActualAnswer = ActualAnswer(vary_origin=True, remove_headers=OWNED_ACTUAL_HEADERS)
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
        rules: dict[tuple[ResourceOptions, bool], Rule] = {}

        def rule_for(options: ResourceOptions, public: bool) -> Rule:
            rule = rules.get((options, public))
            if rule is None:
                rule = rules[options, public] = Rule.compile(
                    options, public=public, vary_origin=vary_origin
                )
            return rule

        for order, (spec, options) in enumerate(entries, 1):
            table.empty = False
            if isinstance(spec, ExactOrigin):
                table.exact.setdefault(spec.origin, rule_for(options, spec.origin == "null"))
            elif isinstance(spec, AnyOrigin):
                if table.star is None:
                    table.star = rule_for(options, True)
            elif isinstance(spec, WildcardOrigin):
                subdomain = bool(spec.parent)
                key = (spec.scheme, spec.parent if subdomain else spec.host, subdomain)
                table.wildcards.setdefault(key, []).append((order, spec, rule_for(options, False)))
                table.has_patterns = True
            else:
                table.ordered.append(_Ordered(order, spec, rule_for(options, False)))
                table.has_patterns = True
                table.has_predicates |= isinstance(spec, PredicateOrigin)
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
                return Pending(self._resume(outcome, index, origin, request, best_order, best_rule))
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
            admitted = (await awaitable) is True
        except Exception:
            if isinstance(entry.spec, PredicateOrigin):  # only callables suspend a scan
                entry.spec.report_failure(origin)
            admitted = False
        if admitted:
            return entry.rule
        found = self._scan_ordered(origin, request, index + 1, best_order, best_rule)
        return await found if isinstance(found, Pending) else found


# --- resource policy ---------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class ResourcePolicy:
    """Everything CORS needs to know about one resource (one URL path), compiled."""

    #: Origin table of each method served by a route of the resource, by method; None
    #: for methods whose route is exempt from CORS.
    actual_tables: dict[str, OriginTable | None]
    #: Table for the other methods (a '*' route's, or the resource-level config's for
    #: the 405 a page may read), or None when the resource has none.
    other_methods: OriginTable | None
    #: Methods a preflight may ask for, with their table and whether a CORS-enabled
    #: route serves the method (always allowed then; see ``Rule.allows_method``); None
    #: for methods whose route is exempt from CORS.
    preflight_tables: dict[str, tuple[OriginTable, bool] | None]
    #: A '*' route: a preflight may ask for any method not listed above, as
    #: ``allow_methods`` allows (the flag is None: see ``Rule.allows_method``).
    any_method: tuple[OriginTable, None] | None = None
    #: Strict mode: WebSocket handshakes admitted only by "*" or "null" are refused.
    strict: bool = False
    #: Routes whose first cookie-carrying handshake under "*"/"null" was warned about.
    warned_routes: set[str] = field(default_factory=set)
    #: Granted preflights, keyed by what they asked (method, origin, Private Network
    #: Access, the request-header lines as sent): browsers repeat the same few, which
    #: then cost one look-up.  Not kept where an origin callable decides.  Bounded.
    granted: dict[tuple[object, ...], PreflightAnswer] = field(default_factory=dict)

    def actual(
        self, method: str, origins: Sequence[str], request: object
    ) -> ActualAnswer | Pending[ActualAnswer | None] | None:
        """What to do to the response of an actual request (None: leave it alone)."""
        table = self.actual_tables.get(method, self.other_methods)
        if table is None:
            return None
        if not origins:
            return table.no_origin
        if len(origins) != 1:
            return table.refused  # browsers send one Origin: several are trusted for none
        exact = table.exact.get(origins[0])  # the common case, without a further call
        if exact is not None:
            return exact.actual
        rule = table.match(origins[0], request)
        if rule is None:
            return table.refused
        if isinstance(rule, Pending):
            return Pending(_actual_after(rule, table))
        return rule.actual

    def preflight(
        self,
        origins: Sequence[str],
        method: str | None,
        request_headers: Sequence[str],
        private_network: bool,
        request: object,
    ) -> PreflightAnswer | Pending[PreflightAnswer]:
        """Grant or refuse a preflight (OPTIONS with Access-Control-Request-Method)."""
        if not origins:
            return _NO_ORIGIN
        if len(origins) != 1:
            return _SEVERAL_ORIGINS
        if method is None:
            return _NO_METHOD
        origin = origins[0]
        key = (method, origin, private_network, *request_headers)
        answer = self.granted.get(key)
        if answer is not None:
            return answer
        # Only a method the resource will serve: granting one that then gets a 405 would
        # turn a readable error into a CORS failure.
        entry: tuple[OriginTable, bool | None] | None = self.preflight_tables.get(
            method, self.any_method
        )
        if entry is None:
            return _method_refusal(method, origin)
        table, routed = entry
        rule = table.match(origin, request)
        if isinstance(rule, Pending):
            return Pending(
                _preflight_after(
                    rule, table, origin, method, routed, request_headers, private_network
                )
            )
        if rule is None:
            return _origin_refusal(table, origin, method, routed)
        answer = rule.judge_preflight(origin, method, routed, request_headers, private_network)
        if (
            answer.refusal is None
            and not table.has_predicates
            and len(self.granted) < GRANTED_CACHE_SIZE
            and len(origin) + sum(map(len, request_headers)) <= GRANTED_KEY_LENGTH
        ):
            self.granted[key] = answer
        return answer

    def handshake(
        self,
        origins: Sequence[str],
        own_origin: str,
        has_cookie: bool,
        route: str,
        request: object,
    ) -> HandshakeAnswer | Pending[HandshakeAnswer]:
        """Admit or refuse a WebSocket handshake that aiohttp accepted (GET, 101).

        Browsers apply no CORS check to handshakes but send Origin, and cookies whatever
        the credentials setting, so the check is the server's: without it any site could
        open a socket as the user (cross-site WebSocket hijacking).
        """
        table = self.actual_tables.get("GET", self.other_methods)
        if table is None or not origins:
            return ADMIT  # exempt route, or not a browser: nothing to protect
        if len(origins) != 1:
            return HandshakeAnswer(
                HANDSHAKE_REFUSED + "the request has more than one Origin header"
            )
        origin = origins[0]
        if origin == own_origin:
            return ADMIT  # a page of this very site
        rule = table.match(origin, request)
        if isinstance(rule, Pending):
            return Pending(self._handshake_after(rule, origin, has_cookie, route))
        return self._judge_handshake(rule, origin, has_cookie, route)

    async def _handshake_after(
        self, pending: Pending[Rule | None], origin: str, has_cookie: bool, route: str
    ) -> HandshakeAnswer:
        return self._judge_handshake(await pending, origin, has_cookie, route)

    def _judge_handshake(
        self, rule: Rule | None, origin: str, has_cookie: bool, route: str
    ) -> HandshakeAnswer:
        shown = printable(origin)
        if rule is None:
            return HandshakeAnswer(f"{HANDSHAKE_REFUSED}origin '{shown}' is not allowed")
        if not rule.public:
            return ADMIT
        if self.strict:
            return HandshakeAnswer(
                f"{HANDSHAKE_REFUSED}origin '{shown}' is admitted only by the '*' or 'null' "
                "key, and strict mode admits WebSocket handshakes from listed origins only"
            )
        if has_cookie and route not in self.warned_routes:
            self.warned_routes.add(route)
            return HandshakeAnswer(
                warning=(
                    f"WebSocket route {route!r} admitted a handshake from {shown!r} carrying "
                    "cookies only because of the '*' or 'null' origin key: browsers send "
                    "cookies on handshakes whatever allow_credentials says, so any site can "
                    "open this socket as your users (cross-site WebSocket hijacking). List "
                    "the origins you trust (strict=True refuses such handshakes)."
                )
            )
        return ADMIT


def _origin_refusal(
    table: OriginTable, origin: str, method: str, routed: bool | None
) -> PreflightAnswer:
    """No rule admits *origin* for *method*.  For a method served only by routes without
    CORS, 0.8.1 said the method was not allowed (nothing enabled it for CORS)."""
    if routed is False:
        return _method_refusal(method, origin)
    if table.empty:
        return _NO_ORIGINS
    return refuse_preflight(f"{PREFLIGHT_FAILED}origin '{printable(origin)}' is not allowed")


async def _actual_after(pending: Pending[Rule | None], table: OriginTable) -> ActualAnswer:
    rule = await pending
    return table.refused if rule is None else rule.actual


async def _preflight_after(
    pending: Pending[Rule | None],
    table: OriginTable,
    origin: str,
    method: str,
    routed: bool | None,
    request_headers: Sequence[str],
    private_network: bool,
) -> PreflightAnswer:
    rule = await pending
    if rule is None:
        return _origin_refusal(table, origin, method, routed)
    return rule.judge_preflight(origin, method, routed, request_headers, private_network)
