"""Runs differential programs under whichever ``aiohttp_cors`` the running interpreter has.

This file is a standalone script: the differential test starts it twice, once with the
suite's interpreter (our package) and once with the upstream environment's interpreter
(aiohttp-cors 0.8.1), by path and with ``python -I``, so that neither the checkout nor
``PYTHONPATH`` is on ``sys.path`` and each process imports its own ``aiohttp_cors``.  It
imports nothing from the test suite for the same reason.

Protocol, one JSON document per line:

- first, the runner writes ``{"version": aiohttp_cors.__version__, "file": ..., "aiohttp":
  aiohttp.__version__}`` so the test can check which package each side really runs;
- then, for every job read from stdin (``{"source": ..., "requests": [...]}``), it writes one
  result: ``{"build_error": [type, message] | null, "config_errors": [[type, message], ...],
  "startup_error": ..., "answers": [...]}``, one answer per request, in order.

A program is Python source defining ``build()``, which returns the application; statements
that may raise in 0.8.1 record their exception with ``note(error)`` (see ``programs.py``).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
import sys
import warnings
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

import aiohttp_cors

# Reprs of handlers and views carry memory addresses, which differ between processes.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


_REQUEST_SECONDS = 10
_PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")


def _error(error: BaseException) -> list[str]:
    return [type(error).__name__, _ADDRESS.sub(" at 0x?", str(error))]


def _headers_answer(status: int, headers: Any, body: str | None) -> dict[str, Any]:
    return {
        "status": status,
        "cors": {
            name.lower(): value
            for name, value in (headers or {}).items()
            if name.lower().startswith("access-control-")
        },
        "vary": headers.getall("Vary", []) if headers else [],
        # A refusal's text is part of the answer (0.8.1's 403 bodies); other bodies are the
        # handlers' own and say nothing about CORS.
        "body": body if status == 403 else None,
    }


async def _handshake(client: TestClient[Any, Any], request: dict[str, Any]) -> dict[str, Any]:
    origin = request["headers"].get("Origin")
    try:
        websocket = await client.ws_connect(
            request["path"], headers={"Origin": origin} if origin is not None else {}
        )
    except aiohttp.WSServerHandshakeError as refused:
        return _headers_answer(refused.status, refused.headers, None)
    response = websocket._response
    await websocket.close()
    return _headers_answer(response.status, response.headers, None)


async def _answer(client: TestClient[Any, Any], request: dict[str, Any]) -> dict[str, Any]:
    try:
        if "Upgrade" in request["headers"]:
            return await _handshake(client, request)
        async with client.request(
            request["method"],
            request["path"],
            headers=request["headers"],
            allow_redirects=False,
        ) as response:
            body = await response.text(errors="replace")
            return _headers_answer(response.status, response.headers, body)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return {"error": type(error).__name__}


async def _served(client: TestClient[Any, Any], paths: set[str]) -> dict[str, list[str]]:
    """The methods aiohttp routes to a handler at each path, from plain requests without
    ``Origin`` (so no CORS code is involved); some allowed differences depend on them."""
    served: dict[str, list[str]] = {}
    for path in sorted(paths):
        served[path] = []
        for method in _PROBED_METHODS:
            try:
                async with client.request(method, path, allow_redirects=False) as response:
                    await response.read()
                    if response.status not in (404, 405):
                        served[path].append(method)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                continue  # 0.8.1 drops some connections; our side's answer is the one used
    return served


async def _run(job: dict[str, Any]) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "differential_program"}
    result: dict[str, Any] = {
        "build_error": None,
        "config_errors": [],
        "startup_error": None,
        "answers": [],
        "served": {},
        "resources": {},
    }
    try:
        exec(compile(job["source"], "<program>", "exec"), namespace)
        app = namespace["build"]()
        if inspect.isawaitable(app):  # an async build(), as web.run_app accepts
            app = await app
    except Exception as error:
        result["build_error"] = _error(error)
        return result
    result["config_errors"] = [
        [kind, _ADDRESS.sub(" at 0x?", text)] for kind, text in namespace.get("CONFIG_ERRORS", [])
    ]
    # A request that never completes is an answer ("TimeoutError"), not a hung test run.
    client: TestClient[Any, Any] = TestClient(
        TestServer(app), timeout=aiohttp.ClientTimeout(total=_REQUEST_SECONDS)
    )
    try:
        await client.start_server()
    except Exception as error:
        result["startup_error"] = _error(error)
        await client.close()
        return result
    try:
        result["answers"] = [await _answer(client, request) for request in job["requests"]]
        paths = {request["path"] for request in job["requests"]}
        result["served"] = await _served(client, paths)
        result["resources"] = {
            path: sum(1 for resource in app.router.resources() if resource.canonical == path)
            for path in paths
        }
    finally:
        await client.close()
    return result


async def _serve() -> None:
    print(
        json.dumps(
            {
                "version": aiohttp_cors.__version__,
                "file": aiohttp_cors.__file__,
                "aiohttp": aiohttp.__version__,
            }
        ),
        flush=True,
    )
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        result = await _run(json.loads(line))
        print(json.dumps(result, sort_keys=True), flush=True)


def main() -> None:
    # Security warnings of our package and DeprecationWarnings of both (webview=True) are
    # expected from generated programs; only answers are compared.
    warnings.simplefilter("ignore")
    asyncio.run(_serve())


if __name__ == "__main__":
    main()
