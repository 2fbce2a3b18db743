"""Origin keys: parsing and validating what users write, and matching what browsers send.

A config maps *origin keys* to options.  A key is one of:

* an exact serialized origin, ``"https://app.example.com"`` (or the literal ``"null"``);
* ``"*"``: every origin;
* ``"https://*.example.com"``: any subdomain, at any depth, never the apex;
* ``"http://localhost:*"``: any port, or none (both wildcards may be combined);
* a compiled ``re.Pattern``: must match the whole origin;
* a callable ``origin -> bool`` or ``async origin -> bool``; one that takes two
  parameters is called as ``(origin, request)``.

Configured keys are validated strictly (the mistakes users make are reported with the fix);
request origins are matched only after a cheap syntax check, so junk is never reflected.
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, NoReturn, Union

from .errors import logger
from .origin_grammar import MANGLED_SCHEME_RE, did_you_mean, is_default_port
from .varies import VARIES_ON_ATTRIBUTE

#: Origins longer than this are refused without further work.  A serialized origin is a
#: scheme, a host of at most 253 characters and a port: 1 KiB leaves ample room.
MAX_ORIGIN_LENGTH: Final = 1024

# What a browser sends: lower-case scheme and host, optional port, nothing else.  A host
# may end in a dot: a page at https://example.com./ sends "https://example.com.", which
# is another origin than "https://example.com".
_SERIALIZED_ORIGIN_RE: Final = re.compile(
    r"([a-z][a-z0-9+.\-]*)://"
    r"(\[[0-9a-f:.]+\]|[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*\.?)"
    r"(?::([0-9]{1,5}))?"
)

OriginPredicate = Union[  # noqa: UP007 - evaluated at runtime
    Callable[[str], bool],
    Callable[[str], Awaitable[bool]],
    Callable[[str, Any], bool],
    Callable[[str, Any], Awaitable[bool]],
]


@dataclass(frozen=True)
class ParsedOrigin:
    """A request origin split into parts (only for syntactically valid origins)."""

    scheme: str
    host: str
    port: str  # "" when absent


def parse_request_origin(origin: str) -> ParsedOrigin | None:
    """Split a request's Origin value, or return ``None`` if no browser would send it."""
    if len(origin) > MAX_ORIGIN_LENGTH:
        return None
    match = _SERIALIZED_ORIGIN_RE.fullmatch(origin)
    if match is None:
        return None
    scheme, host, port = match.group(1), match.group(2), match.group(3) or ""
    if port and (port[0] == "0" or int(port) > 65535 or is_default_port(scheme, port)):
        # Browsers serialize a port as a number from 1 to 65535, without the scheme's
        # default: ":99999", ":0443" or ":443" on https come from no browser.
        return None
    return ParsedOrigin(scheme, host, port)


def is_sendable_origin(origin: str) -> bool:
    """Whether *origin* is a value a browser could send (a serialized origin or ``null``)."""
    return origin == "null" or parse_request_origin(origin) is not None


# --- configured keys -------------------------------------------------------------------


@dataclass(frozen=True)
class ExactOrigin:
    origin: str


@dataclass(frozen=True)
class AnyOrigin:
    pass


@dataclass(frozen=True)
class WildcardOrigin:
    """``scheme://*.parent[:port]`` and/or ``scheme://host:*``.

    ``parent`` is set for subdomain wildcards (then ``host`` is empty); ``port`` is ``""``
    for none, a number, or ``"*"`` for any port (or none).
    """

    text: str
    scheme: str
    host: str
    parent: str
    port: str

    def matches(self, origin: ParsedOrigin) -> bool:
        if origin.scheme != self.scheme:
            return False
        if self.port != "*" and origin.port != self.port:
            return False
        if self.parent:
            # Whole labels only: "evil-example.com" must not match "*.example.com".
            return origin.host.endswith("." + self.parent)
        return origin.host == self.host


@dataclass(frozen=True)
class RegexOrigin:
    pattern: re.Pattern[str]

    def matches(self, origin: str) -> bool:
        # fullmatch whatever anchors the user wrote: "https://a\.example\.com" must not
        # match "https://a.example.com.evil.net".
        return self.pattern.fullmatch(origin) is not None


