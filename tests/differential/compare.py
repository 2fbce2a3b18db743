"""Compares what a program did under our package and under aiohttp-cors 0.8.1.

An outcome is cut into *fields*: the configuration-time errors (``build_error``,
``config_errors``, ``startup_error``) and, per request, ``status``, ``body`` (403 only),
``vary``, ``error`` (the client saw no response) and each ``access-control-*`` header.  Two
answers differ in the fields whose normalised values differ; normalising only removes what
carries no meaning (the order of comma-separated lists, hash-ordered names in 0.8.1's refusal
text, the letter case of ``Vary`` tokens).

A difference is allowed when every differing field is covered by a row of the table (an
:class:`Allowed` whose predicate holds for the exchange).  Anything else is reported, grouped
by *cause* (the kind of request and how each field differs), with the smallest program that
still shows it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .matrix import ALLOWED, REFUSED, Request
from .programs import Program, smaller
from .upstream import Outcome, RunnerPair

LIST_HEADERS = frozenset(
    {
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-expose-headers",
    }
)
CONFIG_FIELDS = ("build_error", "config_errors", "startup_error")
_REFUSED_HEADERS = re.compile(r"^(CORS preflight request failed: headers are not allowed: )(.*)$")

Answer = Mapping[str, Any]


@dataclass(frozen=True)
class Exchange:
    """One request of one program and both answers; for configuration-time fields,
    *request* is None and the answers are the outcomes' error fields."""

    program: Program
    request: Request | None
    ours: Answer
    theirs: Answer
    # The methods aiohttp routes to a handler at the request's path.
    served: frozenset[str] = frozenset()
    # How many resources have the request's path (more than one: a split path).
    resources: int = 0
    # Both sides' configuration-time errors, as (type, message).
    ours_errors: tuple[tuple[str, str], ...] = ()
    theirs_errors: tuple[tuple[str, str], ...] = ()

    def header(self, side: str, name: str) -> str | None:
        answer = self.ours if side == "ours" else self.theirs
        value = answer.get("cors", {}).get(name)
        return None if value is None else str(value)


@dataclass(frozen=True)
class Allowed:
    """A row of the table of allowed differences."""

    name: str
    fields: frozenset[str]  # the fields whose difference it excuses; "*" for any header
    applies: Callable[[Exchange], bool]
    documented_in: str  # the section of docs/migration.rst that describes it
    why: str

    def covers(self, field: str) -> bool:
        return field in self.fields or ("*" in self.fields and field.startswith("access-"))


@dataclass(frozen=True)
class Difference:
    cause: str
    fields: frozenset[str]
    exchange: Exchange


def _normal_header(name: str, value: str) -> object:
    if name in LIST_HEADERS:
        return sorted(token.strip() for token in value.split(",") if token.strip())
    return value


def _normal_body(body: str | None) -> str | None:
    if body is None:
        return None
    refused = _REFUSED_HEADERS.match(body)
    if refused:
        return refused.group(1) + ", ".join(sorted(refused.group(2).split(", ")))
    return body


def normal_fields(answer: Answer) -> dict[str, object]:
    if "error" in answer:
        return {"error": answer["error"]}
    fields: dict[str, object] = {
        "status": answer["status"],
        "body": _normal_body(answer["body"]),
        "vary": sorted(
            {token.strip().lower() for line in answer["vary"] for token in line.split(",")} - {""}
        ),
    }
    for name, value in answer["cors"].items():
        fields[name] = _normal_header(name, value)
    return fields


def _shape(value: object) -> str:
    return "absent" if value is None else "set"


def _cause(kind: str, ours: Mapping[str, object], theirs: Mapping[str, object]) -> str:
    """A short name for how two answers differ, coarse enough that one behaviour gives one
    cause: the status (or a dropped connection) first; else whether
    ``Access-Control-Allow-Origin`` is sent; else which headers differ."""
    differing = sorted(
        field for field in set(ours) | set(theirs) if ours.get(field) != theirs.get(field)
    )
    parts = []
    for field in differing:
        if field in ("status", "error", *CONFIG_FIELDS):
            parts.append(
                f"{field} {_describe(ours.get(field))} (0.8.1: {_describe(theirs.get(field))})"
            )
    acao = "access-control-allow-origin"
    if acao in differing and not parts:
        parts.append(f"{acao} {_shape(ours.get(acao))} (0.8.1: {_shape(theirs.get(acao))})")
    if not parts:
        for field in differing:
            if ours.get(field) is None or theirs.get(field) is None:
                parts.append(
                    f"{field} {_shape(ours.get(field))} (0.8.1: {_shape(theirs.get(field))})"
                )
            else:
                parts.append(f"{field} differs")
    return f"{kind}: " + "; ".join(parts)


def _describe(value: object) -> str:
    if isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], str):
        return str(value[0])  # an error: its type
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(sorted({_describe(item) for item in value})) + "]"
    return "none" if value is None else str(value)


def _excused(
    field: str, exchange: Exchange, table: Sequence[Allowed], usage: Counter[str] | None
) -> bool:
    for row in table:
        if row.covers(field) and row.applies(exchange):
            if usage is not None:
                usage[row.name] += 1
            return True
    return False


