"""Run the documentation's examples exactly as the rendered pages show them.

The HTML build writes every Python block of the testing, quickstart, recipes and
deployment pages to ``<html>/_rendered_examples/`` (``docs/_ext/rendered_examples.py``).
Each one is run here as a reader would, copied into a file of its own in an empty folder:

* a block with tests (``def test_``) runs under pytest with pytest-aiohttp
  (``asyncio_mode = "auto"``, as the testing page says);
* any other block runs as a module (not as ``__main__``, which would serve forever); then
  its application (``build_app()``, ``create_app()`` or ``app``) is started and stopped
  on a test server, so configuration errors found at start-up fail it too.

Fragments (``<page>-<n>.fragment.py``, marked on the page) were compiled by the build
and are listed, not run; so are the blocks in other languages (console commands, proxy
configurations, sample output), each with its language.  Usage::

    python scripts/run-rendered-examples.py docs/_build/html/_rendered_examples
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Runs in a fresh interpreter, in the example's folder: the module, then its app.
START_APP = """
import asyncio, inspect, runpy, sys
from aiohttp import web
from aiohttp.test_utils import TestServer

namespace = runpy.run_path(sys.argv[1], run_name="rendered_example")

async def main() -> None:
    for name in ("build_app", "create_app", "make_app"):
        factory = namespace.get(name)
        if callable(factory) and not inspect.signature(factory).parameters:
            app = factory()
            if inspect.isawaitable(app):
                app = await app
            break
    else:
        app = namespace.get("app")
    if not isinstance(app, web.Application):
        print("  (no application to start)")
        return
    server = TestServer(app)
    await server.start_server()
    await server.close()
    print("  application started and stopped")

asyncio.run(main())
"""


def run(folder: Path) -> int:
    manifest = json.loads((folder / "manifest.json").read_text())
    if not manifest:
        print(f"no examples listed in {folder / 'manifest.json'}")
        return 1
    failed = []
    for example in manifest:
        name, where = example["file"], f"{example['page']}.rst, line {example['line']}"
        if example["language"] != "python":
            print(f"- {name} ({where}): {example['language']}, shown, not run here")
            continue
        if example["fragment"]:
            print(f"- {name} ({where}): fragment, shown as such on the page; not run")
            continue
        source = (folder / name).read_text()
        with tempfile.TemporaryDirectory() as scratch:
            copied = Path(scratch) / f"test_{name.replace('-', '_')}"
            shutil.copy(folder / name, copied)
            if "def test_" in source:
                command = [
                    sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                    "-o", "asyncio_mode=auto",
                    "-o", "asyncio_default_fixture_loop_scope=function",
                    "--rootdir", scratch, str(copied),
                ]  # fmt: skip
            else:
                command = [sys.executable, "-c", START_APP, str(copied)]
            print(f"- {name} ({where})")
            result = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
        output = (result.stdout + result.stderr).rstrip()
        if result.returncode != 0:
            failed.append(name)
            print(f"  FAILED:\n{output}")
        elif "def test_" in source:
            print(f"  {output.splitlines()[-1].strip()}")
        else:
            print(output)
    if failed:
        print(f"\n{len(failed)} example(s) failed as rendered: {', '.join(failed)}")
        return 1
    ran = [e for e in manifest if e["language"] == "python" and not e["fragment"]]
    print(f"\nevery one of the {len(ran)} Python examples ran as rendered")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    raise SystemExit(run(Path(sys.argv[1])))
