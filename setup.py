"""The metadata setup.cfg cannot read from aiohttp_cors/__about__.py by itself.

setup.cfg holds the package's contents and its static metadata; the package's identity
(summary, author, addresses) is written once, in ``aiohttp_cors/__about__.py``, which
code written for aiohttp-cors 0.8.1 also reads at run time.  That file imports nothing,
so it is run on its own here, without importing the package or its dependencies.
"""

from __future__ import annotations

import runpy
from pathlib import Path

from setuptools import setup

ABOUT = runpy.run_path(str(Path(__file__).parent / "aiohttp_cors" / "__about__.py"))


def project_urls(uri: str) -> dict[str, str]:
    """The index's links: none until the project has a public home (``__uri__``)."""
    return {"Homepage": uri} if uri else {}


setup(
    description=ABOUT["__summary__"],
    author=ABOUT["__author__"],
    # None leaves the field out; an empty string would write an empty Author-email.
    author_email=ABOUT["__email__"] or None,
    project_urls=project_urls(ABOUT["__uri__"]),
)
