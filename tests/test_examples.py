"""Every file in examples/ builds, starts without warnings and answers its routes."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

from aiohttp_cors import CorsSecurityWarning

from .helpers import assert_items_api_for_app_example

if TYPE_CHECKING:
    from .helpers import AiohttpClient

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def get_paths(app: web.Application, prefix: str = "") -> list[str]:
    """Concrete paths of the GET routes without path variables, sub-apps included."""
    paths = []
    for resource in app.router.resources():
        info = resource.get_info()
        if "app" in info and "prefix" in info:
            paths += get_paths(info["app"], prefix + info["prefix"])
        elif "path" in info and any(route.method == "GET" for route in resource):
            paths.append(prefix + info["path"])
    return paths


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
async def test_example_runs(aiohttp_client: AiohttpClient, path: Path) -> None:
    module = load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A blanket "error" filter only shows CorsSecurityWarning: name it to make it fail.
        warnings.simplefilter("error", CorsSecurityWarning)
        app: web.Application = module.build_app()
        client = await aiohttp_client(app)
    for url in get_paths(app):
        response = await client.get(url, headers={"Origin": "https://unlisted.invalid"})
        assert response.status < 500, url


async def test_quickstart_behaves_as_documented(aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(load(EXAMPLES[0].parent / "quickstart.py").build_app())
    await assert_items_api_for_app_example(client)
    response = await client.options(
        "/api/items",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status == 200
    assert response.headers["Access-Control-Max-Age"] == "600"
