"""Allowed origins kept in a database and looked up at request time.

An origin key may be an ``async`` callable: it receives the request's Origin value and
returns True to allow it.  Looking an origin up on every request would put the
database on the hot path, so this store keeps answers for a short time.

The "database" is an in-memory SQLite table, queried in a worker thread the way a
blocking driver would be; swap in your own driver (asyncpg, aiosqlite, ...).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator

from aiohttp import web

import aiohttp_cors
from aiohttp_cors import ResourceOptions


class OriginStore:
    """Answers "is this origin one of our customers' sites?" from a table."""

    def __init__(self, ttl: float = 60.0) -> None:
        self._ttl = ttl
        self._cache: dict[str, tuple[bool, float]] = {}
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute("CREATE TABLE tenant_origin (origin TEXT PRIMARY KEY)")
        self._db.executemany(
            "INSERT INTO tenant_origin VALUES (?)",
            [("https://shop.customer-one.example",), ("https://customer-two.example",)],
        )

    def _query(self, origin: str) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM tenant_origin WHERE origin = ?", (origin,)
            ).fetchone()
        return row is not None

    async def is_allowed(self, origin: str) -> bool:
        now = time.monotonic()
        cached = self._cache.get(origin)
        if cached is not None and cached[1] > now:
            return cached[0]
        allowed = await asyncio.to_thread(self._query, origin)
        if len(self._cache) > 10_000:  # bound the memory an attacker can make us use
            self._cache.clear()
        self._cache[origin] = (allowed, now + self._ttl)
        return allowed

    def close(self) -> None:
        self._db.close()


async def widget_data(request: web.Request) -> web.Response:
    return web.json_response({"widget": "latest offers"})


def build_app() -> web.Application:
    app = web.Application()
    store = OriginStore()

    async def close_store(app: web.Application) -> AsyncIterator[None]:
        yield
        store.close()

    app.cleanup_ctx.append(close_store)

    cors = aiohttp_cors.setup(app)
    cors.add(
        app.router.add_get("/widget", widget_data),
        {store.is_allowed: ResourceOptions(allow_credentials=True)},
    )
    return app


if __name__ == "__main__":
    web.run_app(build_app(), host="127.0.0.1", port=8080)
