"""The differential test: programs written against aiohttp-cors 0.8.1's public API run under
0.8.1 itself and under this package, and every answer must be the same, except for the
differences in :data:`ALLOWED_DIFFERENCES`, each documented in docs/migration.rst.

- Generated programs: ``AIOHTTP_CORS_DIFF_PROGRAMS`` of them (default 300, what CI runs) from
  the seed ``AIOHTTP_CORS_DIFF_SEED`` (default: :data:`DEFAULT_SEED`, so that CI judges the
  same programs every run; ``random`` for a new one; always printed).
- Real programs: the replays in ``real_programs/``, each citing the program it replays.

A failure lists every cause found with the smallest program that still shows it, as code
that runs under both packages, the request and both answers.  How to run it and how to add
a row to the table: CONTRIBUTING.rst, "The differential test".
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import random
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from . import real_programs
from .compare import Allowed, Difference, Exchange, differences, group, job, report, shrink
from .matrix import Target, request_matrix
from .programs import PRELUDE, Program, generate
from .upstream import RunnerPair, UpstreamUnavailable, ensure_environment

#: The programs CI judges: a fixed seed, so that a run fails only for a change of the code
#: (explore others with ``AIOHTTP_CORS_DIFF_SEED=random``).
DEFAULT_SEED = 20261205

PROGRAMS = int(os.environ.get("AIOHTTP_CORS_DIFF_PROGRAMS", "300"))
EXAMPLES_PER_CAUSE = 3


# The table of allowed differences ------------------------------------------------------
#
# Each row: the answer fields whose difference it excuses ("*": any Access-Control-*
# header), a predicate over the exchange (the program, the request, both answers), the
# section of docs/migration.rst that documents the difference, and why it is kept.


def _vary(answer: object) -> set[str]:
    assert isinstance(answer, dict)
    return {
        token.strip().lower() for line in answer.get("vary", []) for token in line.split(",")
    } - {""}


def _status(answer: object) -> object:
    assert isinstance(answer, dict)
    return answer.get("status")


def _body(answer: object) -> str:
    assert isinstance(answer, dict)
    return str(answer.get("body") or "")


def _kind(exchange: Exchange) -> str:
    return "configuration" if exchange.request is None else exchange.request.kind


def _requested_method(exchange: Exchange) -> str:
    assert exchange.request is not None
    return (exchange.request.header("Access-Control-Request-Method") or "").upper()


def _vary_added(exchange: Exchange) -> bool:
    return _vary(exchange.theirs) <= _vary(exchange.ours) and "origin" in _vary(exchange.ours)


def _handshake_refused(exchange: Exchange) -> bool:
    # 0.8.1 sent no Access-Control-Allow-Origin: its policy did not allow the origin either.
    return (
        _kind(exchange) == "handshake"
        and _status(exchange.ours) == 403
        and _status(exchange.theirs) == 101
        and exchange.header("theirs", "access-control-allow-origin") is None
    )


def _unserved_method_refused(exchange: Exchange) -> bool:
    method = _requested_method(exchange) if _kind(exchange) == "preflight" else ""
    return (
        _kind(exchange) == "preflight"
        and method not in exchange.served
        and _status(exchange.ours) == 403
        and f"request method '{method}' is not allowed" in _body(exchange.ours)
    )


_REFUSED_HEADERS = "CORS preflight request failed: headers are not allowed: "


def _first_refused_header_only(exchange: Exchange) -> bool:
    ours, theirs = _body(exchange.ours), _body(exchange.theirs)
    return (
        ours.startswith(_REFUSED_HEADERS)
        and theirs.startswith(_REFUSED_HEADERS)
        and ours[len(_REFUSED_HEADERS) :] in theirs[len(_REFUSED_HEADERS) :].split(", ")
    )


_STAR_REFUSED = "already has a '*' handler for all methods"
_RESOURCE = re.compile(r"<\w*Resource [^>]*?(/\S*)>")


_OPTIONS_REFUSED = "already has OPTIONS handler"


def _rest_of_config_errors(exchange: Exchange) -> bool:
    """Whether the configuration errors are the same once those of the two documented
    refusals of 0.8.1 (a '*' route, a resource with an OPTIONS route) are set aside, with
    our "already configured" error for a '*' route added twice, which 0.8.1 refused twice."""
    refusals = [text for _, text in exchange.theirs_errors if _STAR_REFUSED in text]
    refused = [found.group(0) for found in map(_RESOURCE.search, refusals) if found]
    theirs = sorted(
        error
        for error in exchange.theirs_errors
        if _STAR_REFUSED not in error[1] and _OPTIONS_REFUSED not in error[1]
    )
    ours = sorted(
        error
        for error in exchange.ours_errors
        if not any(f"on resource {resource} for * method" in error[1] for resource in refused)
    )
    return theirs == ours


def _star_route_refused_by_0_8_1(exchange: Exchange) -> bool:
    refusals = [text for _, text in exchange.theirs_errors if _STAR_REFUSED in text]
    if exchange.request is None:
        return bool(refusals) and _rest_of_config_errors(exchange)
    # 0.8.1 did not CORS-enable the path at all: any answer there may differ.
    path = exchange.request.path
    return any(
        found is not None and path.endswith(found.group(1))
        for found in map(_RESOURCE.search, refusals)
    )


def _options_route_refused_by_0_8_1(exchange: Exchange) -> bool:
    return (
        exchange.request is None
        and any(_OPTIONS_REFUSED in text for _, text in exchange.theirs_errors)
        and _rest_of_config_errors(exchange)
    )


def _missing_method_of_view(exchange: Exchange) -> bool:
    if exchange.request is None:
        return False
    kind = _kind(exchange)
    method = _requested_method(exchange) if kind == "preflight" else exchange.request.method
    crashed = "error" in exchange.theirs or _status(exchange.theirs) == 500
    expected = 403 if kind == "preflight" else 405
    # Only a view's route matches a method it lacks (aiohttp answers 405 for other routes
    # before any CORS code runs), and only there did 0.8.1 crash.
    return method not in exchange.served and crashed and _status(exchange.ours) == expected


def _handler_set_cors_headers(exchange: Exchange) -> bool:
    # 0.8.1 asserted (and dropped the connection) when it was about to write its own
    # headers, and left the handler's when the origin was not allowed.
    request = exchange.request
    return (
        request is not None
        and request.header("Origin") is not None
        and f"{request.path!r}, own_cors)" in exchange.program.source()
    )


def _method_not_added_refused_by_0_8_1(exchange: Exchange) -> bool:
    method = _requested_method(exchange) if _kind(exchange) == "preflight" else ""
    return (
        method in exchange.served
        and _status(exchange.ours) == 200
        and _status(exchange.theirs) == 403
        and "is not allowed for" in _body(exchange.theirs)
    )


def _resource_added_whole(exchange: Exchange) -> bool:
    # cors.add(resource) or cors.add(static resource): 0.8.1 only admitted the methods of
    # routes passed to cors.add one by one.
    assert exchange.request is not None
    path = exchange.request.path
    source = exchange.program.source()
    whole = f"cors.add(app.router.add_resource({path!r})" in source or (
        path.startswith("/static/") and "cors.add(app.router.add_static(" in source
    )
    return whole and _method_not_added_refused_by_0_8_1(exchange)


def _split_path_seen_whole(exchange: Exchange) -> bool:
    # 0.8.1 answered a preflight to a split path from the first resource's routes and
    # configuration alone.
    return exchange.resources > 1 and _kind(exchange) == "preflight"


def _configured_after_start(exchange: Exchange) -> bool:
    # setup() from an on_startup handler: 0.8.1 (on an aiohttp that has not frozen the app
    # yet) went along, or failed with aiohttp's "Cannot modify frozen list."; we refuse it
    # with our own message, on every aiohttp.
    ours = exchange.ours.get("startup_error")
    theirs = exchange.theirs.get("startup_error")
    return (
        isinstance(ours, tuple)
        and ours[0] == "RuntimeError"
        and ("before the application starts" in ours[1] or "has started" in ours[1])
        and (theirs is None or (isinstance(theirs, tuple) and theirs[0] == "RuntimeError"))
    )


def _crashed(answer: object) -> bool:
    assert isinstance(answer, dict)
    return "error" in answer or answer.get("status") == 500


# The serialisation of an origin a browser sends (lower-case scheme and host, a port only
# when not the default one is not checked here): anything else came from no browser.
_BROWSER_ORIGIN = re.compile(r"^(null|[a-z][a-z0-9+.-]*://[a-z0-9.-]+(:[0-9]{1,5})?)$")


def _origin_no_browser_sends(exchange: Exchange) -> bool:
    request = exchange.request
    origin = None if request is None else request.header("Origin")
    return (
        origin is not None
        and not _BROWSER_ORIGIN.match(origin)
        and exchange.header("ours", "access-control-allow-origin") is None
    )


def _cors_config_without_setup(exchange: Exchange) -> bool:
    # 0.8.1's views crashed on every request when CorsConfig(app) was made without setup.
    return "cors = CorsConfig(app" in exchange.program.source() and _crashed(exchange.theirs)


_MAPPING_IN_VIEW = re.compile(r"(cors_config = |@custom_cors\()\{[^\n]*': \{")


def _mapping_options_in_view(exchange: Exchange) -> bool:
    return bool(_MAPPING_IN_VIEW.search(exchange.program.source())) and _crashed(exchange.theirs)


_CLASS = re.compile(r"^ *class (\w+)\(web\.View, CorsViewMixin\):\n((?: {8}.*\n|\s*\n)*)", re.M)
_VIEW_ROUTE = re.compile(r"(?:add_route\('\*', |add_view\()'([^']+)', (\w+)\)(, \{)?")


def _views(source: str) -> dict[str, tuple[str, bool]]:
    """path -> (the view's class body, whether cors.add got a config for it)."""
    bodies = {match.group(1): match.group(2) for match in _CLASS.finditer(source)}
    return {
        match.group(1): (bodies.get(match.group(2), ""), match.group(3) is not None)
        for match in _VIEW_ROUTE.finditer(source)
    }


def _view_at(source: str, path: str) -> tuple[str, bool] | None:
    """The view serving *path* (a sub-application's under its prefix ``/sub``), if any."""
    views = _views(source)
    if path in views:
        return views[path]
    return views.get(path.removeprefix("/sub")) if path.startswith("/sub/") else None


def _view_in_subapp(exchange: Exchange) -> bool:
    # 0.8.1's views read app[APP_CONFIG_KEY] from the sub-application and crashed.
    request = exchange.request
    return (
        request is not None
        and request.path.startswith("/sub/")
        and _view_at(exchange.program.source(), request.path) is not None
        and _crashed(exchange.theirs)
    )


def _override_decides_alone(exchange: Exchange) -> bool:
    request = exchange.request
    if request is None or request.kind not in ("actual", "handshake"):
        return False
    view = _view_at(exchange.program.source(), request.path)
    return view is not None and "def get_request_config" in view[0]


def _view_add_config_before_defaults(exchange: Exchange) -> bool:
    request = exchange.request
    if request is None:
        return False
    view = _view_at(exchange.program.source(), request.path)
    return view is not None and view[1]


def _defaults_assigned(exchange: Exchange) -> bool:
    request = exchange.request
    source = exchange.program.source()
    return (
        request is not None
        and re.search(r"^    cors\.defaults = \{", source, re.M) is not None
        and _view_at(source, request.path) is None
    )


def _view_with_defaults_assigned(exchange: Exchange) -> bool:
    # cors.defaults = None, or a mapping holding options as mappings: 0.8.1 stored what was
    # assigned unparsed, and its views chained it into their config and crashed.
    request = exchange.request
    source = exchange.program.source()
    return (
        request is not None
        and re.search(r"^    cors\.defaults = ", source, re.M) is not None
        and _view_at(source, request.path) is not None
        and _crashed(exchange.theirs)
    )


def _parent_adds_configured_subapp_routes(exchange: Exchange) -> bool:
    # A parent's cors.add of routes of a sub-application with its own setup: ValueError for
    # every one of them here, for only those the sub-application had added in 0.8.1; the
    # sub-application's configuration then answers for its other routes.
    source = exchange.program.source()
    return (
        "sub_cors = aiohttp_cors.setup(sub" in source
        and re.search(r"for route in list\(app\.router\.routes\(\)\):", source) is not None
    )


def _head_follows_get(exchange: Exchange) -> bool:
    request = exchange.request
    if request is None:
        return False
    return request.method == "HEAD" or _requested_method(exchange) == "HEAD"


def _reason(body: str) -> str:
    """A refusal text without the values it quotes: the reason it gives."""
    return re.split(r"['\"]|: ", body.removeprefix("CORS preflight request failed: "), maxsplit=1)[
        0
    ]


def _other_refusal_reason(exchange: Exchange) -> bool:
    prefix = "CORS preflight request failed: "
    ours, theirs = _body(exchange.ours), _body(exchange.theirs)
    return (
        _kind(exchange) == "preflight"
        and _status(exchange.ours) == _status(exchange.theirs) == 403
        and ours.startswith(prefix)
        and theirs.startswith(prefix)
        and _reason(ours) != _reason(theirs)
    )


def _method_as_written(exchange: Exchange) -> bool:
    request = exchange.request
    method = None if request is None else request.header("Access-Control-Request-Method")
    return (
        method is not None
        and method != method.upper()
        and _status(exchange.ours) == 403
        and f"request method '{method}' is not allowed" in _body(exchange.ours)
    )


def _handshake_switched(exchange: Exchange) -> bool:
    return (
        _kind(exchange) == "handshake" and _status(exchange.ours) == _status(exchange.theirs) == 101
    )


# What a browser always lets a page read (plus Set-Cookie, which it never does, and Vary,
# which 0.8.1 did not send): listing them or not changes nothing.
_NEVER_LISTED = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
        "set-cookie",
        "vary",
    }
)


