"""The answer to a preflight: the compiled policy's verdict written as a response."""

from __future__ import annotations

from typing import Any

from aiohttp import hdrs, web
from multidict import CIMultiDict

from .._core.headers import ACRH, ACRM, ACRPN
from .._core.policy import (
    NO_METHOD_TEXT,
    NO_ORIGIN_TEXT,
    PREFLIGHT_VARY,
    SEVERAL_ORIGINS_TEXT,
    OriginTable,
    Refusal,
    ResourcePolicy,
    Rule,
    judge_preflight,
)
from .diagnostics import log_refusal

_FAILED_PREFIX = "CORS preflight request failed: "


class PreflightResponse(web.Response):
    """The plugin's own answer to a preflight; the prepare hook leaves it alone."""


class PreflightRefused(web.HTTPForbidden):
    """A refused preflight raised from ``CorsViewMixin.options`` (0.8.1 raised
    ``HTTPForbidden`` there); like ``PreflightResponse``, it gets no CORS headers."""


def header_values(headers: Any, name: str) -> list[str]:
    """Every value of header *name* (several lines allowed)."""
    getall = getattr(headers, "getall", None)
    if getall is not None:
        return list(getall(name, ()))
    value = headers.get(name)  # a plain mapping, as 0.8.1-era tests build requests
    return [] if value is None else [value]


async def rule_for(table: OriginTable, origin: str) -> Rule | None:
    """The rule for *origin*, awaiting async origin callables only where configured."""
    if table.has_async:
        return await table.match_async(origin)
    return table.match(origin)


def refuse(request: web.Request, text: str, origin: str | None) -> PreflightResponse:
    """A refused preflight: 403, text/plain, no CORS headers; logged at DEBUG."""
    log_refusal("preflight", text.removeprefix(_FAILED_PREFIX), request, origin)
    response = PreflightResponse(status=403, text=text)
    response.headers[hdrs.VARY] = PREFLIGHT_VARY
    return response


async def answer_preflight(request: web.Request, policy: ResourcePolicy) -> PreflightResponse:
    """Answer an OPTIONS request on a CORS-enabled resource as a preflight."""
    headers = request.headers
    origin = headers.get(hdrs.ORIGIN)
    if origin is None:
        return refuse(request, NO_ORIGIN_TEXT, None)
    if len(header_values(headers, hdrs.ORIGIN)) > 1:
        return refuse(request, SEVERAL_ORIGINS_TEXT, origin)
    method = headers.get(ACRM)
    if method is None:
        return refuse(request, NO_METHOD_TEXT, origin)
    table, routed = policy.table_for(method)
    verdict = judge_preflight(
        origin=origin,
        method=method,
        rule=await rule_for(table, origin),
        routed=routed,
        table_empty=table.empty,
        request_headers=header_values(headers, ACRH),
        private_network=headers.get(ACRPN) == "true",
    )
    if isinstance(verdict, Refusal):
        return refuse(request, verdict.text, origin)
    return PreflightResponse(headers=CIMultiDict(verdict))
