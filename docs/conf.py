"""Sphinx configuration for the aiohttp_cors documentation.

Build (warnings are errors):

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Run the examples embedded in the pages:

    python -m sphinx -W --keep-going -b doctest docs docs/_build/doctest

The build never touches the network: intersphinx links aiohttp's names to aiohttp's
documentation from a small local inventory (docs/_inventories/aiohttp.inv, written by
scripts/make-aiohttp-inventory.py), and references to the Python documentation are
written as plain links.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Document the package of this checkout, not a copy installed elsewhere.
sys.path.insert(0, str(ROOT))

import aiohttp_cors  # noqa: E402

project = "aiohttp_cors"
author = "the aiohttp_cors contributors"
copyright = "the aiohttp_cors contributors"
release = aiohttp_cors.__version__
version = ".".join(release.split(".")[:2])

# Local extensions (docs/_ext/): rendered_examples writes each Python example of the
# pages below to a file, as the page shows it, for CI to run.
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "rendered_examples",
]
rendered_examples_pages = ("index", "quickstart", "recipes", "deployment", "testing")

# Sources.
root_doc = "index"
source_suffix = {".rst": "restructuredtext"}
exclude_patterns = ["_build", "_generated", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# No network during the build: nothing may be fetched.  aiohttp's names link to its
# documentation (the "Docs: RTD" address of aiohttp's package metadata) through a local
# inventory of the names our pages use.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {
    "aiohttp": ("https://docs.aiohttp.org/en/stable/", "_inventories/aiohttp.inv"),
}

# Autodoc.  Members are listed explicitly in api.rst: only the public contract.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autodoc_class_signature = "mixed"

# Doctest: every snippet starts from a clean import.
doctest_global_setup = """
import re
import warnings
from aiohttp import web
import aiohttp_cors
from aiohttp_cors import (
    APP_CONFIG_KEY,
    CorsConfig,
    CorsConfigError,
    CorsSecurityWarning,
    CorsViewMixin,
    ResourceOptions,
    cors_exempt,
    custom_cors,
    setup,
)
"""
doctest_test_doctest_blocks = ""

# HTML.
html_theme = "furo"
html_title = f"aiohttp_cors {release}"
html_static_path: list[str] = []
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": True,
}

# Check references we write ourselves.
nitpicky = False