def _exposed_all(exchange: Exchange) -> bool:
    ours = exchange.header("ours", "access-control-expose-headers")
    theirs = exchange.header("theirs", "access-control-expose-headers")
    if ours is None or theirs is None:
        return False

    def names(value: str) -> set[str]:
        return {name.strip().lower() for name in value.split(",")} - {""}

    return names(ours) ^ names(theirs) <= _NEVER_LISTED


ALLOWED_DIFFERENCES: Sequence[Allowed] = (
    Allowed(
        "Vary on every response of a CORS-enabled resource",
        frozenset({"vary"}),
        _vary_added,
        "What changes on purpose: ``Vary`` is added",
        "without Vary a shared cache serves one origin's answer to another",
    ),
    Allowed(
        "WebSocket handshake from an origin the policy does not allow",
        frozenset({"status", "body", "*"}),
        _handshake_refused,
        "What changes on purpose: WebSocket handshakes can get 403",
        "browsers apply no CORS to WebSockets: cross-site WebSocket hijacking",
    ),
    Allowed(
        "preflight for a method no route of the path serves",
        frozenset({"status", "body", "*"}),
        _unserved_method_refused,
        "What changes on purpose: Preflights for methods the resource does not serve are refused",
        "0.8.1 granted it and the browser then got a 405 it could not read",
    ),
    Allowed(
        "refusal text names the first refused request header only",
        frozenset({"body"}),
        _first_refused_header_only,
        "What changes on purpose: ``headers are not allowed`` names the first refused header only",
        "the header list is parsed with bounds and stops at the first refused name",
    ),
    Allowed(
        "a route for every method ('*') that 0.8.1 refused",
        frozenset({"config_errors", "status", "body", "error", "vary", "*"}),
        _star_route_refused_by_0_8_1,
        'What was fixed: Routes for every method, ``"*"`` (#241)',
        "0.8.1 raised and left the path without CORS; it works now",
    ),
    Allowed(
        "a resource that already has an OPTIONS route",
        frozenset({"config_errors"}),
        _options_route_refused_by_0_8_1,
        "What changes on purpose: A resource's own ``OPTIONS`` handler is kept",
        "the plugin answers preflights; the OPTIONS route keeps the other OPTIONS requests",
    ),
    Allowed(
        "a method a view does not implement",
        frozenset({"status", "body", "error", "vary", "*"}),
        _missing_method_of_view,
        "What was fixed: 405 on views (#177)",
        "0.8.1 crashed (500 or a dropped connection); now 403 for the preflight, 405",
    ),
    Allowed(
        "a handler that sets CORS headers itself",
        frozenset({"status", "body", "error", "vary", "*"}),
        _handler_set_cors_headers,
        "What changes on purpose: Handler-set CORS headers are replaced, not asserted on",
        "0.8.1 tripped an assert and dropped the connection (#271)",
    ),
    Allowed(
        "a route of a resource passed whole to cors.add",
        frozenset({"status", "body", "*"}),
        _resource_added_whole,
        "What was fixed: A resource added as a whole",
        "0.8.1 refused every preflight to it unless allow_methods named the method",
    ),
    Allowed(
        "a path registered as several resources",
        frozenset({"status", "body", "*"}),
        _split_path_seen_whole,
        "What was fixed: The same path in several resources (#155, #226)",
        "0.8.1's preflight saw only the first resource: its routes and configuration",
    ),
    Allowed(
        "an Origin value no browser sends, under any key",
        frozenset({"status", "body", "error", "*"}),
        _origin_no_browser_sends,
        'What changes on purpose: Only origins a browser can send are allowed, even by ``"*"``',
        "no browser sends it; reflecting it serves only forged requests",
    ),
    Allowed(
        "an overridden get_request_config decides actual responses too",
        frozenset({"*"}),
        _override_decides_alone,
        "What changes on purpose: An overridden ``get_request_config`` decides alone",
        "0.8.1 refused the preflight but let the actual response be read (with credentials)",
    ),
    Allowed(
        "a view's cors.add config before defaults",
        frozenset({"status", "body", "*"}),
        _view_add_config_before_defaults,
        "What changes on purpose: A view's ``cors.add`` config comes before ``defaults``",
        "0.8.1's preflights ignored it, so a page could read a response it could not send",
    ),
    Allowed(
        "cors.defaults assigned after setup",
        frozenset({"status", "body", "*"}),
        _defaults_assigned,
        "What changes on purpose: Assigning ``cors.defaults`` reaches every route",
        "0.8.1's routes kept the defaults given to setup while its views saw the new ones",
    ),
    Allowed(
        "HEAD takes the GET route's config",
        frozenset({"status", "body", "*"}),
        _head_follows_get,
        "What changes on purpose: ``HEAD`` follows ``GET``",
        "aiohttp answers HEAD with the GET handler; browsers never preflight HEAD",
    ),
    Allowed(
        "a refused preflight names another of its reasons",
        frozenset({"body"}),
        _other_refusal_reason,
        "What changes on purpose: Which reason a refused preflight gives",
        "one order for every way of registering a route, the one troubleshooting lists",
    ),
    Allowed(
        "a requested method in lower case",
        frozenset({"status", "body", "*"}),
        _method_as_written,
        "What changes on purpose: Methods are compared as written",
        "browsers send such a method as written and compare the answer case-sensitively",
    ),
    Allowed(
        "no CORS headers on a handshake's 101",
        frozenset({"*"}),
        _handshake_switched,
        "What changes on purpose: The ``101`` of a WebSocket handshake carries no CORS headers",
        "browsers apply no CORS check to a handshake; its Origin is checked instead",
    ),
    Allowed(
        "a view when CorsConfig(app) was made without setup",
        frozenset({"status", "body", "error", "vary", "*"}),
        _cors_config_without_setup,
        "What was fixed: ``CorsConfig(app)`` without ``setup``",
        "0.8.1's views read app[APP_CONFIG_KEY], which only setup stores, and answered 500",
    ),
    Allowed(
        "a view in a sub-application",
        frozenset({"status", "body", "error", "vary", "*"}),
        _view_in_subapp,
        "What was fixed: Views in sub-applications (#219)",
        "0.8.1's views looked for the configuration in the sub-application and crashed",
    ),
    Allowed(
        "options as mappings in a view's cors_config or @custom_cors",
        frozenset({"status", "body", "error", "vary", "*"}),
        _mapping_options_in_view,
        "What was fixed: Options as mappings in views",
        "0.8.1 answered 500 there",
    ),
    Allowed(
        "cors.defaults assigned None or options as mappings, with a view",
        frozenset({"status", "body", "error", "vary", "*"}),
        _view_with_defaults_assigned,
        "What changes on purpose: Assigning ``cors.defaults`` reaches every route",
        "0.8.1 answered 500 or dropped the connection there",
    ),
    Allowed(
        "a parent's cors.add of a sub-application's routes, the sub-application has a setup",
        frozenset({"config_errors", "status", "body", "vary", "*"}),
        _parent_adds_configured_subapp_routes,
        "What changes on purpose: A sub-application's own ``setup`` decides for all its routes",
        "the innermost configuration decides for its routes",
    ),
    Allowed(
        "CORS configured after the application started",
        frozenset({"startup_error"}),
        _configured_after_start,
        "What changes on purpose: Configuration ends when the application starts",
        "a change after start would apply to some requests and not others",
    ),
    Allowed(
        'expose_headers="*" lists no always-readable header, Set-Cookie or Vary',
        frozenset({"access-control-expose-headers"}),
        _exposed_all,
        'What was fixed: ``expose_headers="*"``',
        "a browser lets pages read those anyway (or never, Set-Cookie)",
    ),
)


