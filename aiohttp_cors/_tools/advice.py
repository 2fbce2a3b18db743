"""Fix lines that name the change to make in an aiohttp_cors configuration.

The browser model (:mod:`.browser`) says which rule failed and what any server must send. The
doctor checks servers built with this plugin most of all, so for each failed rule this module
adds the exact change to make with it: the option and the value to add
(``ResourceOptions(allow_methods=[..., "PUT"])``), the origin key to add to the config passed to
``cors.add(...)`` or ``setup(app, defaults=...)``, or the ``cors.add(route, ...)`` call for a
route without CORS.

When a preflight was refused with one of the plugin's 403 texts (``CORS preflight request
failed: ...``, kept word for word from aiohttp-cors 0.8.1), the server is this plugin or 0.8.1,
and the text names the reason: the fix then says only what to change in the configuration.
The texts are read from the response, never imported: the referee shares no code with the
plugin's decisions. Every name in a fix is a public one.

Fixes are written in the application's own mode when the caller knows it (``ConfigMode``:
``setup(app, defaults=..., all_routes=...)``, ``@custom_cors({...})`` or ``cors.add``), and
every fix that widens access ends with a reminder to make it only for an origin you trust.
When the plugin's 403 names only the first refused item, the doctor finds the others and
:func:`advise_refused` names them all with one combined fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from .._core.headers import ACAH, NEVER_EXPOSED_RESPONSE_HEADERS
from .browser import (
    REFUSED_PREFLIGHT_PREFIX,
    BrowserRequest,
    Header,
    Problem,
    Verdict,
    extract_list,
)

_METHOD_REFUSED_RE = re.compile(r"request method '(.+)' is not allowed for '(.*)' origin")
_HEADERS_REFUSED_RE = re.compile(r"headers are not allowed: (.+)")
_ORIGIN_REFUSED_RE = re.compile(r"origin '(.*)' is not allowed")
_NO_ORIGINS = "no origins are allowed"
_PRIVATE_NETWORK_REFUSED_RE = re.compile(r"private network access is not allowed for '(.*)' origin")
_NOT_CONFIGURED = "CORS is not configured"
_NOT_FROM_A_BROWSER = (
    "origin header is not specified",
    "'Access-Control-Request-Method' header is not specified",
    "the request has more than one Origin header",
)


def _quote(value: str) -> str:
    """A Python string literal for ``value``, as a user would write it in their config."""
    return json.dumps(value)


#: How the application under check configures CORS, when the caller knows
#: (:mod:`aiohttp_cors.testing` reads it from the app): ``"app-wide"`` (``setup(app,
#: defaults=..., all_routes=...)`` covers the route), ``"cors.add"`` (the route was passed
#: to ``cors.add``), ``"decorator"`` (the handler has ``@custom_cors``), or ``"unknown"``
#: (the command line, checking any server): then the fixes name both usual places.
ConfigMode = Literal["unknown", "app-wide", "cors.add", "decorator"]


def _where(origin: str, mode: ConfigMode = "unknown") -> str:
    """Where the options of *origin* are written, in the application's own mode."""
    key = f"in the options for the origin key {_quote(origin)}"
    if mode == "app-wide":
        return f"{key} (in setup(app, defaults=..., all_routes=...))"
    if mode == "decorator":
        return f"{key} (in the @custom_cors({{...}}) of this route's handler)"
    if mode == "cors.add":
        return (
            f"{key} (in the config passed to cors.add(route, {{...}}) for this route, or in "
            "setup(app, defaults=...))"
        )
    return f"{key} (the config passed to cors.add(...) for this route, or setup(app, defaults=...))"


def _with_origin_key(origin: str, options: str, mode: ConfigMode) -> str:
    """The call that gives *origin* the *options*, in the application's own mode."""
    entry = f"{{{_quote(origin)}: {options}}}"
    if mode == "app-wide":
        return f"setup(app, defaults={entry}, all_routes=...)"
    if mode == "decorator":
        return f"@custom_cors({entry}) on this route's handler"
    if mode == "cors.add":
        return f"cors.add(route, {entry})"
    return f"cors.add(route, {entry}) or setup(app, defaults={entry})"