class PredicateOrigin:
    """A user's callable deciding origins.  Its answer is trusted only when it is exactly
    ``True``; an exception refuses the origin (never a 500) and is logged with its
    traceback the first time only, so a broken callable cannot flood the log."""

    __slots__ = ("failed_before", "predicate", "takes_request", "varies_on")

    def __init__(self, predicate: OriginPredicate, takes_request: bool) -> None:
        self.predicate = predicate
        self.takes_request = takes_request
        self.failed_before = False
        #: The request headers its answer reads (``@varies_on``); None when not said.
        names = getattr(predicate, VARIES_ON_ATTRIBUTE, None)
        self.varies_on: tuple[str, ...] | None = names if isinstance(names, tuple) else None

    def __call__(self, origin: str, request: object) -> object:
        """``True``/``False``, or an awaitable of the answer (an async callable)."""
        predicate: Callable[..., object] = self.predicate
        try:
            if self.takes_request:
                return predicate(origin, request)
            return predicate(origin)
        except (Exception, asyncio.CancelledError):
            # A CancelledError out of a plain call is the callable's own: the request's
            # cancellation can only arrive at an await.
            self.report_failure(origin)
            return False

    def report_failure(self, origin: str) -> None:
        """Log the exception being handled: with its traceback once, then at DEBUG."""
        name = describe_key(self.predicate)
        if self.failed_before:
            logger.debug("CORS origin callable %s raised again for origin %r", name, origin)
        else:
            self.failed_before = True
            logger.exception(
                "CORS origin callable %s raised for origin %r; the origin is refused "
                "(later failures of this callable are logged at DEBUG)",
                name,
                origin,
            )

    def __repr__(self) -> str:
        return f"PredicateOrigin({describe_key(self.predicate)})"


#: The closed set of origin-key kinds.  The places that treat each kind differently use
#: ``match`` ending in ``case _: unknown_kind(spec)``, so that mypy names every one of them
#: when a kind is added here (ARCHITECTURE.md, "Where to make a change").
OriginSpec = Union[ExactOrigin, AnyOrigin, WildcardOrigin, RegexOrigin, PredicateOrigin]  # noqa: UP007


def unknown_kind(spec: NoReturn) -> NoReturn:
    """Reached only by an origin-key kind a ``match`` does not handle: mypy reports the
    call (its argument is not ``Never`` there) long before anything runs it."""
    raise TypeError(f"unknown origin key kind: {spec!r}")


class OriginKeyError(ValueError):
    """A configured origin key is not valid; the message says why and how to fix it."""


def describe_key(key: object) -> str:
    """How to name *key* in messages."""
    if isinstance(key, re.Pattern):
        return f"re.compile({key.pattern!r})"
    if callable(key):
        return getattr(key, "__qualname__", repr(key))
    return repr(key)


def parse_origin_key(key: object) -> OriginSpec:
    """Validate one configured origin key and turn it into a matcher spec.

    Raises ``OriginKeyError`` with the exact value and a suggested fix, or ``ValueError``
    with aiohttp-cors 0.8.1's text for keys of a wrong type.
    """
    if isinstance(key, str):
        if key == "*":
            return AnyOrigin()
        if key == "null":
            return ExactOrigin("null")
        if "*" in key:
            return _parse_wildcard(key)
        _check_serialized(key)
        return ExactOrigin(key)
    if isinstance(key, re.Pattern):
        if not isinstance(key.pattern, str):
            raise OriginKeyError(f"origin pattern {key!r} must be a str pattern, not bytes")
        return RegexOrigin(key)
    if callable(key):
        return PredicateOrigin(key, _takes_request(key))
    raise ValueError(f"Origin must be string, got {key!r}")


_POSITIONAL: Final = (
    inspect.Parameter.POSITIONAL_ONLY,
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
)