# Running ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runners() -> Iterator[RunnerPair]:
    try:
        pair = RunnerPair(ensure_environment())
    except UpstreamUnavailable as problem:
        pytest.fail(f"the aiohttp-cors 0.8.1 environment is not usable: {problem}")
    yield pair
    pair.close()


def _failure(
    found: list[Difference], pair: RunnerPair, heading: str, *, shrinking: bool = True
) -> str:
    causes = group(found)
    parts = [f"{heading}: {len(found)} answers differ, {len(causes)} causes"]
    if any(not difference.exchange.program.complete for difference in found):
        parts.append("Every generated program below starts with this prelude:\n" + PRELUDE)
    for cause, cases in sorted(causes.items(), key=lambda item: -len(item[1])):
        # One example per program, the first few programs.
        seen: set[str] = set()
        examples = []
        for case in cases:
            if case.exchange.program.name in seen:
                continue
            seen.add(case.exchange.program.name)
            examples.append(shrink(case, pair, ALLOWED_DIFFERENCES) if shrinking else case)
            if len(examples) == EXAMPLES_PER_CAUSE:
                break
        parts.append(report(cause, len(cases), examples))
    return "\n\n".join(parts)


def test_generated_programs_answer_as_0_8_1(
    runners: RunnerPair, capsys: pytest.CaptureFixture[str]
) -> None:
    given = os.environ.get("AIOHTTP_CORS_DIFF_SEED", str(DEFAULT_SEED))
    seed = random.randrange(10**9) if given == "random" else int(given)
    with capsys.disabled():
        print(
            f"\ndifferential test: {PROGRAMS} programs, seed {seed} "
            f"(AIOHTTP_CORS_DIFF_SEED={seed} AIOHTTP_CORS_DIFF_PROGRAMS={PROGRAMS} repeats it)"
        )
    programs = [generate(seed + offset) for offset in range(PROGRAMS)]
    started = time.monotonic()
    found: list[Difference] = []
    usage: Counter[str] = Counter()
    for program, (ours, theirs) in zip(
        programs, runners.run_all([job(p) for p in programs]), strict=True
    ):
        found += differences(program, ours, theirs, ALLOWED_DIFFERENCES, usage)
    elapsed = time.monotonic() - started
    requests = sum(len(program.requests) for program in programs)
    with capsys.disabled():
        # Which rows this run needed: a row that never fires in many runs is dead.
        print(f"  {requests} requests in {elapsed:.0f} s; fields excused per row:")
        for row in ALLOWED_DIFFERENCES:
            print(f"  {usage[row.name]:7d}  {row.name}")
    assert requests > PROGRAMS * 20, "the request matrix is too small to mean anything"
    assert not found, _failure(found, runners, f"seed {seed}, {requests} requests, {elapsed:.0f} s")


