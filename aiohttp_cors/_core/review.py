"""Security review of configured entries: which ones let other sites read users' data.

Run once per distinct (origin key, options) entry when a config is validated.  Each concern
is a sentence naming the problem and the fix; the glue turns concerns into a
``CorsSecurityWarning``, or refuses them in strict mode.

What is reviewed, for entries with credentials or with Private Network Access (entries
without either only expose what any site could fetch anyway):

* ``"*"`` and ``"null"`` (sandboxed iframes and ``data:`` URLs of any site send ``null``);
* plain-http origins other than loopback (anyone on the network path can inject script);
* wildcards over a public suffix, per the Public Suffix List (its private section
  included): anyone can register a name under ``*.github.io`` or ``*.co.uk``;
* regular expressions, probed with origins they should not match: ``null``, an unrelated
  site, look-alikes of their own literal hosts (a prefix, a suffix, a swapped dot, plain
  http) and a name under any public suffix they mention;
* ``expose_headers="*"`` with credentials.

Callables cannot be reviewed: what they accept is only known when they run.
"""

from __future__ import annotations

import functools
import importlib
import re
import warnings
from collections.abc import Iterator
from typing import Any, Final, NamedTuple

from publicsuffixlist import PublicSuffixList

from .options import ResourceOptions
from .origins import (
    AnyOrigin,
    ExactOrigin,
    OriginSpec,
    PredicateOrigin,
    RegexOrigin,
    WildcardOrigin,
    describe_key,
    is_loopback_host,
    unknown_kind,
)

#: A label no real configuration names, for probe origins.
PROBE_LABEL: Final = "corsprobe"
#: A site unrelated to any configuration (``.example`` is reserved, RFC 2606).
UNRELATED_HOST: Final = f"{PROBE_LABEL}.example"

# Characters read as part of a literal host in a pattern's text.  A bare "." counts as a
# literal dot too: an unescaped dot is the commonest regex mistake, and probing the
# look-alike with the dot swapped is what finds it.
_HOST_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._:/")
_ESCAPED_LITERALS: Final = frozenset(".-/:")
_SCHEME_PREFIX_RE: Final = re.compile(r"^(?:[a-z]+s?\??)?:?//")


@functools.cache
def public_suffix_list() -> PublicSuffixList:
    """The Public Suffix List shipped by the ``publicsuffixlist`` package, loaded once
    (about 50 ms) and only if a wildcard or regex needs reviewing."""
    return PublicSuffixList()


def is_public_suffix(domain: str) -> bool:
    """Whether anyone can register names directly under *domain* (``com``, ``co.uk``,
    ``github.io``, ...).  ``localhost`` names are loopback whoever picks them."""
    domain = domain.removesuffix(".")
    if not domain or domain == "localhost":
        return False
    psl = public_suffix_list()
    probe = f"{PROBE_LABEL}.{domain}"
    # The second test catches wildcard rules ("*.ck"): the name under *domain* is public.
    return bool(psl.is_public(domain)) or psl.publicsuffix(probe) == probe


class Concern(NamedTuple):
    """One security finding: a stable ``code`` (see the documentation's "Problem codes")
    and the message, which says what to do."""

    code: str
    message: str


def review(spec: OriginSpec, options: ResourceOptions) -> list[Concern]:
    """Every security concern about letting *spec* in with *options*."""
    concerns: list[Concern] = []
    if isinstance(spec, PredicateOrigin) and spec.takes_request and spec.varies_on is None:
        concerns.append(
            Concern(
                "callable-without-varies-on",
                f"origin callable {describe_key(spec.predicate)} takes the request: if its answer "
                "depends on a request header, a shared cache can serve an answer granted for one "
                "value of it to requests with another; name the headers it reads with "
                "@aiohttp_cors.varies_on('X-Header', ...) (or @aiohttp_cors.varies_on() if it "
                "reads none), and they are added to Vary",
            )
        )
    if options.allow_credentials:
        concerns += _open_origin_concerns(
            spec, "allow_credentials=True", "your users' cookies", "credentials"
        )
        if options.expose_headers == "*":
            concerns.append(
                Concern(
                    "expose-all-with-credentials",
                    "expose_headers='*' with allow_credentials=True exposes every response "
                    "header, including ones that may carry secrets: list the headers to expose",
                )
            )
    if options.allow_private_network:
        concerns += _open_origin_concerns(
            spec,
            "allow_private_network=True",
            "devices on your users' private networks",
            "private-network",
        )
    return concerns


