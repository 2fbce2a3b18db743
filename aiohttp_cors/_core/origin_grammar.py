"""The grammar of a serialized origin, shared by the plugin and its referee.

What a browser sends in ``Origin`` (Fetch standard, "ASCII serialization of an origin"):
the scheme and host in lower case, the host in punycode, ``:port`` only when it is not the
scheme's default, nothing else — or the literal ``null``.  This module writes that form
(:func:`serialize_origin`) and guesses it from what a person typed (:func:`likely_origin`,
the "did you mean" of configuration errors and of the doctor alike).  It decides nothing
about who is allowed: the plugin's key parsing (``origins.py``) and the referee's browser
model (``_tools/browser.py``) each keep their own decisions, and only share the words.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import urlsplit

#: The port a URL of these schemes leaves out of its origin (Fetch, "default port").
DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}

_SCHEME_RE: Final = re.compile(r"[a-z][a-z0-9+.\-]*")
# A scheme with too few or too many slashes ("https:/a.com", "https:a.com").
MANGLED_SCHEME_RE: Final = re.compile(r"(https?|wss?):/*(?!/)", re.IGNORECASE)


def is_default_port(scheme: str, port: int | str) -> bool:
    """Whether *port* is the one *scheme* leaves out of its origins."""
    default = DEFAULT_PORTS.get(scheme)
    return default is not None and str(default) == str(port)


def serialize_origin(scheme: str, host: str, port: int | str | None = None) -> str:
    """The origin a browser sends for a page at *scheme*://*host*[:*port*]: lower case,
    the default port left out.  *host* is taken as it is (already punycode, IPv6 in
    brackets); ``host:port`` in *host* counts as a port, as in a ``Host`` header."""
    scheme = scheme.lower()
    host = host.lower()
    if port is None and not host.endswith("]") and ":" in host:
        host, _, written = host.rpartition(":")
        port = written or None
    if port is None or port == "" or is_default_port(scheme, port):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def likely_origin(text: str) -> str | None:
    """The serialized origin a person most likely meant by *text*, when one can be guessed:
    ``null`` in any case, a missing or mangled ``://`` mended (``https`` assumed without a
    scheme), scheme and host lower-cased, the host in punycode, an IPv6 address in its
    compressed form, the default port dropped, any path cut off.  None for a pattern or
    for what has no host."""
    candidate = text.strip()
    if candidate.lower() == "null":
        return "null"
    mangled = MANGLED_SCHEME_RE.match(candidate)
    if mangled is not None and "://" not in candidate[: mangled.end() + 1]:
        candidate = f"{mangled.group(1)}://{candidate[mangled.end() :]}"
    elif "://" not in candidate:
        candidate = "https://" + candidate.lstrip("/")
    try:
        parts = urlsplit(candidate)
        host = parts.hostname  # lower-cased by urlsplit
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not host or not _SCHEME_RE.fullmatch(scheme) or "*" in host:
        return None
    if ":" in host:
        try:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return None
    elif not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return serialize_origin(scheme, host, port)


def did_you_mean(text: str) -> str:
    """``": did you mean '...'?"`` when a different origin can be guessed, else ``""``:
    the one hint configuration errors and the doctor both give."""
    likely = likely_origin(text)
    return f": did you mean {likely!r}?" if likely is not None and likely != text else ""
