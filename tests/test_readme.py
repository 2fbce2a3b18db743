"""README.rst's quick start runs as written and behaves as README says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .helpers import assert_items_api_for_app_example

if TYPE_CHECKING:
    from .helpers import AiohttpClient

README = Path(__file__).parent.parent / "README.rst"


def python_blocks() -> list[str]:
    text = README.read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text)
    return [re.sub(r"^    ", "", block, flags=re.MULTILINE) for block in blocks]


def test_readme_has_a_quick_start() -> None:
    assert len(python_blocks()) == 1


async def test_quick_start_runs_as_written(aiohttp_client: AiohttpClient) -> None:
    namespace: dict[str, Any] = {"__name__": "readme_quick_start"}
    exec(compile(python_blocks()[0], str(README), "exec"), namespace)
    client = await aiohttp_client(namespace["app"])
    await assert_items_api_for_app_example(client)