def credential_concern(spec: OriginSpec) -> str | None:
    """Why letting *spec* in *with credentials* would be refused by the review, or None.

    Browsers send cookies on WebSocket handshakes whatever ``allow_credentials`` says, so
    a handshake carrying a cookie is judged as a credentialed request.  Callables are
    the user's responsibility (what they accept is only known when they run): None.
    Cached: tables built from the same keys ask again for every route.
    """
    try:
        return _credential_concern(spec)
    except TypeError:  # a key that cannot be hashed is reviewed every time
        return _credential_concern.__wrapped__(spec)


@functools.lru_cache(maxsize=4096)
def _credential_concern(spec: OriginSpec) -> str | None:
    concerns = _open_origin_concerns(spec, "credentials", "your users' cookies", "credentials")
    return concerns[0].message if concerns else None


def _open_origin_concerns(spec: OriginSpec, option: str, what: str, grants: str) -> list[Concern]:
    """Why letting *spec* in with *option* may hand *what* to other sites; the codes end
    in *grants* (``credentials`` or ``private-network``)."""
    match spec:
        case AnyOrigin():
            return [
                Concern(
                    f"any-origin-with-{grants}",
                    f"{option} with origin '*' lets every website reach {what}: list the "
                    "origins you trust instead",
                )
            ]
        case ExactOrigin(origin="null"):
            return [
                Concern(
                    f"null-origin-with-{grants}",
                    f"{option} with origin 'null' trusts sandboxed iframes and data: URLs of "
                    "any site: remove 'null'",
                )
            ]
        case RegexOrigin():
            return [
                Concern(
                    f"open-regex-with-{grants}",
                    f"{option} with {describe_key(spec.pattern)}: {problem}",
                )
                for problem in _regex_problems(spec.pattern)
            ]
        case PredicateOrigin():
            return []  # callables: see the module docstring
        case ExactOrigin():
            text = spec.origin
        case WildcardOrigin():
            text = spec.text
        case _:
            unknown_kind(spec)
    concerns: list[Concern] = []
    scheme, _, rest = text.partition("://")
    host = rest.rpartition(":")[0] if ":" in rest and not rest.endswith("]") else rest
    if scheme == "http" and not is_loopback_host(host.removeprefix("*.")):
        concerns.append(
            Concern(
                f"plain-http-with-{grants}",
                f"{option} with plain-http origin {text!r}: anyone on the network path can "
                f"inject script into that origin and reach {what}; use https",
            )
        )
    if isinstance(spec, WildcardOrigin) and spec.parent and is_public_suffix(spec.parent):
        concerns.append(
            Concern(
                f"public-suffix-with-{grants}",
                f"{option} with {text!r}, which matches every site under the public suffix "
                f"{spec.parent!r} that anyone can register: list your own subdomains instead",
            )
        )
    return concerns


# --- probing regular expressions --------------------------------------------------------


def literal_hosts(pattern: str, flags: int = 0) -> set[str]:
    """Host names a pattern spells out literally: ``https://(www\\.)?example\\.com`` gives
    ``{"example.com"}``; a run that starts with a dot (``\\.co\\.uk``) gives its suffix
    ``co.uk``, single labels (``\\.com``) included.

    The pattern is read as Python's regex parser reads it, so every spelling of a dot
    (``\\.``, ``[.]``, ``(?:\\.)``, ``\\x2e``, ``\\056``, ``re.X`` layouts) is the same dot.
    """
    hosts: set[str] = set()
    runs = _parsed_runs(pattern, flags)
    for run in runs if runs is not None else _literal_runs(pattern.lower()):
        starts_with_dot = run.startswith(".")
        run = _SCHEME_PREFIX_RE.sub("", run)
        host = run.split("/", 1)[0].split(":", 1)[0].strip(".")
        labels = host.split(".")
        if not host or not all(labels):
            continue
        if len(labels) > 1 or starts_with_dot:
            hosts.add(host)
    return hosts


