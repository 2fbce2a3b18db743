"""The documentation's links to aiohttp's documentation, and its copyable examples.

The docs build links aiohttp's names through a local inventory (no network): every aiohttp
name a page or a docstring refers to must be in it, or it silently renders as plain text.
The pages readers copy examples from show whole programs, or say on the page that a block
is a fragment (the build then runs the rest: docs/_ext/rendered_examples.py).
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
INVENTORY = DOCS / "_inventories" / "aiohttp.inv"
COPYABLE_PAGES = ("index", "quickstart", "recipes", "deployment", "testing")
_REFERENCE = re.compile(r":(?:py:)?(?:class|func|meth|attr|exc|data|obj):`~?(aiohttp\.[\w.]+)`")


def inventory_names() -> set[str]:
    text = _text(INVENTORY.read_bytes())
    assert text.startswith("# Sphinx inventory version 2\n")
    return {line.split(" ", 1)[0] for line in text.splitlines() if not line.startswith("#")}


def referenced_aiohttp_names() -> set[str]:
    sources = [*DOCS.glob("*.rst"), *(ROOT / "aiohttp_cors").rglob("*.py")]
    return {name for path in sources for name in _REFERENCE.findall(path.read_text())}


def test_every_aiohttp_name_referred_to_is_in_the_local_inventory() -> None:
    referred = referenced_aiohttp_names()
    assert "aiohttp.web.Application" in referred
    assert referred <= inventory_names(), referred - inventory_names()


def test_the_inventory_is_what_the_script_writes() -> None:
    # scripts/make-aiohttp-inventory.py is the source: the file is never edited by hand.
    script = ROOT / "scripts" / "make-aiohttp-inventory.py"
    namespace: dict[str, object] = {"__name__": "make_aiohttp_inventory", "__file__": str(script)}
    exec(compile(script.read_text(), str(script), "exec"), namespace)
    inventory = namespace["inventory"]
    assert callable(inventory)
    # Compared decompressed: zlib's bytes may differ between zlib builds.
    assert _text(inventory()) == _text(INVENTORY.read_bytes())


def _text(data: object) -> str:
    assert isinstance(data, bytes)
    header_end = 0
    for _ in range(4):  # four header lines, then the zlib stream
        header_end = data.index(b"\n", header_end) + 1
    return (data[:header_end] + zlib.decompress(data[header_end:])).decode()


def _python_blocks(page: str) -> list[str]:
    """Each Python block directive of *page* with its options, as written."""
    text = (DOCS / f"{page}.rst").read_text()
    return re.findall(
        r"^\.\. (?:literalinclude|code-block):: .*\n(?:   :.*\n)*", text, flags=re.MULTILINE
    )


@pytest.mark.parametrize("page", COPYABLE_PAGES)
def test_copyable_pages_show_whole_programs_or_say_fragment(page: str) -> None:
    for block in _python_blocks(page):
        if "code-block::" in block and "python" not in block.split("\n", 1)[0]:
            continue  # console, text, javascript
        if "literalinclude::" in block and ":language: python" not in block:
            continue
        cut = any(f":{option}:" in block for option in ("pyobject", "lines", "end-before"))
        starts_late = ":start-at:" in block and ":start-at: from __future__" not in block
        if cut or starts_late or ":class: fragment" in block:
            assert ":class: fragment" in block, block
            assert ":caption: Fragment" in block, block
