"""Pure helpers for the HTTP header grammar the CORS protocol relies on.

Nothing here imports aiohttp: it works on plain strings so it can be unit-tested in
isolation and reused by the configuration compiler and the request path alike.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Container, Iterable, Sequence
from typing import Final

from multidict import istr

# Header names are multidict's ``istr`` (a str subclass), as aiohttp's own ``hdrs``
# constants are: case-insensitive dictionaries then skip case-folding them.  multidict
# is aiohttp's own dependency, and nothing else of it is used here.
ACAO: Final = istr("Access-Control-Allow-Origin")
ACAC: Final = istr("Access-Control-Allow-Credentials")
ACAM: Final = istr("Access-Control-Allow-Methods")
ACAH: Final = istr("Access-Control-Allow-Headers")
ACEH: Final = istr("Access-Control-Expose-Headers")
ACMA: Final = istr("Access-Control-Max-Age")
ACAPN: Final = istr("Access-Control-Allow-Private-Network")
ACRM: Final = istr("Access-Control-Request-Method")
ACRH: Final = istr("Access-Control-Request-Headers")
ACRPN: Final = istr("Access-Control-Request-Private-Network")
VARY: Final = istr("Vary")
ORIGIN: Final = istr("Origin")

# RFC 9110 token: 1*tchar.
_TOKEN_RE: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")

#: Upper bound, in characters, on all ``Access-Control-Request-Headers`` lines of one
#: request together.  A browser lists only the names of non-safelisted headers the page
#: set; 8 KiB (aiohttp's own default limit for one header line) is far above anything
#: real and keeps the work per request bounded whatever the client sends.
MAX_REQUEST_HEADERS_LENGTH: Final = 8192

#: Upper bound on the number of elements in ``Access-Control-Request-Headers``, counting
#: every element (empty and repeated ones too): the work per preflight depends on this
#: number, not on what the elements hold.
MAX_REQUEST_HEADERS_COUNT: Final = 256

#: Browsers never send empty elements; a few are tolerated for hand-written clients
#: (``"a, ,b"``), more end the parsing.
MAX_EMPTY_ELEMENTS: Final = 8

#: Response headers a browser always lets a page read (Fetch: CORS-safelisted response
#: header names), in lower case.
SAFELISTED_RESPONSE_HEADERS: Final = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)

#: Response headers a page can never read, whatever the server exposes.
NEVER_EXPOSED_RESPONSE_HEADERS: Final = frozenset({"set-cookie", "set-cookie2"})

#: Methods a browser sends upper-cased whatever the page wrote (Fetch: normalize).
NORMALIZED_METHODS: Final = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})

#: Methods a browser refuses to send at all (Fetch: forbidden method).
FORBIDDEN_METHODS: Final = frozenset({"CONNECT", "TRACE", "TRACK"})


def is_preflight(method: str, headers: Container[str]) -> bool:
    """Whether a request is a CORS preflight: ``OPTIONS`` with
    ``Access-Control-Request-Method`` (Fetch standard, CORS-preflight request).  An
    ``OPTIONS`` request without it is an ordinary request."""
    return method == "OPTIONS" and ACRM in headers


def is_token(value: str) -> bool:
    """Whether *value* is an HTTP token (a valid header name or method)."""
    return _TOKEN_RE.fullmatch(value) is not None


class RequestHeadersError(ValueError):
    """``Access-Control-Request-Headers`` is not something a browser would send."""


class HeaderNotAllowed(RequestHeadersError):
    """A requested header name is not among the allowed ones."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def parse_request_headers(
    values: Sequence[str], allowed: Collection[str] | None = None
) -> tuple[str, ...]:
    """Parse the ``Access-Control-Request-Headers`` lines of a preflight.

    Lenient where real clients differ (spaces, letter case, a few empty elements, several
    header lines) and strict where a browser never strays (every name must be a token).
    Returns the lower-cased names, de-duplicated, in first-seen order.

    With *allowed* (lower-case names), the first name not in it raises
    ``HeaderNotAllowed`` at once: a refusal reads no further.  The work is bounded before
    any of it is done: the total size is checked first, and each line is split at most
    as many times as elements remain under ``MAX_REQUEST_HEADERS_COUNT``.
    """
    if not values:
        return ()
    total = 0
    for value in values:
        total += len(value)
    if total > MAX_REQUEST_HEADERS_LENGTH:
        raise RequestHeadersError(
            f"'Access-Control-Request-Headers' is {total} characters long, "
            f"more than the limit of {MAX_REQUEST_HEADERS_LENGTH}"
        )
    names: dict[str, None] = {}
    remaining = MAX_REQUEST_HEADERS_COUNT
    empty = 0
    for value in values:
        elements = value.split(",", remaining)
        if len(elements) > remaining:
            raise RequestHeadersError(
                "'Access-Control-Request-Headers' has more than "
                f"{MAX_REQUEST_HEADERS_COUNT} elements"
            )
        remaining -= len(elements)
        for element in elements:
            name = element.strip(" \t")
            if not name:
                empty += 1
                if empty > MAX_EMPTY_ELEMENTS:
                    raise RequestHeadersError(
                        "'Access-Control-Request-Headers' has more than "
                        f"{MAX_EMPTY_ELEMENTS} empty elements"
                    )
                continue
            lowered = name.lower()
            if lowered in names:
                continue
            if not is_token(name):
                raise RequestHeadersError(
                    f"'Access-Control-Request-Headers' holds {printable(name, 64)!r}, "
                    "which is not a header name"
                )
            if allowed is not None and lowered not in allowed:
                raise HeaderNotAllowed(name)
            names[lowered] = None
    return tuple(names)


def vary_with(existing: Iterable[str], *names: str) -> str | None:
    """Return a ``Vary`` value that adds *names* to the *existing* Vary lines.

    Returns ``None`` when nothing needs to change: every name is already listed (in any
    case), or ``Vary: *`` already varies on everything.
    """
    parts: list[str] = []
    listed: set[str] = set()
    for line in existing:
        for element in line.split(","):
            element = element.strip()
            if not element:
                continue
            lowered = element.lower()
            if lowered == "*":
                return None
            if lowered not in listed:
                listed.add(lowered)
                parts.append(element)
    before = len(parts)
    for name in names:
        if name.lower() not in listed:
            listed.add(name.lower())
            parts.append(name)
    return ", ".join(parts) if len(parts) > before else None


def exposable_names(header_names: Iterable[str]) -> str | None:
    """The ``Access-Control-Expose-Headers`` value that lets a page read every header of
    a response (``expose_headers="*"``): the response's own header names, without the
    ones a page always reads, Set-Cookie (never readable) and the CORS headers.  ``None``
    when nothing is left to expose."""
    exposed: dict[str, str] = {}
    for name in header_names:
        lowered = name.lower()
        if (
            lowered in SAFELISTED_RESPONSE_HEADERS
            or lowered in NEVER_EXPOSED_RESPONSE_HEADERS
            or lowered.startswith("access-control-")
        ):
            continue
        exposed.setdefault(lowered, name)
    return ",".join(exposed.values()) if exposed else None


def printable(value: str, limit: int = 256) -> str:
    """*value* as it may be shown in a response body or a log line: shortened to *limit*
    characters, with control characters and undecodable bytes (which aiohttp keeps as
    surrogates) escaped, so it encodes as ASCII and cannot break a line."""
    shown = value[:limit]
    if not (shown.isascii() and shown.isprintable()):
        shown = "".join(
            char if char.isascii() and char.isprintable() else ascii(char)[1:-1] for char in shown
        )
    return shown + ("..." if len(value) > limit else "")
