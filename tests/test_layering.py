"""The layering of design.md: the pure CORS core imports nothing from aiohttp, and nothing
from the aiohttp glue; browser_check (the doctor's model of a browser) neither."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "aiohttp_cors"
PURE = ["errors", "headers", "options", "origins", "policy", "browser_check"]
GLUE = {
    "config", "routing", "preflight", "websocket", "views", "decorators", "diagnostics",
    "demo", "doctor", "__main__", "__init__",
}  # fmt: skip


def imported_modules(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names


def test_every_module_is_classified() -> None:
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    assert modules == set(PURE) | GLUE


@pytest.mark.parametrize("module", PURE)
def test_pure_core_imports_no_aiohttp_and_no_glue(module: str) -> None:
    for name in imported_modules(module):
        assert not name.startswith("aiohttp"), f"{module} imports {name}"
        if name.startswith("."):
            assert name.lstrip(".") in PURE, f"{module} imports the glue module {name}"