def trust_note(origin: str, *, credentials: bool = False) -> str:
    """The warning every fix that widens access carries: it is a decision about trust."""
    reach = "with your users' cookies " if credentials else ""
    return (
        f" Do this only if you trust it: every page on {origin} can then make this request "
        f"{reach}and read the answer."
    )


def _add_to(option: str, values: Sequence[str], origin: str, mode: ConfigMode = "unknown") -> str:
    listed = ", ".join(_quote(v) for v in values)
    return f"ResourceOptions({option}=[..., {listed}]) {_where(origin, mode)}"


def _options_needed(request: BrowserRequest) -> str:
    """The ResourceOptions(...) that lets ``request`` through on a route added with cors.add()."""
    arguments: list[str] = []
    if request.credentials:
        arguments.append("allow_credentials=True")
    headers = _page_spelling(request, request.unsafe_header_names)
    if headers:
        arguments.append(f"allow_headers=[{', '.join(_quote(h) for h in headers)}]")
    if request.read_headers:
        exposed = ", ".join(_quote(h) for h in request.read_headers)
        arguments.append(f"expose_headers=[{exposed}]")
    if request.private_network:
        arguments.append("allow_private_network=True")
    return f"ResourceOptions({', '.join(arguments)})"


def _enable_cors(request: BrowserRequest, path: str, mode: ConfigMode = "unknown") -> str:
    entry = f"{{{_quote(request.origin)}: {_options_needed(request)}}}"
    if mode == "app-wide":
        return (
            f"setup(app, defaults={entry}, all_routes=...) with all_routes covering {path}, "
            "and no @cors_exempt on its handler"
        )
    return (
        f"cors.add(route, {entry}) for the route that serves {path} (or cors.add(route) with "
        "that origin key in setup(app, defaults=...))"
    )


def _page_spelling(request: BrowserRequest, names: Sequence[str]) -> list[str]:
    """``names`` (any letter case) as the page spells them in its request headers."""
    spelled = {name.lower(): name for name, _ in request.headers}
    return [spelled.get(name.lower(), name) for name in names]


def _has_vary_origin(seen: Sequence[Header]) -> bool:
    return any(
        name.lower() == "vary" and "origin" in (item.strip().lower() for item in value.split(","))
        for name, value in seen
    )


def _has_cors_headers(seen: Sequence[Header]) -> bool:
    return any(name.lower().startswith("access-control-") for name, _ in seen)


# --------------------------------------------------------------------------------------------------
# A preflight refused with one of the plugin's 403 texts
# --------------------------------------------------------------------------------------------------


