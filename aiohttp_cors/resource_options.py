"""``ResourceOptions`` at the import path aiohttp-cors 0.8.1 had it
(``aiohttp_cors.resource_options``)."""

from ._core.options import ResourceOptions

__all__ = ("ResourceOptions",)
