"""CORS for aiohttp: spec-exact, secure by design, a drop-in for aiohttp-cors 0.8.1.

Everything a user needs is named here; ``__all__`` is the contract.  The modules under
``_core`` (the CORS rules), ``_glue`` (the aiohttp side) and ``_tools`` (the doctor, the
demo, the command line) are internal.
"""

from .__about__ import (
    __author__,
    __copyright__,
    __email__,
    __license__,
    __summary__,
    __title__,
    __uri__,
    __version__,
)
from ._core.errors import CorsConfigError, CorsSecurityWarning
from ._core.options import ResourceOptions
from ._core.varies import varies_on
from ._glue.config import APP_CONFIG_KEY, CorsConfig, setup
from ._glue.decorators import cors_exempt, custom_cors
from ._glue.refusals import Refusal
from ._glue.surface import CorsSurface, OriginEntry, RouteSurface
from ._glue.views import CorsViewMixin

__all__ = (
    "APP_CONFIG_KEY",
    "CorsConfig",
    "CorsConfigError",
    "CorsSecurityWarning",
    "CorsSurface",
    "CorsViewMixin",
    "OriginEntry",
    "Refusal",
    "ResourceOptions",
    "RouteSurface",
    "__author__",
    "__copyright__",
    "__email__",
    "__license__",
    "__summary__",
    "__title__",
    "__uri__",
    "__version__",
    "cors_exempt",
    "custom_cors",
    "setup",
    "varies_on",
)

# Tracebacks and reprs name the public path, not the internal module a class lives in.
for _public in (
    CorsConfigError,
    CorsSecurityWarning,
    CorsSurface,
    OriginEntry,
    Refusal,
    RouteSurface,
):
    _public.__module__ = __name__
del _public