def _refusal_fix(
    reason: str, request: BrowserRequest, path: str, mode: ConfigMode = "unknown"
) -> str | None:
    """The configuration change for a refusal text (without its prefix), if it is known."""
    origin = request.origin
    trust = trust_note(origin, credentials=request.credentials)
    if match := _METHOD_REFUSED_RE.fullmatch(reason):
        method = match.group(1)
        fix = f"Allow {method} for this origin on this route: "
        if mode == "app-wide":
            # Every route of a covered path is CORS-enabled: a refused method is one the
            # path does not serve (or one allow_methods leaves out).
            listed = _add_to("allow_methods", [method], origin, mode)
            fix += (
                f"app-wide mode covers every route of {path}, so it needs a {method} route; "
                f"with a list in allow_methods, also {listed}."
            )
        else:
            fix += (
                f"{_add_to('allow_methods', [method], origin, mode)}. With allow_methods=None "
                "(the default), a preflight may ask only for the methods of routes passed to "
                f"cors.add(), so cors.add() the {method} route of {path} instead. Either way "
                f"the path needs a {method} route: a preflight is granted only for a method "
                "the resource serves."
            )
        if method != method.upper():
            fix += (
                f" Methods are compared case-sensitively: if the route is for "
                f"{method.upper()}, make the page send {_quote(method.upper())}."
            )
        return fix + trust
    if match := _HEADERS_REFUSED_RE.fullmatch(reason):
        names = _page_spelling(request, [n.strip() for n in match.group(1).split(",")])
        return (
            f"Allow {'these request headers' if len(names) > 1 else 'this request header'}: "
            f"{_add_to('allow_headers', names, origin, mode)}, or stop sending "
            f"{'them' if len(names) > 1 else 'it'} from the page." + trust
        )
    if _ORIGIN_REFUSED_RE.fullmatch(reason):
        return (
            f"Add the origin key {_quote(origin)} to the config of this route: "
            f"{_with_origin_key(origin, 'ResourceOptions(...)', mode)}; a pattern key "
            "(such as 'https://*.example.com') or a function may cover it too. If you meant to "
            "allow it already, compare the spelling: scheme, 'www.', port, no trailing slash."
            + trust
        )
    if reason == _NO_ORIGINS:
        if mode == "app-wide":
            return (
                "setup(app, all_routes=...) got no defaults, so no origin is allowed: "
                f"{_with_origin_key(origin, 'ResourceOptions(...)', mode)}." + trust
            )
        return (
            "This route was passed to cors.add() without a config and setup() got no "
            f"defaults, so no origin is allowed: give one of them the origin key, "
            f"cors.add(route, {{{_quote(origin)}: ResourceOptions(...)}}) or "
            f"setup(app, defaults={{{_quote(origin)}: ResourceOptions(...)}})." + trust
        )
    if _PRIVATE_NETWORK_REFUSED_RE.match(reason):
        return (
            "Allow Private Network Access for this origin: "
            f"ResourceOptions(allow_private_network=True) {_where(origin, mode)}." + trust
        )
    if reason == _NOT_CONFIGURED:
        return (
            "The view's application has no CORS: call aiohttp_cors.setup(app) on the "
            "application that serves it (or on a parent application) and cors.add() its route."
            + trust
        )
    if reason.startswith(_NOT_FROM_A_BROWSER):
        return (
            "A browser always sends one Origin and an Access-Control-Request-Method with a "
            "preflight: something between the page and the server (a proxy, a gateway) "
            "changed those headers."
        )
    return None


def is_itemised_refusal(body: str) -> bool:
    """Whether *body* is the plugin's refusal of a preflight's method or of a header: a
    refusal that names only the first refused item, so there may be more."""
    said = " ".join(body.split())
    if not said.startswith(REFUSED_PREFLIGHT_PREFIX):
        return False
    reason = said.removeprefix(REFUSED_PREFLIGHT_PREFIX)
    return bool(_METHOD_REFUSED_RE.fullmatch(reason) or _HEADERS_REFUSED_RE.fullmatch(reason))


def refused_method_in(body: str) -> bool:
    """Whether *body* is the plugin's refusal of the preflight's method."""
    said = " ".join(body.split()).removeprefix(REFUSED_PREFLIGHT_PREFIX)
    return _METHOD_REFUSED_RE.fullmatch(said) is not None


@dataclass(frozen=True)
class RefusedItems:
    """Everything a preflight asked for that the server refuses, each item asked on its
    own (the plugin's 403 names the first refused item only)."""

    method: str | None
    headers: tuple[str, ...]
    credentials: bool
    #: What could not be asked on its own (no method of the route was granted to ask with).
    unchecked: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return (self.method is not None) + len(self.headers) + self.credentials

    def described(self) -> str:
        items = []
        if self.method is not None:
            items.append(f"the method {self.method}")
        if self.headers:
            plural = "s" if len(self.headers) > 1 else ""
            items.append(f"the header{plural} {', '.join(self.headers)}")
        if self.credentials:
            items.append("credentials")
        return "; ".join(items)