def _situation(exchange: Exchange) -> str:
    """The request's kind, its origin's class, and for preflights whether the path serves
    the requested method: what a cause's name starts with."""
    request = exchange.request
    assert request is not None
    origin = request.header("Origin")
    if origin is None:
        where = "without Origin"
    elif origin == "null":
        where = "from null"
    elif origin in ALLOWED:
        where = "from a listed origin"
    elif origin == REFUSED:
        where = "from an unlisted origin"
    else:
        where = "from a malformed origin"
    situation = f"{request.kind} {where}"
    method = request.header("Access-Control-Request-Method")
    if request.kind == "preflight" and method is not None:
        served = "served" if method.upper() in exchange.served else "not served"
        situation += f" for a {served} method"
    return situation


def _all_errors(outcome: Outcome) -> tuple[tuple[str, str], ...]:
    found = list(outcome.config_errors)
    for error in (outcome.build_error, outcome.startup_error):
        if error is not None:
            found.append(error)
    return tuple(found)


def differences(
    program: Program,
    ours: Outcome,
    theirs: Outcome,
    table: Sequence[Allowed],
    usage: Counter[str] | None = None,
) -> Iterator[Difference]:
    """The differences between two outcomes of *program* that *table* does not allow;
    *usage* counts, per row, the fields it excused."""
    configuration_ours = {
        "build_error": ours.build_error,
        "config_errors": list(ours.config_errors) or None,
        "startup_error": ours.startup_error,
    }
    configuration_theirs = {
        "build_error": theirs.build_error,
        "config_errors": list(theirs.config_errors) or None,
        "startup_error": theirs.startup_error,
    }
    errors_ours = _all_errors(ours)
    errors_theirs = _all_errors(theirs)
    exchange = Exchange(
        program,
        None,
        configuration_ours,
        configuration_theirs,
        ours_errors=errors_ours,
        theirs_errors=errors_theirs,
    )
    differing = {
        field
        for field in CONFIG_FIELDS
        if configuration_ours[field] != configuration_theirs[field]
        and not _excused(field, exchange, table, usage)
    }
    if differing:
        yield Difference(
            _cause(
                "configuration",
                {field: configuration_ours[field] for field in differing},
                {field: configuration_theirs[field] for field in differing},
            ),
            frozenset(differing),
            exchange,
        )
    for request, mine, upstream in zip(
        program.requests, ours.answers, theirs.answers, strict=False
    ):  # no answers after a build or startup error
        exchange = Exchange(
            program,
            request,
            mine,
            upstream,
            served=ours.served.get(request.path, frozenset()),
            resources=ours.resources.get(request.path, 0),
            ours_errors=errors_ours,
            theirs_errors=errors_theirs,
        )
        ours_fields, theirs_fields = normal_fields(mine), normal_fields(upstream)
        differing = {
            field
            for field in set(ours_fields) | set(theirs_fields)
            if ours_fields.get(field) != theirs_fields.get(field)
            and not _excused(field, exchange, table, usage)
        }
        if differing:
            yield Difference(
                _cause(
                    _situation(exchange),
                    {field: ours_fields.get(field) for field in differing},
                    {field: theirs_fields.get(field) for field in differing},
                ),
                frozenset(differing),
                exchange,
            )


def job(program: Program) -> dict[str, Any]:
    return {
        "source": program.source(),
        "requests": [request.as_json() for request in program.requests],
    }


def _shows(
    program: Program, cause: str, pair: RunnerPair, table: Sequence[Allowed]
) -> Difference | None:
    ours, theirs = pair.run(job(program))
    for difference in differences(program, ours, theirs, table):
        if difference.cause == cause:
            return difference
    return None


def shrink(
    difference: Difference,
    pair: RunnerPair,
    table: Sequence[Allowed],
    budget: int = 400,
) -> Difference:
    """The smallest program found (greedily, within *budget* runs) that still shows the
    difference's cause."""
    exchange = difference.exchange
    program = replace(
        exchange.program, requests=() if exchange.request is None else (exchange.request,)
    )
    best = _shows(program, difference.cause, pair, table) or difference
    if best is difference:
        return difference
    program = best.exchange.program
    runs = 0
    progress = True
    while progress and runs < budget:
        progress = False
        for candidate in smaller(program):
            runs += 1
            found = _shows(candidate, difference.cause, pair, table)
            if found is not None:
                best, program, progress = found, candidate, True
                break
            if runs >= budget:
                break
    return best


def group(found: Iterable[Difference]) -> dict[str, list[Difference]]:
    causes: dict[str, list[Difference]] = {}
    for difference in found:
        causes.setdefault(difference.cause, []).append(difference)
    return causes


def _show_answer(answer: Answer) -> str:
    return "\n".join(f"    {key}: {value}" for key, value in sorted(answer.items()))


def report(cause: str, count: int, examples: Sequence[Difference]) -> str:
    lines = [f"=== {cause}  ({count} answers)"]
    for example in examples:
        exchange = example.exchange
        if exchange.program.complete:
            lines.append(f"--- {exchange.program.name}")
        else:
            lines.append(
                f"--- smallest program found ({exchange.program.name}), after the prelude above:"
            )
            lines.append(exchange.program.source()[len(exchange.program.prelude) :].strip("\n"))
        if exchange.request is not None:
            lines.append("request:\n    " + exchange.request.describe())
        lines.append("ours:\n" + _show_answer(exchange.ours))
        lines.append("aiohttp-cors 0.8.1:\n" + _show_answer(exchange.theirs))
    return "\n".join(lines)
