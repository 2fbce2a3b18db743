"""Package metadata, under the names aiohttp-cors 0.8.1 exposed them.

Kept importable as ``aiohttp_cors.__about__`` and re-exported by the package, because code
written for 0.8.1 reads these names.  It imports nothing, so build tools can read it alone.
"""

__title__ = "aiohttp-cors"
__version__ = "1.0.0"
__summary__ = (
    "CORS for aiohttp servers: spec-exact, secure by design, a drop-in for aiohttp-cors 0.8.1"
)
__author__ = "the aiohttp_cors contributors"
# No contact address and no public home page yet.  Empty values leave the fields out of
# the package metadata (setup.py reads this file): fill them in, here only, once the
# project has a public repository, and __uri__ becomes the index's Homepage link.
__email__ = ""
__uri__ = ""
__license__ = "Apache-2.0"
__copyright__ = "the aiohttp_cors contributors"
