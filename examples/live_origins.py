"""Allowed origins that change without a restart, in every worker process.

The partner sites that may call the API are kept outside the code (here a JSON file,
``{"origins": ["https://partner.example", ...]}``; a database table or a configuration
service works the same).  Each worker process runs one background task, started and
stopped by ``cleanup_ctx``, that reads the source every ``POLL_SECONDS`` and, when it
changed, calls ``cors.reconfigure(defaults=...)``.  The new configuration is validated and
compiled before it replaces the running one in one step; a bad one raises
``CorsConfigError``, is logged, and the worker keeps answering with what it had.

Consistency window: the workers read the source independently, so for up to
``POLL_SECONDS`` after a change some workers answer with the old origins and some with the
new.  And a browser that was granted a preflight keeps using that grant for ``max_age``
seconds.  So a removed origin is refused everywhere at most ``POLL_SECONDS + max_age``
seconds after the source changed; an added one is admitted everywhere after
``POLL_SECONDS``.

Try it::

    echo '{"origins": ["https://partner.example"]}' > origins.json
    python examples/live_origins.py origins.json
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import CorsConfigError, ResourceOptions

log = logging.getLogger("cors.live_origins")
POLL_SECONDS = 30.0
#: A granted preflight is cached by the browser for this long (see the window above).
MAX_AGE = 600


def defaults_from(text: str) -> dict[str, ResourceOptions]:
    """The ``defaults`` mapping the source describes."""
    origins = json.loads(text)["origins"]
    return dict.fromkeys(origins, ResourceOptions(allow_credentials=True, max_age=MAX_AGE))


async def list_items(request: web.Request) -> web.Response:
    return web.json_response([{"id": 1}])


def build_app(source: Path | None = None, poll_seconds: float = POLL_SECONDS) -> web.Application:
    source = source if source is not None else Path("origins.json")
    app = web.Application()
    cors = aiohttp_cors.setup(app)
    cors.add(app.router.add_get("/api/items", list_items))

    def apply(text: str) -> None:
        try:
            cors.reconfigure(defaults=defaults_from(text))
        except (CorsConfigError, ValueError, KeyError, TypeError) as exc:
            # The running configuration stays; fix the source and it is read again.
            log.error("origins in %s not applied: %s", source, exc)

    async def read() -> str | None:
        try:
            return await asyncio.to_thread(source.read_text, encoding="utf-8")
        except OSError as exc:
            log.error("cannot read %s: %s", source, exc)
            return None

    async def poll(last: str | None) -> None:
        while True:
            await asyncio.sleep(poll_seconds)
            text = await read()
            if text is not None and text != last:
                apply(text)
                last = text

    async def reload_origins(app: web.Application) -> AsyncIterator[None]:
        text = await read()  # before the app starts: it starts with the source's origins
        if text is not None:
            apply(text)
        task = asyncio.create_task(poll(text))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.cleanup_ctx.append(reload_origins)
    return app


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    web.run_app(build_app(Path(sys.argv[1])), host="127.0.0.1", port=8080)
