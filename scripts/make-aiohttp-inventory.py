"""Write docs/_inventories/aiohttp.inv: where aiohttp's documentation describes the aiohttp
names our pages refer to, so that Sphinx's intersphinx links them without the network.

The file is a Sphinx object inventory (version 2) listing only the names below; each is
mapped to its anchor on aiohttp's documentation site, whose address is the "Docs: RTD"
project URL in aiohttp's own package metadata.  Add a name here when a page refers to a
new one (tests/test_docs_links.py checks that every aiohttp name the pages and docstrings
refer to is listed), then run::

    python scripts/make-aiohttp-inventory.py
"""

from __future__ import annotations

import zlib
from pathlib import Path

INVENTORY = Path(__file__).resolve().parent.parent / "docs" / "_inventories" / "aiohttp.inv"

# (name, Sphinx role in the Python domain, page of aiohttp's documentation)
NAMES: tuple[tuple[str, str, str], ...] = (
    ("aiohttp.web.Application", "class", "web_reference.html"),
    ("aiohttp.web.AppKey", "class", "web_reference.html"),
    ("aiohttp.web.AppRunner", "class", "web_reference.html"),
    ("aiohttp.web.Request", "class", "web_reference.html"),
    ("aiohttp.web.Response", "class", "web_reference.html"),
    ("aiohttp.web.StreamResponse", "class", "web_reference.html"),
    ("aiohttp.web.WebSocketResponse", "class", "web_reference.html"),
    ("aiohttp.web.View", "class", "web_reference.html"),
    ("aiohttp.web.UrlDispatcher", "class", "web_reference.html"),
    ("aiohttp.web.UrlDispatcher.add_route", "method", "web_reference.html"),
    ("aiohttp.web.UrlDispatcher.add_resource", "method", "web_reference.html"),
    ("aiohttp.web.UrlDispatcher.add_static", "method", "web_reference.html"),
    ("aiohttp.web.UrlDispatcher.add_view", "method", "web_reference.html"),
    ("aiohttp.web.run_app", "function", "web_reference.html"),
    ("aiohttp.web.HTTPException", "exception", "web_exceptions.html"),
    ("aiohttp.web.HTTPForbidden", "exception", "web_exceptions.html"),
    ("aiohttp.test_utils.TestClient", "class", "testing.html"),
    ("aiohttp.test_utils.TestServer", "class", "testing.html"),
    ("aiohttp.ClientSession", "class", "client_reference.html"),
)


def inventory() -> bytes:
    header = (
        "# Sphinx inventory version 2\n"
        "# Project: aiohttp\n"
        "# Version: 3\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    # name domain:role priority uri display-name ("$" in the uri stands for the name,
    # "-" as display name for the name itself).
    lines = "".join(f"{name} py:{role} 1 {page}#$ -\n" for name, role, page in sorted(NAMES))
    return header.encode() + zlib.compress(lines.encode())


if __name__ == "__main__":
    INVENTORY.write_bytes(inventory())
    print(f"wrote {INVENTORY} ({len(NAMES)} names)")
