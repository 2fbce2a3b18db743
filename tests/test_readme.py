"""README.rst's quick start runs as written and behaves as README says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).parent.parent / "README.rst"


def python_blocks() -> list[str]:
    text = README.read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", text)
    return [re.sub(r"^    ", "", block, flags=re.MULTILINE) for block in blocks]


def test_readme_has_a_quick_start() -> None:
    assert len(python_blocks()) == 1


async def test_quick_start_runs_as_written(aiohttp_client: Any) -> None:
    namespace: dict[str, Any] = {"__name__": "readme_quick_start"}
    exec(compile(python_blocks()[0], str(README), "exec"), namespace)
    client = await aiohttp_client(namespace["app"])
    page = "https://app.example.com"
    response = await client.get("/api/items", headers={"Origin": page})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == page
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "X-Total-Count"
    response = await client.get("/api/items", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
