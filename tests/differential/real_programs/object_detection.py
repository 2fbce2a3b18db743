"""Replays VIGILANCE-IVA/object-detection-service: api/v1_routes.py

A class-based view (``class DetectionApi(View, CorsViewMixin)`` with a ``post``, in
api/detection.py) registered with ``app.router.add_view``; ``setup`` with
``{"*": ResourceOptions()}``; every route then passed to ``cors.add(route, webview=True)``.
"""

from __future__ import annotations

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsViewMixin

TARGETS = (("/detections", ("POST", "GET", "PUT")),)


class DetectionApi(web.View, CorsViewMixin):
    async def post(self) -> web.Response:
        return web.json_response([], status=200)


def build() -> web.Application:
    app = web.Application()
    app.router.add_view("/detections", DetectionApi)
    cors = aiohttp_cors.setup(app, defaults={"*": aiohttp_cors.ResourceOptions()})
    for route in list(app.router.routes()):
        cors.add(route, webview=True)
    return app
