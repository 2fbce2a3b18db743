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


def test_install_is_from_a_checkout_not_the_index() -> None:
    # On the package index, "aiohttp-cors" is upstream 0.8.1: the page must say so and
    # say how to install this package today.
    text = " ".join(DESCRIPTION.read_text().split())
    assert "pip install aiohttp-cors" not in text
    assert "python -m pip install ." in text
    assert "python -m build" in text
    assert "0.8.1" in text.split("Install ====")[1].split("Quick start")[0]


def test_classifiers_claim_the_tested_pythons_and_no_release() -> None:
    # .ci/run runs the suite under exactly these (SUPPORTED_PYTHONS; scripts/check-dist.py
    # checks the two agree in CI: .ci/ is not in the sdist this test also runs from).
    setup_cfg = (DESCRIPTION.parent / "setup.cfg").read_text()
    classifiers = re.search(r"^classifiers =\n((?:    .*\n)+)", setup_cfg, re.MULTILINE)
    assert classifiers is not None
    listed = [line.strip() for line in classifiers.group(1).splitlines()]
    python = "Programming Language :: Python :: "
    claimed = [c.removeprefix(python) for c in listed if c.startswith(python + "3.")]
    assert claimed == ["3.10", "3.11", "3.12", "3.13"]
    # Unreleased: not "5 - Production/Stable".
    assert "Development Status :: 4 - Beta" in listed
