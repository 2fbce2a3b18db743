"""ARCHITECTURE.md names only what exists: every module path, class, function, method,
attribute and test it quotes in backticks is looked up in the code (with ``ast``), so a
rename that forgets the document fails here instead of misleading the next reader."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "aiohttp_cors"
DOCUMENT = ROOT / "ARCHITECTURE.md"

QUOTED = re.compile(r"`([^`\n]+)`")
PATH = re.compile(
    r"^(?:aiohttp_cors/|tests/|benchmarks/|examples/|docs/|scripts/|_core/|_glue/|_tools/)?[\w/.-]+\.(?:py|rst|md|html|js|css)(?:::[\w\[\]-]+)?$"
)
#: Names the document quotes that belong to Python, aiohttp, multidict or the browser.
OUTSIDE_NAMES = frozenset(
    {
        "AppRunner",
        "CIMultiDictProxy",
        "RuntimeError",
        "add_subapp",
        "on_startup",
        "fetch",
        "prepare",
        "aiohttp_cors",
        "on_response_prepare",
        "set_options_route",
        "add_route",
        "CancelledError",
        "lru_cache",
        "sre_parse",
    }
)
DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?$")
PLAIN = re.compile(r"^[A-Za-z_]\w*(?:\(\))?$")


def _code_like(name: str) -> bool:
    """A bare identifier that can only be a code name: snake_case with an underscore,
    CamelCase, or written as a call."""
    bare = name.removesuffix("()")
    return (
        name.endswith("()")
        or ("_" in bare.strip("_") and bare.lower() == bare)
        or (re.search(r"[a-z][A-Z]", bare) is not None and bare[0].isupper())
    )


@cache
def _definitions() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """Every name defined in the package (functions, classes, module-level and class-level
    assignments), and the attributes of each class and of each module."""
    names: set[str] = set()
    members: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names.add(path.stem)
        module = members.setdefault(path.stem, set())
        for top in tree.body:
            if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                module.add(top.name)
            elif isinstance(top, ast.Assign):
                module.update(t.id for t in top.targets if isinstance(t, ast.Name))
            elif isinstance(top, ast.AnnAssign) and isinstance(top.target, ast.Name):
                module.add(top.target.id)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
                names.update(arg.arg for arg in node.args.args + node.args.kwonlyargs)
            elif isinstance(node, ast.ClassDef):
                names.add(node.name)
                found = members.setdefault(node.name, set())
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        found.add(item.name)
                    elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        found.add(item.target.id)
                    elif isinstance(item, ast.Assign):
                        found.update(t.id for t in item.targets if isinstance(t, ast.Name))
                # Attributes set in methods (self.x = ...).
                for inner in ast.walk(node):
                    if (
                        isinstance(inner, ast.Attribute)
                        and isinstance(inner.value, ast.Name)
                        and inner.value.id == "self"
                        and isinstance(inner.ctx, ast.Store)
                    ):
                        found.add(inner.attr)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.ImportFrom):  # what the code uses from elsewhere
                names.update(alias.name for alias in node.names)
                names.update((node.module or "").split("."))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    names.update(alias.name.split("."))
    for attrs in members.values():
        names.update(attrs)
    return frozenset(names), {cls: frozenset(attrs) for cls, attrs in members.items()}


def _resolve_path(text: str) -> Path | None:
    for base in (ROOT, PACKAGE):
        candidate = base / text
        if candidate.exists():
            return candidate
    if "/" not in text:  # a file named on its own, next to where the text names its folder
        return next(PACKAGE.rglob(text), None)
    return None


def _test_exists(path: Path, name: str) -> bool:
    name = name.split("[", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name
        for node in ast.walk(tree)
    )


def quoted_names() -> list[str]:
    return QUOTED.findall(DOCUMENT.read_text(encoding="utf-8"))


def missing(quoted: str) -> str | None:
    """Why *quoted* names nothing that exists, or None when it does (or is not code)."""
    names, members = _definitions()
    if PATH.match(quoted):
        file_part, _, test = quoted.partition("::")
        path = _resolve_path(file_part)
        if path is None:
            return f"no file {file_part}"
        if test and not _test_exists(path, test):
            return f"no test {test} in {file_part}"
        return None
    if quoted.startswith("test_") and PLAIN.match(quoted):
        tests = ROOT / "tests"
        if not any(_test_exists(path, quoted) for path in tests.rglob("test_*.py")):
            return f"no test named {quoted}"
        return None
    if DOTTED.match(quoted):
        head, *rest = quoted.removesuffix("()").split(".")
        if head in {"aiohttp_cors", "aiohttp", "web", "request", "hdrs", "app", "self"}:
            return None  # the public face or aiohttp's own names: documented elsewhere
        if head in members:
            attribute = rest[0]
            return None if attribute in members[head] else f"{head} has no {attribute}"
        if head in names or head.startswith("_"):
            return None if head in names else f"no module or name {head}"
        return None
    if PLAIN.match(quoted) and _code_like(quoted):
        bare = quoted.removesuffix("()")
        return None if bare in names or bare in OUTSIDE_NAMES else f"no name {bare}"
    return None


@pytest.mark.parametrize("quoted", sorted(set(quoted_names())))
def test_architecture_names_what_exists(quoted: str) -> None:
    problem = missing(quoted)
    assert problem is None, f"ARCHITECTURE.md quotes `{quoted}`: {problem}"


def test_the_check_notices_a_stale_name() -> None:
    assert missing("_glue/compiler.py") is None
    assert missing("PolicyCompiler.compile") is None
    assert missing("PolicyCompiler.check_handler") is not None
    assert missing("_own_apps") is not None
    assert missing("tests/test_policy.py::test_no_such_test") is not None
    assert missing("_glue/no_such_module.py") is not None
