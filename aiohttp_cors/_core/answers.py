"""The answers to the three questions a request can ask, and how they apply themselves.

1. *Actual response*: an :class:`ActualAnswer` says which headers to set and remove and
   whether to merge ``Origin`` into ``Vary``; :meth:`ActualAnswer.apply` writes it into a
   response's header mapping.
2. *Preflight*: a :class:`PreflightAnswer`, a finished header block or a refusal with its
   aiohttp-cors 0.8.1 text.
3. *WebSocket handshake*: a :class:`HandshakeAnswer`, admit or refuse with a reason.

The refusal texts are here too, as 0.8.1 wrote them.  Nothing here imports aiohttp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from multidict import CIMultiDict, CIMultiDictProxy

from .headers import (
    ACAC,
    ACAO,
    ACEH,
    ACRH,
    ACRM,
    ACRPN,
    ORIGIN,
    VARY,
    exposable_names,
    is_token,
    printable,
    vary_with,
)

HeaderPairs = tuple[tuple[str, str], ...]

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

#: How many distinct header-name tuples the ``expose_headers="*"`` value is kept for, and
#: the most characters of names one remembered tuple may hold.
EXPOSED_CACHE_SIZE: Final = 256
EXPOSED_KEY_LENGTH: Final = 1024

#: At most this many bytes per exposing rule (tests/test_security_round3.py measures it).

EXPOSED_CACHE_BYTES: Final = 1_048_576  # 1 MiB

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
        if sum(map(len, header_names)) <= EXPOSED_KEY_LENGTH:
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

    def apply(
        self, headers: CIMultiDict[str], origins: Sequence[str], vary_extra: str | None = None
    ) -> None:
        """Write this answer into a response's *headers*: ``Vary`` merged, never
        overwritten (with *vary_extra*, the request headers ``varies_on`` named); the
        owned headers this answer does not send removed; the origin reflected."""
        if self.vary_origin and headers.setdefault(VARY, ORIGIN) != ORIGIN:
            merged = vary_with(headers.getall(VARY), ORIGIN)
            if merged is not None:
                headers[VARY] = merged
        if vary_extra is not None:
            _merge_vary(headers, vary_extra)
        for name in self.remove_headers:
            if name in headers:
                del headers[name]
        if self.reflect_origin:
            headers[ACAO] = origins[0]
        for name, value in self.set_headers:  # faster than update() for a pair or two
            headers[name] = value
        if self.expose_all is not None:
            exposed = self.expose_all.value_for(tuple(headers.keys()))
            if exposed is not None:
                headers[ACEH] = exposed
            elif ACEH in headers:
                del headers[ACEH]


@dataclass(frozen=True, slots=True)
class PreflightAnswer:
    """A granted preflight (``headers``, complete) or a refused one (``refusal``, the
    text of the 403; ``headers`` then holds only ``Vary``)."""

    headers: CIMultiDictProxy[str]
    refusal: str | None = None

    def headers_to_send(self, vary_extra: str | None = None) -> CIMultiDictProxy[str]:
        """The headers of the response: the granted block, or for a refusal its
        ``Vary`` and ``nosniff`` (the text echoes request values); with *vary_extra*
        merged into ``Vary``."""
        if self.refusal is None and vary_extra is None:
            return self.headers
        headers = CIMultiDict(self.headers)
        if self.refusal is not None:
            headers.add(*NOSNIFF)
        if vary_extra is not None:
            _merge_vary(headers, vary_extra)
        return CIMultiDictProxy(headers)


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
#: On every refusal of the plugin's own (preflight or handshake): the body quotes request
#: values, so browsers must not sniff it as anything but plain text.
NOSNIFF: Final = ("X-Content-Type-Options", "nosniff")
#: Without Origin: the answer still depends on Origin, so Vary says so.
NO_ORIGIN_ANSWER: Final = ActualAnswer(vary_origin=True)
#: From an origin no rule admits: Vary, and none of the headers the plugin owns.
REFUSED_ANSWER: Final = ActualAnswer(vary_origin=True, remove_headers=OWNED_ACTUAL_HEADERS)


def refuse_preflight(text: str) -> PreflightAnswer:
    return PreflightAnswer(_REFUSAL_HEADERS, text)


_NO_ORIGIN: Final = refuse_preflight(NO_ORIGIN_TEXT)
_NO_METHOD: Final = refuse_preflight(NO_METHOD_TEXT)
_NO_ORIGINS: Final = refuse_preflight(NO_ORIGINS_TEXT)
_SEVERAL_ORIGINS: Final = refuse_preflight(SEVERAL_ORIGINS_TEXT)


def _merge_vary(headers: CIMultiDict[str], names: str) -> None:
    """Merge *names* (a ``Vary`` value) into the headers' ``Vary``, never overwriting it."""
    merged = vary_with(headers.getall(VARY, ()), names)
    if merged is not None:
        headers[VARY] = merged


def method_refusal(method: str, origin: str) -> PreflightAnswer:
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
