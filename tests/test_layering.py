"""The layering of design.md: the pure CORS core imports nothing from aiohttp and nothing
from the glue or the tools; the tools (aiohttp_cors.testing included) use only the core's header
grammar and public names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "aiohttp_cors"
CORE = sorted(path.stem for path in (PACKAGE / "_core").glob("*.py"))
TOOLS = sorted(path.stem for path in (PACKAGE / "_tools").glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


@pytest.mark.parametrize("module", CORE)
def test_pure_core_imports_no_aiohttp_and_no_glue(module: str) -> None:
    for name in imported_modules(PACKAGE / "_core" / f"{module}.py"):
        assert not name.startswith("aiohttp"), f"_core/{module} imports {name}"
        if name.startswith("."):
            assert name.count(".") == 1 or name == ".", f"_core/{module} imports {name}"


@pytest.mark.parametrize("module", TOOLS)
def test_tools_use_only_the_header_grammar_and_public_names(module: str) -> None:
    for name in imported_modules(PACKAGE / "_tools" / f"{module}.py"):
        if name.startswith(".."):
            assert name == ".._core.headers", f"_tools/{module} imports {name}"
        elif name.startswith("aiohttp_cors"):
            assert name == "aiohttp_cors", f"_tools/{module} imports {name}"


def test_testing_module_is_a_tool() -> None:
    """aiohttp_cors.testing runs the doctor: it imports the tools, never the core or the glue."""
    for name in imported_modules(PACKAGE / "testing.py"):
        if name.startswith("."):
            assert name.startswith("._tools."), f"testing imports {name}"
        assert not name.startswith("aiohttp_cors"), f"testing imports {name}"
