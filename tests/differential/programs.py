"""Programs written against aiohttp-cors 0.8.1's public API, as source text.

A :class:`Program` is a list of :class:`Statement` s, the body of a ``build()`` function that
returns the application, plus the requests to send to it.  Keeping the program as data
(statements with their configurations as :class:`Config` values) lets the shrinker drop a
statement, an origin or an option and render the result again as code a person can run.

:func:`generate` writes one program from a seed, using only what 0.8.1 offers: ``setup`` and
``CorsConfig``, ``cors.add`` of resources, routes, ``"*"`` routes and views (``cors_config``,
``@custom_cors``, ``get_request_config`` overrides), mapping-valued options, ``cors.defaults``
assignments, static resources, sub-applications, WebSocket routes and handlers that set CORS
headers themselves.
"""

from __future__ import annotations

import random
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property

from .matrix import Request, Target, request_matrix

# Shared by every program: the handlers and ``note``, which records an exception that a
# statement raised at configuration time so that the program goes on (0.8.1 raises for
# some ``"*"`` routes and duplicate additions; the type and message are compared).
PRELUDE = """\
from __future__ import annotations

import pathlib
from typing import Any

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsConfig, CorsViewMixin, ResourceOptions, custom_cors

CONFIG_ERRORS: list[list[str]] = []
STATIC = pathlib.Path(web.__file__).parent


def note(error: Exception) -> None:
    CONFIG_ERRORS.append([type(error).__name__, str(error)])


async def handler(request: web.Request) -> web.Response:
    return web.Response(text=request.method, headers={"X-Server": "1", "X-Trace": "t"})


async def own_cors(request: web.Request) -> web.Response:
    # Sets a CORS header itself, as some programs do.
    return web.Response(
        text="own", headers={"Access-Control-Allow-Origin": "https://own.example"}
    )


async def socket(request: web.Request) -> web.WebSocketResponse:
    websocket = web.WebSocketResponse()
    await websocket.prepare(request)
    await websocket.close()
    return websocket
"""

PAGE_A = "https://a.example"
PAGE_B = "http://b.example:8080"
OPTION_VALUES: dict[str, tuple[str, ...]] = {
    "allow_credentials": ("True", "False"),
    "expose_headers": ('["X-Server"]', '"*"', '("X-Server", "X-Trace")', "()"),
    "allow_headers": ('["X-Trace", "Content-Type"]', '"*"', '["x-requested-with"]', "()"),
    "max_age": ("None", "0", "3600"),
    "allow_methods": (
        "None",
        '"*"',
        '["GET", "POST"]',
        '["GET", "POST", "OPTIONS"]',
        '["DELETE"]',
    ),
}
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


@dataclass(frozen=True)
class Options:
    """One origin's options: ``ResourceOptions(...)`` or, with *as_mapping*, a dict."""

    fields: tuple[tuple[str, str], ...]
    as_mapping: bool = False

    def render(self) -> str:
        if self.as_mapping:
            return "{" + ", ".join(f"{name!r}: {value}" for name, value in self.fields) + "}"
        return (
            "ResourceOptions(" + ", ".join(f"{name}={value}" for name, value in self.fields) + ")"
        )


@dataclass(frozen=True)
class Config:
    """An origin -> options mapping as ``setup`` and ``cors.add`` take it."""

    entries: tuple[tuple[str, Options], ...]

    def render(self) -> str:
        return (
            "{"
            + ", ".join(f"{origin!r}: {options.render()}" for origin, options in self.entries)
            + "}"
        )

    def smaller(self) -> Iterator[Config]:
        """Each configuration with one origin or one option fewer."""
        for index in range(len(self.entries)):
            yield Config(self.entries[:index] + self.entries[index + 1 :])
        for index, (origin, options) in enumerate(self.entries):
            for drop in range(len(options.fields)):
                fewer = replace(options, fields=options.fields[:drop] + options.fields[drop + 1 :])
                yield Config((*self.entries[:index], (origin, fewer), *self.entries[index + 1 :]))
            if options.as_mapping:
                as_options = replace(options, as_mapping=False)
                yield Config(
                    (*self.entries[:index], (origin, as_options), *self.entries[index + 1 :])
                )


# A statement that passes what it registers to cors.add (possibly inside try/except).
_ADDED = re.compile(
    r"^(?P<target>\w+ = )?(?:try:\n    )?(?:sub_)?cors\.add\((?P<expression>.+?)"
    r"(?:, @0)?(?:, webview=True)?\)(?:\nexcept Exception as error:\n    note\(error\))?$",
    re.S,
)


