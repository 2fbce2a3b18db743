"""Class-based views, with and without CorsViewMixin.

``ItemView`` uses the mixin: the class attribute ``cors_config`` holds the view's
policy, and ``@custom_cors`` on one method replaces it for that method.

``StatusView`` is a plain ``web.View``: its policy is the config given to ``cors.add``
(or the ``defaults`` of ``setup``), the same for every method.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin, ResourceOptions, custom_cors

APP_ORIGIN = "https://app.example.com"
ADMIN_ORIGIN = "https://admin.example.com"


class ItemView(web.View, CorsViewMixin):
    # Applies to every method of this view unless a method says otherwise.
    cors_config: ClassVar[Mapping[str, ResourceOptions]] = {
        APP_ORIGIN: ResourceOptions(allow_credentials=True, allow_headers=("Content-Type",)),
    }

    async def get(self) -> web.Response:
        return web.json_response({"id": self.request.match_info["id"]})

    async def put(self) -> web.Response:
        return web.json_response(await self.request.json())

    # Only the admin console may delete, and it must send its cookies.
    @custom_cors({ADMIN_ORIGIN: ResourceOptions(allow_credentials=True)})
    async def delete(self) -> web.Response:
        return web.Response(status=204)


class StatusView(web.View):
    async def get(self) -> web.Response:
        return web.json_response({"healthy": True})


def build_app() -> web.Application:
    app = web.Application()
    cors = aiohttp_cors.setup(app)

    cors.add(app.router.add_view("/items/{id}", ItemView))
    cors.add(app.router.add_view("/status", StatusView), {"*": ResourceOptions()})
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