def combined_fix(
    refused: RefusedItems, request: BrowserRequest, path: str, mode: ConfigMode = "unknown"
) -> str:
    """One change that lets every refused item through, where the application writes it."""
    arguments = []
    if refused.credentials:
        arguments.append("allow_credentials=True")
    if refused.method is not None:
        arguments.append(f"allow_methods=[..., {_quote(refused.method)}]")
    if refused.headers:
        listed = ", ".join(_quote(h) for h in _page_spelling(request, refused.headers))
        arguments.append(f"allow_headers=[..., {listed}]")
    fix = (
        f"Allow all of it at once: ResourceOptions({', '.join(arguments)}) "
        f"{_where(request.origin, mode)}."
    )
    if refused.method is not None:
        fix += (
            f" {path} needs a {refused.method} route: a preflight is granted only for a "
            "method the resource serves"
            + (
                " (app-wide mode covers that route once it exists)."
                if mode == "app-wide"
                else " (with allow_methods=None, the default, cors.add() of that route is "
                "enough for the method)."
            )
        )
    if refused.unchecked:
        fix += (
            f" Not checked one by one ({', '.join(refused.unchecked)}): no method was "
            "granted to ask with; check again after this change."
        )
    return fix + trust_note(request.origin, credentials=request.credentials)


def advise_refused(
    verdict: Verdict,
    refused: RefusedItems,
    request: BrowserRequest,
    path: str,
    mode: ConfigMode = "unknown",
) -> Verdict:
    """*verdict* of a refused preflight, its problem naming every refused item and one fix.

    When the 403 named the only refused item, its own fix (which says more about that item)
    stays.
    """
    if refused.count <= 1 and not refused.unchecked:
        return verdict
    problems = tuple(
        replace(
            p,
            message=f"{p.message} Asked one item at a time, the server refuses: "
            f"{refused.described()}.",
            fix=combined_fix(refused, request, path, mode),
        )
        if p.rule == "preflight-status"
        else p
        for p in verdict.problems
    )
    return replace(verdict, problems=problems)


# --------------------------------------------------------------------------------------------------
# Every other failed rule: what the plugin's options say
# --------------------------------------------------------------------------------------------------

Advisor = Callable[[Problem, Verdict, BrowserRequest, str, ConfigMode], str | None]


def _missing_acao(
    problem: Problem, verdict: Verdict, request: BrowserRequest, path: str, mode: ConfigMode
) -> str:
    trust = trust_note(request.origin, credentials=request.credentials)
    if _has_cors_headers(verdict.seen):
        return f"make sure {_quote(request.origin)} is among the origin keys of this route." + trust
    if problem.stage == "preflight":
        return (
            "the route's own OPTIONS handler answered this preflight; "
            + _enable_cors(request, path, mode)
            + " makes the plugin answer preflights first (your handler keeps plain OPTIONS "
            "requests)." + trust
        )
    if _has_vary_origin(verdict.seen):
        return (
            "the response varies on Origin, so CORS is on for this route, but "
            f"{_quote(request.origin)} matches none of its origin keys: add it, "
            f"{_with_origin_key(request.origin, 'ResourceOptions(...)', mode)}." + trust
        )
    return (
        "this route has no CORS at all; enable it: " + _enable_cors(request, path, mode) + "."
    ) + trust


def _preflight_status(
    problem: Problem, verdict: Verdict, request: BrowserRequest, path: str, mode: ConfigMode
) -> str | None:
    trust = trust_note(request.origin, credentials=request.credentials)
    if verdict.status in (404, 405, 501):
        return "enable CORS on the route, so the plugin answers its preflights: " + (
            _enable_cors(request, path, mode) + "." + trust
        )
    if verdict.status in (401, 403) and not _has_cors_headers(verdict.seen):
        return (
            "CORS-enabled routes get their preflights answered before any middleware, "
            "authentication included: " + _enable_cors(request, path, mode) + "." + trust
        )
    return None


def _method_not_allowed(
    problem: Problem, verdict: Verdict, request: BrowserRequest, path: str, mode: ConfigMode
) -> str:
    return (
        _add_to("allow_methods", [request.wire_method], request.origin, mode)
        + "."
        + trust_note(request.origin, credentials=request.credentials)
    )


def _header_not_allowed(
    problem: Problem, verdict: Verdict, request: BrowserRequest, path: str, mode: ConfigMode
) -> str:
    try:
        allowed = {h.lower() for h in extract_list(verdict.seen, ACAH) or ()}
    except ValueError:  # reported as acah-invalid
        allowed = set()
    missing = [n for n in request.unsafe_header_names if n != "authorization" and n not in allowed]
    return (
        _add_to("allow_headers", _page_spelling(request, missing), request.origin, mode)
        + "."
        + trust_note(request.origin, credentials=request.credentials)
    )