@dataclass(frozen=True)
class Statement:
    """Source lines of ``build()``'s body; ``@0``, ``@1`` ... stand for *configs*."""

    template: str
    configs: tuple[Config | None, ...] = ()
    # Parts of a class body the shrinker may drop one by one (a method, an override).
    blocks: tuple[str, ...] = ()

    def render(self) -> str:
        text = "\n".join((self.template, *self.blocks))
        if text.endswith(":"):
            text += "\n    pass"
        # Highest first, so that @1 is not taken for the start of @10.
        for index in reversed(range(len(self.configs))):
            config = self.configs[index]
            text = text.replace(f"@{index}", "None" if config is None else config.render())
        return text

    def smaller(self) -> Iterator[Statement]:
        added = _ADDED.match(self.template)
        if added:
            # The same registration without cors.add: is CORS on it part of the difference?
            yield Statement((added.group("target") or "") + added.group("expression"))
        for index in range(len(self.blocks)):
            yield replace(self, blocks=self.blocks[:index] + self.blocks[index + 1 :])
        for index, config in enumerate(self.configs):
            if config is None:
                continue
            before, after = self.configs[:index], self.configs[index + 1 :]
            yield replace(self, configs=(*before, None, *after))
            for fewer in config.smaller():
                yield replace(self, configs=(*before, fewer, *after))


@dataclass(frozen=True)
class Program:
    name: str
    statements: tuple[Statement, ...]
    requests: tuple[Request, ...]
    prelude: str = field(default=PRELUDE, repr=False)
    # A replay of a real program: *prelude* is the whole program.
    complete: bool = False

    def source(self) -> str:
        return self.code

    @cached_property
    def code(self) -> str:
        if self.complete:
            return self.prelude
        body = "\n".join(statement.render() for statement in self.statements)
        return (
            self.prelude
            + "\n\ndef build() -> web.Application:\n"
            + textwrap.indent(body, "    ")
            + "\n    return app\n"
        )


# The generator ---------------------------------------------------------------------------


