"""Write each Python example of some pages to a file, exactly as the page renders it.

Readers copy examples from the rendered page, not from ``examples/``: a ``literalinclude``
with ``:start-at:`` or ``:pyobject:`` shows part of a file, and that part must run on its
own.  After each page of ``rendered_examples_pages`` is resolved, every Python
``literal_block`` it renders (``code-block``, ``literalinclude``) is written to
``<outdir>/_rendered_examples/<page>-<n>.py``, with a ``manifest.json`` listing them;
``scripts/run-rendered-examples.py`` runs them (CI does, after the HTML build).  Blocks in
other languages (console commands, proxy configurations, page scripts, sample output) are
written as ``<page>-<n>.<language>.txt`` and listed as shown, not run.

A block that is deliberately a fragment (it uses names defined elsewhere on the page) says
so where readers see it: give it ``:class: fragment`` and a ``:caption:`` that starts with
"Fragment".  It is then written as ``<page>-<n>.fragment.py``, compiled but not run.  A
fragment without such a caption, or a block that is not valid Python, fails the build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

FRAGMENT_CLASS = "fragment"
FRAGMENT_CAPTION = "Fragment"
OUTPUT_FOLDER = "_rendered_examples"
_FOUND: dict[str, list[dict[str, Any]]] = {}


def _caption(block: nodes.literal_block) -> str:
    """The caption shown above *block*, if it has one."""
    wrapper = block.parent
    if isinstance(wrapper, nodes.container) and wrapper.get("literal_block"):
        for child in wrapper.children:
            if isinstance(child, nodes.caption):
                return child.astext()
    return ""


def _is_python(block: nodes.literal_block) -> bool:
    return block.get("language", "") in ("python", "python3", "py")


def collect(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if docname not in app.config.rendered_examples_pages:
        return
    found = _FOUND[docname] = []
    for number, block in enumerate(doctree.findall(nodes.literal_block), 1):
        source = block.astext() + "\n"
        caption = _caption(block)
        if not _is_python(block):
            language = block.get("language", "") or "text"
            found.append(
                {
                    "file": f"{docname}-{number}.{language}.txt",
                    "page": docname,
                    "line": block.line,
                    "caption": caption,
                    "language": language,
                    "fragment": False,
                    "source": source,
                }
            )
            continue
        fragment = FRAGMENT_CLASS in block.get("classes", [])
        where = (docname, block.line)
        if fragment and not caption.startswith(FRAGMENT_CAPTION):
            logger.warning(
                "a Python block marked :class: fragment needs a :caption: starting with "
                f"{FRAGMENT_CAPTION!r}, so that readers see it is not a whole program",
                location=where,
            )
        try:
            compile(source, f"{docname}-{number}", "exec")
        except SyntaxError as exc:
            logger.warning(f"this Python example does not compile: {exc}", location=where)
        suffix = ".fragment.py" if fragment else ".py"
        found.append(
            {
                "file": f"{docname}-{number}{suffix}",
                "page": docname,
                "line": block.line,
                "caption": caption,
                "language": "python",
                "fragment": fragment,
                "source": source,
            }
        )


def write(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for docname in app.config.rendered_examples_pages:
        if docname not in _FOUND:  # not rewritten by an incremental build: read it again
            app.env.get_and_resolve_doctree(docname, app.builder)  # calls collect()
    folder = Path(app.outdir) / OUTPUT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("*.py"), *folder.glob("*.txt")]:
        old.unlink()
    manifest = []
    for docname in sorted(_FOUND):
        for example in _FOUND[docname]:
            (folder / example["file"]).write_text(example["source"])
            manifest.append({k: v for k, v in example.items() if k != "source"})
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("rendered_examples_pages", (), "env")
    app.connect("doctree-resolved", collect)
    app.connect("build-finished", write)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": False}