# Real programs ---------------------------------------------------------------------------

REPLAYS = sorted(
    module.name
    for module in pkgutil.iter_modules(real_programs.__path__)
    if not module.name.startswith("_")
)


def _replay(name: str) -> Program:
    module = importlib.import_module(f"{real_programs.__name__}.{name}")
    source = Path(module.__file__ or "").read_text()
    # The same request matrix as generated programs, from a fixed seed per replay.
    targets = [Target(path, methods) for path, methods in module.TARGETS]
    targets += [
        Target(path, ("GET",), websocket=True) for path in getattr(module, "WEBSOCKETS", ())
    ]
    requests = request_matrix(targets, random.Random(name))
    return Program(
        name=f"tests/differential/real_programs/{name}.py",
        statements=(),
        requests=requests,
        prelude=source,
        complete=True,
    )


def test_every_replay_cites_its_program() -> None:
    assert len(REPLAYS) >= 11
    for name in REPLAYS:
        module = importlib.import_module(f"{real_programs.__name__}.{name}")
        assert re.search(r"^Replays [\w.-]+/[\w.-]+: \S+", module.__doc__ or "", re.M), name


@pytest.mark.parametrize("name", REPLAYS)
def test_real_program_answers_as_0_8_1(runners: RunnerPair, name: str) -> None:
    program = _replay(name)
    ours, theirs = runners.run(job(program))
    assert ours.answers or ours.build_error or ours.startup_error
    found = list(differences(program, ours, theirs, ALLOWED_DIFFERENCES))
    assert not found, _failure(found, runners, program.name, shrinking=False)
