"""From the core's answers to aiohttp responses, and back: the plugin's own response
classes, a request's values handed to the core, async origin callables waited for within
``origin_timeout``, refusals logged and described for ``cors.on_refusal``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import warnings
from collections.abc import Sequence
from typing import Final, TypeVar

from aiohttp import web

from .._core.answers import (
    PREFLIGHT_FAILED,
    ActualAnswer,
    PreflightAnswer,
)
from .._core.errors import CorsSecurityWarning, logger
from .._core.headers import ACRH, ACRM, ACRPN, ORIGIN, printable
from .._core.origin_grammar import serialize_origin
from .._core.pending import Pending
from .._core.policy import ResourcePolicy
from .refusals import Refusal, RefusalKind, RefusalNotifier

T = TypeVar("T")


class PreflightResponse(web.Response):
    """The plugin's own answer to a preflight; the prepare hook leaves it alone."""


class PreflightRefused(web.HTTPForbidden):
    """A refused preflight raised from ``CorsViewMixin.options`` (0.8.1 raised
    ``HTTPForbidden`` there); like ``PreflightResponse``, it gets no CORS headers."""


class HandshakeRefused(web.HTTPForbidden):
    """A WebSocket handshake the configuration refuses."""


# Exact types: isinstance() on a response goes through the ABC machinery of
# MutableMapping, which costs more than the rest of the check.
_OWN_RESPONSES: Final = frozenset({PreflightResponse, PreflightRefused, HandshakeRefused})


def ask_preflight(
    request: web.Request, policy: ResourcePolicy
) -> PreflightAnswer | Pending[PreflightAnswer]:
    """The core's answer to a preflight, given every request value it needs."""
    headers = request.headers
    origins: Sequence[str]
    request_headers: Sequence[str]
    try:
        origins = headers.getall(ORIGIN, ())
        request_headers = headers.getall(ACRH, ())
    except AttributeError:  # a plain mapping, as tests written for 0.8.1 build requests
        origins = tuple(filter(None, [headers.get(ORIGIN)]))
        request_headers = tuple(filter(None, [headers.get(ACRH)]))
    return policy.preflight(
        origins, headers.get(ACRM), request_headers, headers.get(ACRPN) == "true", request
    )


async def within_timeout(
    pending: Pending[T], request: web.Request, policy: ResourcePolicy | None
) -> T:
    """The answer an async origin callable leads to, waited for at most the policy's
    ``origin_timeout``: past it, the pending answer's refusal, logged once per route."""
    if policy is None or policy.origin_timeout is None:
        return await pending
    timeout = policy.origin_timeout
    try:
        if sys.version_info >= (3, 11):
            async with asyncio.timeout(timeout):
                return await pending
        return await asyncio.wait_for(pending.coroutine, timeout)
    except asyncio.TimeoutError:
        # The route's pattern, never the request path: one entry per route at most.
        resource = request.match_info.route.resource
        route = resource.canonical if resource is not None else "(router error)"
        if route in policy.timed_out_routes:
            level = logging.DEBUG
        else:
            policy.timed_out_routes.add(route)
            level = logging.WARNING
        logger.log(
            level,
            "CORS origin callable did not answer within origin_timeout=%ss on route %r; "
            "the request's origin is refused (later timeouts on this route are logged at "
            "DEBUG)",
            timeout,
            printable(route, 200),
        )
        return pending.fallback


async def settle(
    request: web.Request,
    answer: PreflightAnswer | Pending[PreflightAnswer],
    policy: ResourcePolicy | None = None,
    refusals: RefusalNotifier | None = None,
) -> PreflightAnswer:
    """The final answer (awaiting an async origin callable, at most the policy's
    ``origin_timeout``); refusals logged and handed to the ``on_refusal`` receivers of
    *refusals*, if it has any."""
    if isinstance(answer, Pending):
        answer = await within_timeout(answer, request, policy)
    if answer.refusal is not None:
        reason = answer.refusal.removeprefix(PREFLIGHT_FAILED)
        log_refusal("preflight", reason, request)
        if refusals:
            method = request.headers.get(ACRM, "")
            await refusals.send(request, refusal_of("preflight", request, reason, method))
    return answer


