"""ResourceOptions: 0.8.1's defaults and messages, plus stricter validation."""

from __future__ import annotations

from typing import Any

import pytest

from aiohttp_cors import CorsConfigError, ResourceOptions


def test_defaults() -> None:
    options = ResourceOptions()
    assert options.allow_credentials is False
    assert not options.expose_headers
    assert not options.allow_headers
    assert options.max_age is None
    assert options.allow_methods is None
    assert options.allow_private_network is False
    assert options._fields[:5] == (
        "allow_credentials",
        "expose_headers",
        "allow_headers",
        "max_age",
        "allow_methods",
    )


def test_value_semantics() -> None:
    assert ResourceOptions() == ResourceOptions()
    assert ResourceOptions(allow_credentials=True) != ResourceOptions()
    assert hash(ResourceOptions(allow_headers=["a"])) == hash(ResourceOptions(allow_headers={"A"}))
    with pytest.raises(AttributeError):
        ResourceOptions().max_age = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        ResourceOptions(True)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("kwargs", "field", "expected"),
    [
        ({"allow_methods": "*"}, "allow_methods", "*"),
        ({"allow_methods": []}, "allow_methods", frozenset()),
        ({"allow_methods": ["get", "Post"]}, "allow_methods", frozenset({"GET", "POST"})),
        ({"allow_methods": {"put"}}, "allow_methods", frozenset({"PUT"})),
        (
            {"allow_headers": ["X-a", "content-type"]},
            "allow_headers",
            frozenset({"X-A", "CONTENT-TYPE"}),
        ),
        ({"allow_headers": "*"}, "allow_headers", "*"),
        ({"expose_headers": ("X-Total",)}, "expose_headers", frozenset({"X-Total"})),
        ({"expose_headers": frozenset({"X-Total"})}, "expose_headers", frozenset({"X-Total"})),
        ({"max_age": 0}, "max_age", 0),
        ({"max_age": 86400}, "max_age", 86400),
    ],
)
def test_normalisation(kwargs: dict[str, Any], field: str, expected: Any) -> None:
    assert getattr(ResourceOptions(**kwargs), field) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"allow_credentials": None}, "'allow_credentials' must be boolean, got None"),
        ({"allow_credentials": 1}, "'allow_credentials' must be boolean, got 1"),
        ({"expose_headers": "X-A"}, "'expose_headers' must be either '*', or sequence of strings"),
        ({"expose_headers": [1]}, "'expose_headers' must be either '*', or sequence of strings"),
        ({"allow_headers": "X-A"}, "'allow_headers' must be either '*', or sequence of strings"),
        ({"allow_headers": [None]}, "'allow_headers' must be either '*', or sequence of strings"),
        ({"max_age": -1}, "'max_age' must be non-negative integer, got -1"),
        ({"max_age": 1.5}, "'max_age' must be non-negative integer, got 1.5"),
        ({"max_age": True}, "'max_age' must be non-negative integer, got True"),
        ({"max_age": 86401}, "above the largest useful value 86400"),
        ({"allow_methods": "GET"}, "'allow_methods' must be either '*', or sequence of strings"),
        ({"allow_methods": [b"GET"]}, "'allow_methods' must be either '*', or sequence of strings"),
        ({"allow_methods": ["TRACE"]}, "forbidden methods"),
        ({"allow_methods": ["GET PUT"]}, "not a valid method name"),
        ({"allow_headers": ["X A"]}, "not a valid header name"),
        ({"expose_headers": ["X:A"]}, "not a valid header name"),
        ({"allow_private_network": "yes"}, "'allow_private_network' must be boolean"),
    ],
)
def test_validation_messages(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        ResourceOptions(**kwargs)
    assert message in str(caught.value)
    assert isinstance(caught.value, CorsConfigError)


def test_every_problem_reported_at_once() -> None:
    with pytest.raises(CorsConfigError) as caught:
        ResourceOptions(allow_credentials="no", max_age=-5, allow_methods=["CONNECT"])  # type: ignore[arg-type]
    assert len(caught.value.problems) == 3
    assert "3 problems" in str(caught.value)


def test_is_method_allowed() -> None:
    assert not ResourceOptions().is_method_allowed("GET")
    assert ResourceOptions(allow_methods="*").is_method_allowed("PATCH")
    assert ResourceOptions(allow_methods=["patch"]).is_method_allowed("PATCH")
    assert not ResourceOptions(allow_methods=["patch"]).is_method_allowed("patch")


def test_repr_names_fields() -> None:
    assert repr(ResourceOptions(max_age=3)).startswith("ResourceOptions(allow_credentials=False")
