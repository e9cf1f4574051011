"""Fixtures for the reference-interpreter tests (see ``helpers`` for the network builder)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .helpers import NetBuilder


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_trt_build(reason): the test network is deliberately one TensorRT's builder rejects"
    )


def _check_build(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("no_trt_build") is None


@pytest.fixture
def net(request: pytest.FixtureRequest) -> NetBuilder:
    """A fresh, empty strongly typed network."""
    return NetBuilder(check_build=_check_build(request))


@pytest.fixture
def build(request: pytest.FixtureRequest) -> Callable[[Callable[[NetBuilder, Any], Any]], NetBuilder]:
    """``build(lambda n, trt: ...)`` -> a NetBuilder whose outputs are what the lambda returned."""
    check = _check_build(request)
    return lambda define: NetBuilder(check_build=check).build(define)