def preflight_response(answer: PreflightAnswer, vary_extra: str | None = None) -> PreflightResponse:
    """The response to a preflight, with the headers the answer gives it."""
    headers = answer.headers_to_send(vary_extra)
    if answer.refusal is None:
        return PreflightResponse(headers=headers)
    return PreflightResponse(status=403, text=answer.refusal, headers=headers)


async def respond_to_preflight(
    request: web.Request, policy: ResourcePolicy, refusals: RefusalNotifier | None = None
) -> PreflightResponse:
    answer = ask_preflight(request, policy)
    # A granted answer (most often from the policy's cache) needs no further step.
    if type(answer) is not PreflightAnswer or answer.refusal is not None:
        answer = await settle(request, answer, policy, refusals)
    return preflight_response(answer, policy.vary_extra)


def innermost(apps: Sequence[web.Application], key: web.AppKey[T]) -> T | None:
    """What the innermost of *apps* (a request's chain, outermost first) holds under *key*.

    Not ``request.config_dict``: aiohttp builds it from the app whose middleware or
    handler is running and keeps it for the request, so read in a parent's middleware it
    would miss the sub-application's configuration for good.
    """
    for app in reversed(apps):
        found = app.get(key)
        if found is not None:
            return found
    return None


def warn_at_request_time(message: str, code: str) -> None:
    """Emit a ``CorsSecurityWarning`` while serving a request.  A filter that turns it into
    an error must not turn the request into a 500: it is logged instead."""
    try:
        warnings.warn(CorsSecurityWarning(message, code), stacklevel=3)
    except Warning:
        logger.warning("%s", message)


def own_origin(request: web.Request) -> str:
    """The origin this request was addressed to (scheme and Host, as the request object
    the handler got says: behind a TLS-terminating proxy, install a forwarded-header
    middleware such as aiohttp-remotes' so that these are the public ones)."""
    return serialize_origin(request.scheme, request.host)


def route_label(request: web.Request) -> str:
    """The matched resource's path pattern, for messages."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else request.path


def refusal_of(kind: RefusalKind, request: web.Request, reason: str, method: str) -> Refusal:
    """The ``on_refusal`` record of a refused request."""
    origin = request.headers.get(ORIGIN)
    return Refusal(kind, origin, reason, route_label(request), method, request.path)


def actual_refusal_reason(
    policy: ResourcePolicy, method: str, origins: Sequence[str], answer: ActualAnswer
) -> str | None:
    """Why an actual request with an Origin was refused, or None if it was not: its answer
    is the table's answer for origins no rule admits (unless that table answers every
    request alike, ``"*"`` with ``send_wildcard``, and so refuses nobody)."""
    table = policy.actual_tables.get(method, policy.other_methods)
    if table is None or answer is not table.refused or table.refused is table.no_origin:
        return None
    if len(origins) != 1:
        return "the request has more than one Origin header"
    return f"origin '{printable(origins[0])}' is not allowed"


def log_refusal(what: str, reason: str, request: web.Request) -> None:
    """Log one refused preflight or handshake at DEBUG, escaped so that a hostile header
    can neither forge nor flood log lines."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s refused: %s (path=%r, route=%r)",
            what,
            printable(reason, 300),
            printable(str(request.path), 200),
            printable(str(route_label(request)), 200),
        )


#: How long an async origin callable may take, by default, before the request's origin is
#: refused.  A callable that looks the origin up (a database, a cache) answers in
#: milliseconds; five seconds leaves room for a slow dependency under load while keeping a
#: hung one from holding responses (and their connections) forever.
DEFAULT_ORIGIN_TIMEOUT: Final = 5.0


def check_origin_timeout(value: object) -> float | None:
    """``origin_timeout`` as a number of seconds (None: no bound), or a clear error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"origin_timeout must be a number of seconds or None, got {value!r}")
    if not 0 < value < float("inf"):
        raise ValueError(
            f"origin_timeout must be a positive, finite number of seconds, got {value!r}"
        )
    return float(value)
