"""Fixtures for the reference-interpreter tests (see ``helpers`` for the network builder)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .helpers import NetBuilder

# The ONNX conformance counts, shown at the end of the run (test_onnx_conformance puts them here).
CONFORMANCE_SUMMARY = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_trt_build(reason): the test network is deliberately one TensorRT's builder rejects"
    )


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """Print the ONNX conformance counts when that module ran (even under ``-q``)."""
    summary = config.stash.get(CONFORMANCE_SUMMARY, None)
    if summary:
        terminalreporter.write_line(summary)


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
