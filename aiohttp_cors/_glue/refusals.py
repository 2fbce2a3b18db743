"""``cors.on_refusal``: what the plugin refused, handed to the application's receivers.

Operators count refusals (a metric by route and reason) or log them as structured
records; the plugin only logs them at DEBUG.  A refusal is one of:

* ``"preflight"``: a preflight answered 403;
* ``"actual"``: an actual request with an ``Origin`` the configuration does not admit (the
  response goes out without CORS headers, so the page cannot read it);
* ``"handshake"``: a WebSocket handshake refused with 403.

The signal is an ``aiosignal.Signal`` like aiohttp's own, frozen when the app starts.
Receivers are awaited one after the other, only for refused requests and only when there
are receivers; one that raises is logged (with its traceback the first time) and the
answer stays what it was.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

from aiohttp import web
from aiosignal import Signal

from .._core.errors import logger

RefusalKind = Literal["preflight", "actual", "handshake"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused request, as ``cors.on_refusal`` receivers get it."""

    #: ``"preflight"``, ``"actual"`` or ``"handshake"``.
    kind: RefusalKind
    #: The request's ``Origin`` (the first one, when it sent several); None without one.
    origin: str | None
    #: Why, in words (the text of the 403 for preflights and handshakes).
    reason: str
    #: The matched route's path pattern (``/items/{id}``), a stable label for metrics.
    route: str
    #: The method the request was about: ``Access-Control-Request-Method`` of a
    #: preflight, else the request's method.
    method: str
    #: The request's path.
    path: str

    def to_json(self) -> dict[str, str | None]:
        """The record as a dict of strings, for a structured log line."""
        return asdict(self)


if TYPE_CHECKING:
    RefusalSignal = Signal[web.Request, Refusal]
else:  # aiosignal < 1.4 has no subscriptable Signal at run time
    RefusalSignal = Signal


class RefusalNotifier:
    """Holds one ``CorsConfig``'s signal and hands refusals to its receivers."""

    __slots__ = ("_failed", "signal")

    def __init__(self, owner: object) -> None:
        self.signal: RefusalSignal = Signal(owner)
        # Receivers whose failure was logged with a traceback already: a broken receiver
        # is told about once, not on every refused request.
        self._failed: set[object] = set()

    def __bool__(self) -> bool:
        """Whether anyone listens (the hooks build no record otherwise)."""
        return bool(self.signal)

    def freeze(self) -> None:
        self.signal.freeze()

    async def send(self, request: web.Request, refusal: Refusal) -> None:
        for receiver in self.signal:
            try:
                await receiver(request, refusal)
            except Exception:
                self._report_failure(receiver)

    def _report_failure(self, receiver: object) -> None:
        name = getattr(receiver, "__qualname__", repr(receiver))
        try:
            first = receiver not in self._failed
            self._failed.add(receiver)
        except TypeError:  # an unhashable receiver: cannot remember it
            first = True
        if first:
            logger.exception(
                "cors.on_refusal receiver %s raised; the answer is unchanged (later "
                "failures of this receiver are logged at DEBUG)",
                name,
            )
        elif logger.isEnabledFor(logging.DEBUG):
            logger.debug("cors.on_refusal receiver %s raised again", name)
