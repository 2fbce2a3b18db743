"""The layering of ARCHITECTURE.md ("Layers and the import rule"), read from the imports.

* the pure core (``_core``) imports nothing from aiohttp and nothing outside the core;
* the glue (``_glue``) imports the core and aiohttp, never the tools;
* the tools (``_tools``, and ``aiohttp_cors.testing`` through them) use only the core's
  header grammar and the package's public names: what judges the plugin does not share its
  decisions;
* the public face (the package's ``__init__`` and the 0.8.1 module paths) only re-exports;
* no import cycle, and no import inside a function (the way a cycle hides);
* the glue names no CORS response header (the core's answers write them), and the
  core's tests import no glue.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "aiohttp_cors"
MODULES = sorted(PACKAGE.rglob("*.py"))
CORE = sorted((PACKAGE / "_core").glob("*.py"))
GLUE = sorted((PACKAGE / "_glue").glob("*.py"))
TOOLS = sorted((PACKAGE / "_tools").glob("*.py"))
PUBLIC_FACE = sorted(PACKAGE.glob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> Iterator[tuple[str, ast.stmt]]:
    """Every module *path* imports, as an absolute name, with the import statement."""
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    )
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            yield name, node
            # "from . import x" and "from .pkg import module" name modules too.
            for alias in node.names:
                candidate = f"{name}.{alias.name}"
                if (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists():
                    yield candidate, node


def package_imports(path: Path) -> set[str]:
    return {name for name, _ in imports(path) if name.split(".")[0] == "aiohttp_cors"}


def short(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


@pytest.mark.parametrize("path", CORE, ids=short)
def test_the_core_imports_only_the_core(path: Path) -> None:
    for name, _ in imports(path):
        assert not name.startswith("aiohttp.") and name != "aiohttp", f"{short(path)}: {name}"
        if name.startswith("aiohttp_cors"):
            assert name.startswith("aiohttp_cors._core"), f"{short(path)} imports {name}"


@pytest.mark.parametrize("path", GLUE, ids=short)
def test_the_glue_imports_the_core_never_the_tools(path: Path) -> None:
    for name in package_imports(path):
        assert name.startswith(("aiohttp_cors._core", "aiohttp_cors._glue")), (
            f"{short(path)} imports {name}"
        )


@pytest.mark.parametrize("path", TOOLS, ids=short)
def test_tools_use_only_the_header_grammar_and_public_names(path: Path) -> None:
    for name in package_imports(path):
        assert name in (
            "aiohttp_cors",
            "aiohttp_cors._core.headers",
            "aiohttp_cors._core.origin_grammar",
        ) or name.startswith("aiohttp_cors._tools"), f"{short(path)} imports {name}"


def test_the_testing_module_is_a_tool() -> None:
    for name in package_imports(PACKAGE / "testing.py"):
        assert name.startswith("aiohttp_cors._tools"), f"testing imports {name}"


@pytest.mark.parametrize("path", PUBLIC_FACE, ids=short)
def test_the_public_face_imports_no_tools_but_its_own(path: Path) -> None:
    if path.name in ("testing.py", "__main__.py"):
        return  # the tools' public entry points
    for name in package_imports(path):
        assert not name.startswith("aiohttp_cors._tools"), f"{short(path)} imports {name}"


@pytest.mark.parametrize("path", MODULES, ids=short)
def test_no_import_inside_a_function(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inner = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
            assert not inner, f"{short(path)}: an import inside {node.name}()"


def test_no_import_cycle() -> None:
    graph = {
        module_name(path): {name for name in package_imports(path) if name != module_name(path)}
        for path in MODULES
    }
    # A package's __init__ is imported with any of its modules: count its imports too.
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = "visiting"
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if state.get(target) == "visiting":
                cycle = [*stack[stack.index(target) :], target]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)


#: The CORS response headers: the core decides them and writes them (answers apply
#: themselves to a header mapping); the glue only hands the mapping over.
CORS_RESPONSE_HEADER_NAMES = frozenset({"ACAO", "ACAC", "ACAM", "ACAH", "ACEH", "ACMA", "ACAPN"})
CORS_RESPONSE_HEADER_PREFIXES = (
    "access-control-allow-",
    "access-control-expose-",
    "access-control-max-age",
)


def _code_strings(tree: ast.AST) -> Iterator[str]:
    """String constants of the code, docstrings left out."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield node.value


@pytest.mark.parametrize("path", GLUE, ids=short)
def test_the_glue_names_no_cors_response_header(path: Path) -> None:
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("headers"):
            named = {alias.name for alias in node.names} & (CORS_RESPONSE_HEADER_NAMES | {"VARY"})
            assert not named, f"{short(path)} imports {sorted(named)}: the core writes those"
    for text in _code_strings(tree):
        lowered = text.lower()
        assert not lowered.startswith(CORS_RESPONSE_HEADER_PREFIXES) and lowered != "vary", (
            f"{short(path)} names the response header {text!r}: the core writes it"
        )


#: Tests of the core's modules: they exercise the rules without aiohttp's side.
CORE_TESTS = sorted(
    Path(__file__).parent / name
    for name in (
        "test_policy.py",
        "test_origins.py",
        "test_headers.py",
        "test_options.py",
        "test_review.py",
    )
)


@pytest.mark.parametrize("path", CORE_TESTS, ids=lambda path: path.name)
def test_the_cores_tests_import_no_glue(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            assert "_glue" not in (node.module or ""), f"{path.name} imports {node.module}"
