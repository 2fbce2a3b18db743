"""The differential harness itself: each side runs the package it claims, the comparer sees
a difference that exists, the table excuses only what its rows name, and the shrinker keeps
the difference while it makes the program smaller."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

import aiohttp_cors

from .compare import differences, job, shrink
from .matrix import Request, Target, request_matrix
from .programs import Config, Options, Program, Statement, generate
from .test_differential import ALLOWED_DIFFERENCES
from .upstream import UPSTREAM_VERSION, RunnerPair, UpstreamUnavailable, ensure_environment


@pytest.fixture(scope="module")
def pair() -> Iterator[RunnerPair]:
    try:
        runners = RunnerPair(ensure_environment())
    except UpstreamUnavailable as problem:
        pytest.fail(f"the aiohttp-cors 0.8.1 environment is not usable: {problem}")
    yield runners
    runners.close()


STAR = Config((("*", Options(())),))
PREFLIGHT = Request(
    "OPTIONS",
    "/p",
    (("Origin", "https://a.example"), ("Access-Control-Request-Method", "GET")),
)


def _program(*statements: Statement, requests: tuple[Request, ...] = (PREFLIGHT,)) -> Program:
    return Program("harness", statements, requests)


def test_each_side_imports_its_own_package(pair: RunnerPair) -> None:
    assert aiohttp_cors.__version__ != UPSTREAM_VERSION
    assert "site-packages" in pair.theirs.file and ".venv-upstream" in pair.theirs.file
    assert pair.ours.file == aiohttp_cors.__file__


def test_a_difference_is_seen_and_only_a_row_excuses_it(pair: RunnerPair) -> None:
    # 0.8.1 sends no Vary; we do.  Without the table that is a difference, with it none.
    program = _program(
        Statement("app = web.Application()"),
        Statement("cors = aiohttp_cors.setup(app, defaults=@0)", (STAR,)),
        Statement("cors.add(app.router.add_get('/p', handler))"),
    )
    ours, theirs = pair.run(job(program))
    found = list(differences(program, ours, theirs, ()))
    assert [difference.fields for difference in found] == [frozenset({"vary"})]
    assert not list(differences(program, ours, theirs, ALLOWED_DIFFERENCES))


def test_configuration_errors_are_compared(pair: RunnerPair) -> None:
    # 0.8.1 refuses a "*" route: its error is recorded, ours (none) differs.
    program = _program(
        Statement("app = web.Application()"),
        Statement("cors = aiohttp_cors.setup(app, defaults=@0)", (STAR,)),
        Statement(
            "try:\n    cors.add(app.router.add_route('*', '/p', handler))\n"
            "except Exception as error:\n    note(error)"
        ),
    )
    ours, theirs = pair.run(job(program))
    assert not ours.config_errors
    assert theirs.config_errors[0][0] == "ValueError"
    assert "already has a '*' handler" in theirs.config_errors[0][1]
    causes = {difference.cause for difference in differences(program, ours, theirs, ())}
    assert any(cause.startswith("configuration:") for cause in causes)


def test_the_shrinker_keeps_the_cause_and_drops_the_rest(pair: RunnerPair) -> None:
    program = _program(
        Statement("app = web.Application()"),
        Statement("cors = aiohttp_cors.setup(app, defaults=@0)", (STAR,)),
        Statement("app.router.add_get('/unrelated', handler)"),
        Statement("cors.add(app.router.add_get('/p', handler))"),
        Statement("cors.add(app.router.add_post('/q', handler))"),
        requests=(PREFLIGHT, Request("GET", "/q", ())),
    )
    ours, theirs = pair.run(job(program))
    (first, *_) = differences(program, ours, theirs, ())
    smallest = shrink(first, pair, ())
    assert smallest.cause == first.cause
    kept = [statement.template for statement in smallest.exchange.program.statements]
    assert "app.router.add_get('/unrelated', handler)" not in kept
    assert len(smallest.exchange.program.requests) == 1


@pytest.mark.parametrize("seed", [0, 1, 7, 99])
def test_generated_programs_are_the_same_for_a_seed(seed: int) -> None:
    assert generate(seed) == generate(seed)
    assert generate(seed).source() == generate(seed).source()
    compile(generate(seed).source(), "<program>", "exec")


def test_the_request_matrix_covers_every_kind_of_origin() -> None:
    requests = request_matrix([Target("/p", ("GET", "POST"))], random.Random(0))
    origins = {request.header("Origin") for request in requests}
    assert {"https://a.example", "http://b.example:8080", "https://evil.example", "null"} <= origins
    assert None in origins
    kinds = {request.kind for request in requests}
    assert kinds == {"actual", "preflight", "options"}
