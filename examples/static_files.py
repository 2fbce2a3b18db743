"""Static files (fonts, images, data files) readable from another origin.

``cors.add`` accepts the resource returned by ``app.router.add_static``: GET and HEAD
requests for every file under the prefix get CORS headers, and preflights are answered.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions

# The folder served, next to this file.
STATIC_DIR = Path(__file__).resolve().parent / "static"


def build_app() -> web.Application:
    STATIC_DIR.mkdir(exist_ok=True)  # aiohttp refuses to serve a folder that does not exist
    app = web.Application()
    cors = aiohttp_cors.setup(app)

    static = app.router.add_static("/static/", STATIC_DIR)
    # Public files: any origin may read them, without credentials.
    cors.add(static, {"*": ResourceOptions(max_age=3600)})
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