def _takes_request(func: Callable[..., object]) -> bool:
    """Whether an origin callable is called as ``(origin, request)``: it has at least two
    positional parameters.  Raises ``OriginKeyError`` if it cannot take the origin."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return False  # no signature to read (some builtins): called with the origin
    positional = [p for p in parameters if p.kind in _POSITIONAL]
    required = [p for p in positional if p.default is inspect.Parameter.empty]
    needs_keyword = any(
        p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty
        for p in parameters
    )
    takes_varargs = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters)
    if len(required) > 2 or needs_keyword or (not positional and not takes_varargs):
        raise OriginKeyError(
            f"origin callable {describe_key(func)} must take the origin, or the origin and "
            "the request: def check(origin) or def check(origin, request)"
        )
    return len(positional) >= 2


def _check_serialized(key: str) -> None:
    """Raise ``OriginKeyError`` unless *key* is exactly what a browser sends as Origin."""
    match = _SERIALIZED_ORIGIN_RE.fullmatch(key) if len(key) <= MAX_ORIGIN_LENGTH else None
    if match is not None:
        scheme, host, port = match.group(1), match.group(2), match.group(3)
        if port is None or (
            not is_default_port(scheme, port) and port[0] != "0" and 0 < int(port) < 65536
        ):
            _check_host(key, host)
            return
    raise OriginKeyError(_explain_bad_origin(key))


def _check_host(key: str, host: str) -> None:
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise OriginKeyError(f"origin {key!r} has an invalid IPv6 address {host!r}") from None
        if ipaddress.IPv6Address(host[1:-1]).compressed != host[1:-1]:
            raise OriginKeyError(
                f"origin {key!r} is not in the form browsers send: did you mean "
                f"'{key.replace(host, '[' + ipaddress.IPv6Address(host[1:-1]).compressed + ']')}'?"
            )
        return
    # A trailing dot (a fully qualified name, as browsers send it) leaves an empty last label.
    for label in host.removesuffix(".").split("."):
        if len(label) > 63 or label.startswith("-") or label.endswith("-"):
            raise OriginKeyError(f"origin {key!r} has an invalid host name {host!r}")


def _explain_bad_origin(key: str) -> str:
    hint = did_you_mean(key)
    if not key:
        return "origin '' is empty: write a serialized origin such as 'https://example.com'"
    if key.lower() == "null":
        return f"origin {key!r} is written 'null', in lower case, as browsers send it"
    if MANGLED_SCHEME_RE.match(key) is not None and "://" not in key:
        return f"origin {key!r} needs '://' after the scheme{hint}"
    if "://" not in key:
        return f"origin {key!r} has no scheme (an origin is scheme://host[:port]){hint}"
    scheme, _, rest = key.partition("://")
    if any(char in rest for char in "/?#"):
        return f"origin {key!r} has a path, query or trailing slash; an origin has none{hint}"
    if "@" in rest:
        return f"origin {key!r} has user info; an origin has none{hint}"
    if key != key.lower():
        return f"origin {key!r} has upper-case letters; browsers send origins in lower case{hint}"
    if not key.isascii():
        return f"origin {key!r} has a non-ASCII host; browsers send the punycode form{hint}"
    port = rest.rpartition(":")[2] if not rest.endswith("]") and ":" in rest else ""
    if port and is_default_port(scheme, port):
        return f"origin {key!r} names the default port, which browsers leave out{hint}"
    return f"origin {key!r} is not a serialized origin (scheme://host[:port]){hint}"


def _parse_wildcard(key: str) -> WildcardOrigin:
    scheme, sep, rest = key.partition("://")
    problem = OriginKeyError(
        f"origin pattern {key!r} is not understood: write 'https://*.example.com' for any "
        "subdomain or 'http://localhost:*' for any port"
    )
    if not sep or not scheme or "*" in scheme:
        raise problem
    if not rest.startswith("[") and rest.count(":") > 1:
        raise OriginKeyError(
            f"origin pattern {key!r} has more than one ':port' part: write one, such as "
            "'http://localhost:*' for any port"
        )
    host, colon, port = rest.rpartition(":") if not rest.endswith("]") else (rest, "", "")
    if not colon:
        host, port = rest, ""
    if port == "*":
        pass
    elif "*" in port:
        raise problem
    parent = ""
    if host.startswith("*."):
        parent = host[2:]
        if "*" in parent or not parent:
            raise problem
        checked_host = parent
    elif "*" in host:
        raise OriginKeyError(
            f"origin pattern {key!r} puts '*' inside a host label; only a whole leading "
            "label ('https://*.example.com') or the whole port ('http://localhost:*') may be '*'"
        )
    else:
        checked_host = host
    # Validate the rest as if it were an exact origin, reusing the same explanations.
    sample_port = "" if port in ("", "*") else f":{port}"
    sample = f"{scheme}://{checked_host}{sample_port}"
    try:
        _check_serialized(sample)
    except OriginKeyError as exc:
        raise OriginKeyError(f"origin pattern {key!r}: {exc}") from None
    return WildcardOrigin(key, scheme, "" if parent else host, parent, port)


# --- hosts ---------------------------------------------------------------------------

_LOOPBACK_HOSTS: Final = frozenset({"localhost", "[::1]"})


def is_loopback_host(host: str) -> bool:
    if host in _LOOPBACK_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.IPv4Address(host).is_loopback
    except ValueError:
        return False
