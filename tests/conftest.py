"""Shared fixtures: paths to the examples, a YAML writer, and a CLI runner."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

pytest_plugins = ("pytester", "tests.convert.coverage_plugin")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def write_yaml(tmp_path: Path):
    """Write a models.yaml (dedented) into tmp_path, next to a copy-free link to the fixture models."""
    def write(text: str, name: str = "models.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return write


@pytest.fixture
def cli():
    from trtrepo.cli import main

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    return invoke


def tree(path: Path) -> dict[str, bytes]:
    """Every file under ``path`` with its content, to prove a failed command wrote nothing."""
    if not path.exists():
        return {}
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
