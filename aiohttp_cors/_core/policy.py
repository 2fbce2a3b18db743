"""Compiled CORS policy of one resource: :class:`ResourcePolicy` asks its origin tables
the three questions a request can ask (actual response, preflight, WebSocket handshake)
and returns the answers of ``answers.py``.

The glue hands in plain strings (the method, every ``Origin`` value, the request-header
lines); the request object is passed through untouched, only for origin callables that
asked for it.  Nothing here imports aiohttp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from .answers import (
    _NO_METHOD,
    _NO_ORIGIN,
    _NO_ORIGINS,
    _SEVERAL_ORIGINS,
    ADMIT,
    HANDSHAKE_REFUSED,
    PREFLIGHT_FAILED,
    ActualAnswer,
    HandshakeAnswer,
    PreflightAnswer,
    method_refusal,
    refuse_preflight,
)
from .headers import (
    printable,
    vary_with,
)
from .pending import (
    Pending,
)
from .table import MethodGrant, OriginTable, PreflightEntry, Rule

# --- bounds --------------------------------------------------------------------------------

#: How many granted preflights one policy remembers, and the longest key remembered,
#: counting every part of the key that a client chooses (method, origin, header lines):
#: browsers repeat the same few preflights, and the bound keeps what a client can make
#: one policy hold to 512 entries of at most 768 characters of request text each.
GRANTED_CACHE_SIZE: Final = 512
GRANTED_KEY_LENGTH: Final = 768

#: At most this many bytes per policy, the keys and the answers echoing them
#: (tests/test_security_round3.py measures it: 1.41 MiB with the multidict of aiohttp 3.9,
#: 1.01 MiB with a current one).
GRANTED_CACHE_BYTES: Final = 1_572_864  # 1.5 MiB

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
    preflight_tables: dict[str, PreflightEntry | None]
    #: A '*' route: a preflight may ask for any method not listed above, as
    #: ``allow_methods`` allows (the flag is None: see ``Rule.allows_method``).
    any_method: PreflightEntry | None = None
    #: Strict mode: WebSocket handshakes admitted only by "*" or "null" are refused.
    strict: bool = False
    #: Routes whose first cookie-carrying handshake under "*"/"null" was warned about.
    warned_routes: set[str] = field(default_factory=set)
    #: Granted preflights, keyed by what they asked (method, origin, Private Network
    #: Access, the request-header lines as sent): browsers repeat the same few, which
    #: then cost one look-up.  Not kept where an origin callable decides.  Bounded.
    granted: dict[tuple[object, ...], PreflightAnswer] = field(default_factory=dict)
    #: Seconds an async origin callable may take before the request is refused (None:
    #: no bound); the glue applies it.
    origin_timeout: float | None = None
    #: Routes whose first origin-callable timeout was logged.
    timed_out_routes: set[str] = field(default_factory=set)
    #: Request headers the answers of this path read besides Origin (the ``varies_on``
    #: of its origin callables), as the value to merge into ``Vary``; None for none.
    vary_extra: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        tables = [self.other_methods, *self.actual_tables.values()]
        tables += [entry[0] for entry in self.preflight_tables.values() if entry is not None]
        if self.any_method is not None:
            tables.append(self.any_method[0])
        names = [name for table in tables if table is not None for name in table.varies_on]
        if names:
            self.vary_extra = vary_with([], *names)

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
            return Pending(_actual_after(rule, table), table.refused)
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
        entry = self.preflight_tables.get(method, self.any_method)
        if entry is None:
            return method_refusal(method, origin)
        table, grant = entry
        rule = table.match(origin, request)
        if isinstance(rule, Pending):
            return Pending(
                _preflight_after(
                    rule, table, origin, method, grant, request_headers, private_network
                ),
                refuse_preflight(
                    f"{PREFLIGHT_FAILED}origin '{printable(origin)}' is not allowed (the "
                    "origin callable did not answer within origin_timeout)"
                ),
            )
        if rule is None:
            return _origin_refusal(table, origin, method, grant)
        answer = rule.judge_preflight(origin, method, grant, request_headers, private_network)
        if (
            answer.refusal is None
            and not table.has_predicates
            and len(self.granted) < GRANTED_CACHE_SIZE
            and len(method) + len(origin) + sum(map(len, request_headers)) <= GRANTED_KEY_LENGTH
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
            return Pending(
                self._handshake_after(rule, origin, has_cookie, route),
                HandshakeAnswer(
                    f"{HANDSHAKE_REFUSED}origin '{printable(origin)}' is not allowed (the "
                    "origin callable did not answer within origin_timeout)"
                ),
            )
        return self._judge_handshake(rule, origin, has_cookie, route)

    async def _handshake_after(
        self, pending: Pending[Rule | None], origin: str, has_cookie: bool, route: str
    ) -> HandshakeAnswer:
        return self._judge_handshake(await pending, origin, has_cookie, route)

    def _judge_handshake(
        self, rule: Rule | None, origin: str, has_cookie: bool, route: str
    ) -> HandshakeAnswer:
        """A handshake is judged as a credentialed request when it carries a cookie:
        browsers send cookies on handshakes whatever ``allow_credentials`` says."""
        shown = printable(origin)
        if rule is None:
            return HandshakeAnswer(f"{HANDSHAKE_REFUSED}origin '{shown}' is not allowed")
        if rule.any_site and self.strict:
            return HandshakeAnswer(
                f"{HANDSHAKE_REFUSED}origin '{shown}' is admitted only by the '*' or 'null' "
                "key, and strict mode admits WebSocket handshakes from listed origins only"
            )
        concern = rule.credential_concern
        if concern is None or not has_cookie:
            return ADMIT
        if self.strict:
            return HandshakeAnswer(
                f"{HANDSHAKE_REFUSED}the handshake from origin '{shown}' carries cookies and "
                f"is admitted by an entry strict mode refuses with credentials ({concern})"
            )
        if route in self.warned_routes:
            return ADMIT
        self.warned_routes.add(route)
        because = (
            "only because of the '*' or 'null' origin key"
            if rule.any_site
            else f"by an entry the security review refuses with credentials ({concern})"
        )
        return HandshakeAnswer(
            warning=(
                f"WebSocket route {route!r} admitted a handshake from {shown!r} carrying "
                f"cookies {because}: browsers send cookies on handshakes whatever "
                "allow_credentials says, so any site can open this socket as your users "
                "(cross-site WebSocket hijacking). List the origins you trust (strict=True "
                "refuses such handshakes)."
            )
        )


def _origin_refusal(
    table: OriginTable, origin: str, method: str, grant: MethodGrant
) -> PreflightAnswer:
    """No rule admits *origin* for *method*.  For a method served only by routes without
    CORS, 0.8.1 said the method was not allowed (nothing enabled it for CORS)."""
    if grant is MethodGrant.LISTED:
        return method_refusal(method, origin)
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
    grant: MethodGrant,
    request_headers: Sequence[str],
    private_network: bool,
) -> PreflightAnswer:
    rule = await pending
    if rule is None:
        return _origin_refusal(table, origin, method, grant)
    return rule.judge_preflight(origin, method, grant, request_headers, private_network)
