"""Shared fixtures: paths to the examples, a YAML writer, a CLI runner, and a seed per test.

Every test starts from its own seed: ``seed_of(node id)``, a stable hash of the test's id, applied to
torch, ``random`` and numpy before its fixtures and body run. A test's inputs therefore do not depend
on which tests ran before it (nor on their order), and a failure reproduces alone. The seed is shown
in the report of a failing test (a "test seed" section), of passing ones with ``-rA``, and on each
test's line with ``-v``.
"""

from __future__ import annotations

import os
import random
import textwrap
import zlib
from pathlib import Path

import numpy
import pytest
import torch
from click.testing import CliRunner

pytest_plugins = ("pytester", "tests.convert.coverage_plugin")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def seed_of(nodeid: str) -> int:
    """A test's seed: the CRC-32 of its node id (stable across runs, unlike Python's salted ``hash``)."""
    return zlib.crc32(nodeid.encode("utf-8"))


@pytest.fixture(autouse=True)
def seeded(request: pytest.FixtureRequest) -> int:
    """Seed torch, ``random`` and numpy from this test's id (autouse: it runs before the test's own fixtures)."""
    seed = seed_of(request.node.nodeid)
    torch.manual_seed(seed)
    random.seed(seed)
    numpy.random.seed(seed)
    return seed


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """Name the seed in the test's report: shown with a failure, and for passing tests with ``-rA``."""
    report = yield
    if report.when == "call" or report.failed:
        seed = seed_of(item.nodeid)
        report.sections.append(("test seed", f"{seed} = zlib.crc32({item.nodeid!r}), given to torch.manual_seed, "
                                             "random.seed and numpy.random.seed before the test's fixtures"))
    return report


@pytest.hookimpl(wrapper=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    """With ``-v``, each test's line names its seed: ``PASSED (seed 1234)``."""
    status = yield
    shown = report.when == "call" or report.failed
    if config.get_verbosity() > 0 and status and status[2] and shown and (not report.skipped or "wasxfail" in vars(report)):
        category, letter, word = status
        if isinstance(word, tuple):
            return category, letter, (f"{word[0]} (seed {seed_of(report.nodeid)})", word[1])
        return category, letter, f"{word} (seed {seed_of(report.nodeid)})"
    return status


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    """Name the test order's seed at the end too: ``-q`` (as in `make test`) hides the header that shows it."""
    if not config.pluginmanager.hasplugin("random_order"):
        return
    from random_order.config import Config as RandomOrder

    order = RandomOrder(config)
    if order.bucket_type != "none":
        terminalreporter.write_line(f"test order: --random-order-bucket={order.bucket_type} "
                                    f"--random-order-seed={order.seed} repeats it")


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
    """Everything under ``path``, to prove a failed command wrote nothing.

    Files map to their content, empty folders appear as ``"name/"``, symbolic links (never
    followed) as ``"name ->"`` with their target, so no created folder or link goes unseen.
    """
    if not path.exists():
        return {}
    found: dict[str, bytes] = {}
    for entry in sorted(path.rglob("*")):
        name = str(entry.relative_to(path))
        if entry.is_symlink():
            found[f"{name} ->"] = os.fsencode(os.readlink(entry))
        elif entry.is_dir():
            if not any(entry.iterdir()):
                found[f"{name}/"] = b""
        elif entry.is_file():
            found[name] = entry.read_bytes()
        else:  # a socket or FIFO: named, never opened
            found[f"{name} (special)"] = b""
    return found
