"""``CorsConfig`` at the import path aiohttp-cors 0.8.1 had it (``aiohttp_cors.cors_config``)."""

from ._glue.config import CorsConfig

__all__ = ("CorsConfig",)