def _regex_parser() -> Any:
    """Python's own regex parser: ``re._parser`` (3.11 and later) or ``sre_parse`` (3.10,
    deprecated since).  Both are private API with no promise of stability, so they are
    imported defensively: if neither is there, or the tree changes shape, the review
    falls back to reading the pattern's text (:func:`_literal_runs`), which knows only
    the ``\\.`` spelling of a dot."""
    for name in ("re._parser", "sre_parse"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return importlib.import_module(name)
        except ImportError:
            continue
    return None  # pragma: no cover - every CPython from 3.10 to 3.13 has one of them


#: Repeats, whatever the Python version calls them: ``x{1}`` is ``x`` itself.
_REPEATS: Final = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def _parsed_runs(pattern: str, flags: int) -> list[str] | None:
    """The runs of literal text of *pattern* as the regex parser reads it (lower case);
    None when the parser is not available or does not understand its own tree."""
    parser = _regex_parser()
    if parser is None:
        return None
    try:
        tree = parser.parse(pattern, flags)
        runs: list[str] = []
        current: list[str] = []
        _walk(tree, runs, current)
        if current:
            runs.append("".join(current))
    except Exception:  # a private tree of another shape: read the text instead
        return None
    return [run.lower() for run in runs]


def _walk(items: Any, runs: list[str], current: list[str]) -> None:
    """Append the literal text of *items* (a parsed sequence) to *current*; anything that
    is not one fixed character ends the run, and its own parts are read as runs apart."""
    for op, argument in items:
        name = _op_name(op)
        if name == "LITERAL":
            current.append(chr(argument))
        elif name == "ANY":
            # An unescaped dot, read as the dot it was meant to be (the commonest
            # mistake): probing the look-alike with another character there finds it.
            current.append(".")
        elif name == "IN" and len(argument) == 1 and _op_name(argument[0][0]) == "LITERAL":
            current.append(chr(argument[0][1]))  # [.] is one dot
        elif name == "SUBPATTERN":
            _walk(argument[-1], runs, current)  # (?:...) and (...) read inline
        elif name in _REPEATS and argument[0] == argument[1] == 1:
            _walk(argument[2], runs, current)
        elif name == "AT":
            continue  # ^, $, \b: no text
        else:
            if current:
                runs.append("".join(current))
                current.clear()
            for nested in _nested_sequences(name, argument):
                _walk(nested, runs, current)
                if current:
                    runs.append("".join(current))
                    current.clear()


def _op_name(op: Any) -> str:
    """An operation's name (the parser's constants are ints carrying a ``name``)."""
    return str(getattr(op, "name", op))


def _nested_sequences(name: str, argument: Any) -> list[Any]:
    """The parsed sequences inside an operation that is not fixed text."""
    if name == "BRANCH":
        return list(argument[1])
    if name in _REPEATS:
        return [argument[2]]
    if name in ("ASSERT", "ASSERT_NOT"):
        return [argument[1]]
    if name == "GROUPREF_EXISTS":
        return [branch for branch in argument[1:] if branch is not None]
    if name == "ATOMIC_GROUP":
        return [argument]
    return []


def _literal_runs(pattern: str) -> Iterator[str]:
    """Runs of literal text read from a pattern's spelling (the fallback of
    :func:`_parsed_runs`)."""
    run: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            escaped = pattern[index + 1]
            index += 2
            if escaped in _ESCAPED_LITERALS:
                run.append(escaped)
                continue
        elif char in _HOST_CHARS:
            run.append(char)
            index += 1
            continue
        else:
            index += 1
        if run:
            yield "".join(run)
            run = []
    if run:
        yield "".join(run)


def _probes(pattern: re.Pattern[str]) -> Iterator[tuple[str, str, str]]:
    """(kind, origin, what is wrong if it matches), most telling first."""
    yield (
        "null",
        "null",
        "it matches 'null', sent by sandboxed iframes and data: URLs of any site",
    )
    for scheme in ("https", "http"):
        yield (
            "unrelated",
            f"{scheme}://{UNRELATED_HOST}",
            f"it matches the unrelated origin '{scheme}://{UNRELATED_HOST}'",
        )
    for host in sorted(literal_hosts(pattern.pattern, pattern.flags)):
        if is_public_suffix(host):
            origin = f"https://{PROBE_LABEL}.{host}"
            yield (
                "public suffix",
                origin,
                f"it matches {origin!r}: every site under the public suffix {host!r}, "
                "which anyone can register",
            )
            continue
        look_alikes = [
            f"https://{PROBE_LABEL}{host}",
            f"https://{PROBE_LABEL}-{host}",
            f"https://{host}.{UNRELATED_HOST}",
        ]
        look_alikes += [
            f"https://{host[:dot]}x{host[dot + 1 :]}"
            for dot in range(len(host))
            if host[dot] == "."
        ]
        for origin in look_alikes:
            yield "look-alike", origin, f"it matches the look-alike origin {origin!r}"
        if not is_loopback_host(host):
            for origin in (f"http://{host}", f"http://{PROBE_LABEL}.{host}"):
                yield (
                    "plain http",
                    origin,
                    f"it matches the plain-http origin {origin!r}, into which anyone on "
                    "the network path can inject script",
                )


def _regex_problems(pattern: re.Pattern[str]) -> list[str]:
    """What probing *pattern* found, one sentence per kind of probe that matched."""
    found: dict[str, str] = {}
    for kind, origin, problem in _probes(pattern):
        if kind not in found and pattern.fullmatch(origin) is not None:
            found[kind] = problem
    return [
        f"{problem}: anchor the pattern to the origins you trust, escape their dots "
        "(re.escape) and require https"
        for problem in found.values()
    ]