class _Writer:
    """Writes one program's statements; *rng* decides every choice."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.statements: list[Statement] = []
        self.deferred: list[Statement] = []
        self.targets: list[Target] = []
        self.names = 0

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def say(self, template: str, *configs: Config | None) -> None:
        self.statements.append(Statement(template, configs))

    def options(self, *, allow_mapping: bool = True) -> Options:
        rng = self.rng
        names = [name for name in OPTION_VALUES if rng.random() < 0.45]
        as_mapping = allow_mapping and rng.random() < 0.15
        if as_mapping:
            # 0.8.1 refuses allow_methods in a mapping ("Unexpected keywords"), and the
            # route is then not CORS-enabled at all there, which would hide everything else
            # the program shows.
            names = [name for name in names if name != "allow_methods"]
        fields = tuple((name, rng.choice(OPTION_VALUES[name])) for name in names)
        return Options(fields, as_mapping=as_mapping)

    def config(self, chance: float = 1.0) -> Config | None:
        rng = self.rng
        if rng.random() >= chance:
            return None
        origins = rng.sample([PAGE_A, PAGE_B, "*"], rng.choice((1, 1, 2, 3)))
        return Config(tuple((origin, self.options()) for origin in origins))

    def added(
        self, expression: str, config: Config | None, *, risky: bool = False, cors: str = "cors"
    ) -> str:
        """``cors.add(expression, config)`` as source, the config as ``@0``."""
        call = (
            f"{cors}.add({expression}, @0)" if config is not None else f"{cors}.add({expression})"
        )
        if self.rng.random() < 0.1:
            call = call[:-1] + ", webview=True)"
        if risky:
            return f"try:\n    {call}\nexcept Exception as error:\n    note(error)"
        return call

    # Shapes of registration, one path each.

    def plain_routes(self, path: str) -> None:
        rng = self.rng
        methods = rng.sample(METHODS, rng.choice((1, 1, 2, 3)))
        first_half = methods[: max(1, len(methods) // 2)]
        handler = "own_cors" if rng.random() < 0.08 else "handler"
        for method in methods:
            statement = f"app.router.add_route({method!r}, {path!r}, {handler})"
            config = self.config(0.5)
            added = rng.random() < 0.8
            text = self.added(statement, config, risky=True) if added else statement
            target = self.statements if method in first_half else self.deferred
            target.append(Statement(text, (config,) if added else ()))
        self.targets.append(Target(path, METHODS))

    def resource(self, path: str) -> None:
        rng = self.rng
        variable = self.name("resource")
        resource_config = self.config(0.5)
        if rng.random() < 0.7:
            self.say(
                f"{variable} = "
                + self.added(f"app.router.add_resource({path!r})", resource_config),
                resource_config,
            )
        else:
            self.say(f"{variable} = app.router.add_resource({path!r})")
        for method in rng.sample(METHODS, rng.choice((1, 2, 3))):
            statement = f"{variable}.add_route({method!r}, handler)"
            if rng.random() < 0.8:
                config = self.config(0.5)
                self.say(self.added(statement, config, risky=True), config)
            else:
                self.say(statement)
        self.targets.append(Target(path, METHODS))

    def star_route(self, path: str) -> None:
        config = self.config(0.5)
        self.say(
            self.added(f"app.router.add_route('*', {path!r}, handler)", config, risky=True), config
        )
        self.targets.append(Target(path, METHODS))

    def view(self, path: str, *, app: str = "app", cors: str = "cors", prefix: str = "") -> None:
        rng = self.rng
        name = self.name("View")
        class_config = self.config(0.6)
        head = [f"class {name}(web.View, CorsViewMixin):"]
        blocks: list[str] = []
        configs: list[Config | None] = []
        if class_config is not None:
            head.append(f"    cors_config = @{len(configs)}")
            configs.append(class_config)
        if rng.random() < 0.25:
            # An override of get_request_config, the workaround users were given for
            # per-request decisions: strangers from PAGE_B get no CORS.
            blocks.append(
                "\n".join(
                    [
                        "",
                        "    @classmethod",
                        "    def get_request_config(cls, request: web.Request, method: str)"
                        " -> Any:",
                        f"        if request.headers.get('Origin') == {PAGE_B!r}:",
                        "            return {}",
                        "        return super().get_request_config(request, method)",
                    ]
                )
            )
        for method in rng.sample(["get", "post", "put", "delete"], rng.choice((1, 2, 3))):
            lines = [""]
            custom = self.config(0.3)
            if custom is not None:
                lines.append(f"    @custom_cors(@{len(configs)})")
                configs.append(custom)
            lines += [
                f"    async def {method}(self) -> web.Response:",
                f"        return web.Response(text={method!r}, headers={{'X-Server': '1'}})",
            ]
            blocks.append("\n".join(lines))
        self.statements.append(Statement("\n".join(head), tuple(configs), tuple(blocks)))
        add_config = self.config(0.3)
        if rng.random() < 0.3:
            route = f"{app}.router.add_view({path!r}, {name})"
        else:
            route = f"{app}.router.add_route('*', {path!r}, {name})"
        self.say(self.added(route, add_config, risky=True, cors=cors), add_config)
        self.targets.append(Target(prefix + path, METHODS))

    def static(self) -> None:
        config = self.config(0.5)
        self.say(self.added("app.router.add_static('/static', STATIC)", config, risky=True), config)
        self.targets.append(Target("/static/__init__.py", ("GET", "POST")))

    def websocket(self) -> None:
        config = self.config(0.5)
        self.say(self.added("app.router.add_get('/ws', socket)", config, risky=True), config)
        self.targets.append(Target("/ws", ("GET",), websocket=True))

    def subapp(self) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            # Its own setup: the innermost configuration decides.
            config = self.config()
            self.say(
                "sub = web.Application()\nsub_cors = aiohttp_cors.setup(sub, defaults=@0)", config
            )
            self.say("sub_cors.add(sub.router.add_route('POST', '/item', handler))")
            if rng.random() < 0.4:
                self.view("/view", app="sub", cors="sub_cors", prefix="/sub")
        else:
            # The parent's configuration adds the sub-application's route.
            config = self.config(0.5)
            self.say("sub = web.Application()")
            self.say(
                self.added("sub.router.add_route('POST', '/item', handler)", config, risky=True),
                config,
            )
            if rng.random() < 0.4:
                self.view("/view", app="sub", cors="cors", prefix="/sub")
        self.say("app.add_subapp('/sub', sub)")
        self.targets.append(Target("/sub/item", ("GET", "POST")))


def generate(seed: int) -> Program:
    """One program, the same for the same seed."""
    rng = random.Random(seed)
    writer = _Writer(rng)
    defaults = writer.config(0.85)
    style = rng.random()
    writer.say("app = web.Application()")
    if style < 0.6:
        writer.say("cors = aiohttp_cors.setup(app, defaults=@0)", defaults)
    elif style < 0.75:
        writer.say("cors = CorsConfig(app, defaults=@0)", defaults)
    else:
        writer.say("cors = aiohttp_cors.setup(app)")
        writer.say("cors.defaults = @0", defaults)
    shapes = [writer.plain_routes, writer.resource, writer.star_route, writer.view]
    for index in range(rng.choice((1, 2, 3))):
        rng.choice(shapes)(f"/p{index}")
    for extra, chance in (
        (writer.static, 0.12),
        (writer.websocket, 0.12),
        (writer.subapp, 0.15),
    ):
        if rng.random() < chance:
            extra()
    if writer.deferred:
        # Routes of a path registered after other paths: aiohttp gives them a resource of
        # their own, so the path is split over several resources.
        writer.say("app.router.add_get('/other', handler)")
        writer.statements += writer.deferred
    if rng.random() < 0.15:
        writer.say(
            "for route in list(app.router.routes()):\n"
            "    try:\n        cors.add(route)\n    except Exception as error:\n        note(error)"
        )
    if style >= 0.75 and rng.random() < 0.3:
        later = writer.config()
        writer.say("cors.defaults = @0", later)
    return Program(
        name=f"seed {seed}",
        statements=tuple(writer.statements),
        requests=request_matrix(writer.targets, rng),
    )


def smaller(program: Program) -> Iterator[Program]:
    """Programs one step simpler than *program*: a statement, an origin or an option fewer,
    or fewer requests."""
    statements = program.statements
    for index in range(len(statements)):
        yield replace(program, statements=statements[:index] + statements[index + 1 :])
    for index, statement in enumerate(statements):
        for simpler in statement.smaller():
            yield replace(
                program, statements=(*statements[:index], simpler, *statements[index + 1 :])
            )
