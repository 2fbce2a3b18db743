"""DESCRIPTION.rst, the package index page: its quick start runs as written and behaves
as the page says, and it asks for nothing that exists only in a clone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .helpers import assert_items_api_for_app_example

DESCRIPTION = Path(__file__).parent.parent / "DESCRIPTION.rst"


def python_blocks() -> list[str]:
    text = DESCRIPTION.read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text)
    return [re.sub(r"^    ", "", block, flags=re.MULTILINE) for block in blocks]


def test_description_has_one_quick_start() -> None:
    assert len(python_blocks()) == 1


async def test_quick_start_runs_as_written(aiohttp_client: Any) -> None:
    namespace: dict[str, Any] = {"__name__": "description_quick_start"}
    exec(compile(python_blocks()[0], str(DESCRIPTION), "exec"), namespace)
    client = await aiohttp_client(namespace["app"])
    await assert_items_api_for_app_example(client)


def test_no_commands_that_need_a_clone() -> None:
    # Someone reading the index page has the package, not this repository.
    text = DESCRIPTION.read_text()
    for clone_only in ("scripts/", ".venv", "git clone", "examples/"):
        assert clone_only not in text, clone_only
