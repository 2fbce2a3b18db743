"""``CorsViewMixin`` and ``custom_cors`` at the import path aiohttp-cors 0.8.1 had them
(``aiohttp_cors.mixin``)."""

from ._glue.decorators import custom_cors
from ._glue.views import CorsViewMixin

__all__ = ("CorsViewMixin", "custom_cors")
