"""CORS for aiohttp: spec-exact, secure by design, a drop-in for aiohttp-cors 0.8.1."""

from .config import APP_CONFIG_KEY, CorsConfig, setup
from .decorators import cors_exempt, custom_cors
from .errors import CorsConfigError, CorsSecurityWarning
from .options import ResourceOptions
from .views import CorsViewMixin

__version__ = "1.0.0"

__all__ = (
    "APP_CONFIG_KEY",
    "CorsConfig",
    "CorsConfigError",
    "CorsSecurityWarning",
    "CorsViewMixin",
    "ResourceOptions",
    "cors_exempt",
    "custom_cors",
    "setup",
)