def _authorization(
    problem: Problem, verdict: Verdict, request: BrowserRequest, path: str, mode: ConfigMode
) -> str:
    return (
        _add_to("allow_headers", _page_spelling(request, ["authorization"]), request.origin, mode)
        + "; allow_headers='*' never covers it."
        + trust_note(request.origin, credentials=request.credentials)
    )


def _credentials(
    problem: Problem, verdict: Verdict, request: BrowserRequest, path: str, mode: ConfigMode
) -> str:
    return f"ResourceOptions(allow_credentials=True) {_where(request.origin, mode)}." + (
        trust_note(request.origin, credentials=True)
    )


def _credentials_invalid(
    problem: Problem, verdict: Verdict, request: BrowserRequest, path: str, mode: ConfigMode
) -> str:
    return (
        f"ResourceOptions(allow_credentials=True) {_where(request.origin, mode)} makes the "
        "plugin send exactly 'true'; do not set the header in the handler or a proxy."
        + trust_note(request.origin, credentials=True)
    )


def _private_network(
    problem: Problem, verdict: Verdict, request: BrowserRequest, path: str, mode: ConfigMode
) -> str:
    return f"ResourceOptions(allow_private_network=True) {_where(request.origin, mode)}." + (
        trust_note(request.origin, credentials=request.credentials)
    )


def _hidden(header: str, request: BrowserRequest, mode: ConfigMode) -> str | None:
    if header.lower() in NEVER_EXPOSED_RESPONSE_HEADERS:
        return None
    return (
        _add_to("expose_headers", [header], request.origin, mode)
        + "."
        + trust_note(request.origin, credentials=request.credentials)
    )


_ADVISORS: dict[str, Advisor] = {
    "acao-missing": _missing_acao,
    "preflight-status": _preflight_status,
    "method-not-allowed": _method_not_allowed,
    "header-not-allowed": _header_not_allowed,
    "authorization-not-listed": _authorization,
    "acac-missing": _credentials,
    "acac-invalid": _credentials_invalid,
    "private-network-not-allowed": _private_network,
}


def _with_plugin_fix(problem: Problem, extra: str | None) -> Problem:
    if extra is None:
        return problem
    return replace(problem, fix=f"{problem.fix} With aiohttp_cors: {extra}")


def _advise_problem(
    problem: Problem,
    verdict: Verdict,
    request: BrowserRequest,
    path: str,
    body: str,
    mode: ConfigMode,
) -> Problem:
    said = " ".join(body.split())
    if problem.rule == "preflight-status" and said.startswith(REFUSED_PREFLIGHT_PREFIX):
        fix = _refusal_fix(said.removeprefix(REFUSED_PREFLIGHT_PREFIX), request, path, mode)
        return problem if fix is None else replace(problem, fix=fix)
    advisor = _ADVISORS.get(problem.rule)
    extra = advisor(problem, verdict, request, path, mode) if advisor else None
    return _with_plugin_fix(problem, extra)


def advise(
    verdict: Verdict,
    request: BrowserRequest,
    path: str,
    body: str = "",
    mode: ConfigMode = "unknown",
) -> Verdict:
    """``verdict`` with each problem's fix naming the change to make with aiohttp_cors.

    ``path`` names the route in the fixes; ``body`` is the start of the response body, where
    the plugin says why it refused a preflight; ``mode`` is how the application configures
    CORS for the route, when the caller knows, so that the fix is written the same way.
    Every fix that widens access says to make it only for an origin you trust.
    """
    # The model reports one header-hidden problem per hidden header, in the same order.
    hidden = iter(verdict.hidden_headers)
    problems = tuple(
        _with_plugin_fix(p, _hidden(next(hidden), request, mode))
        if p.rule == "header-hidden"
        else _advise_problem(p, verdict, request, path, body, mode)
        for p in verdict.problems
    )
    return replace(verdict, problems=problems)
