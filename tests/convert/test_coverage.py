"""Converter coverage and the generated docs.

Whether every registered converter is proven by a test is judged over the whole session by the
plugin in ``coverage_plugin.py`` (order-independent, also under pytest-xdist); the tests here prove
that plugin can fail, and when it must keep quiet. docs/OPS.md must match the catalogue.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from trtrepo.convert.catalog import catalog, render_markdown

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = """
from pathlib import Path

from tests.convert.coverage_plugin import ConverterCoverage


def pytest_configure(config):
    registered = lambda: {"aten.relu.default", "aten.abs.default"}  # noqa: E731
    config.pluginmanager.register(ConverterCoverage(config, Path(__file__).parent / "ops", registered))
"""
PROVES_RELU = """
import torch

from tests.convert.harness import Fn, assert_converts


def test_relu():
    assert_converts(Fn(torch.relu), [torch.randn(2, 3)], expect="aten.relu.default", build_engine=False)
"""
PROVES_ABS = PROVES_RELU.replace("relu", "abs")
CONVERTS_ABS_UNCHECKED = """
import torch

from tests.convert.harness import Fn, convert_module


def test_abs_converted_but_never_compared():
    assert "aten.abs.default" in convert_module(Fn(torch.abs), [torch.randn(2, 3)]).result.converters_used
"""
FAILS_ABS = PROVES_ABS + """

def test_that_fails():
    assert False, "deliberately"
"""


def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, **ops: str) -> None:
    """A pytest project whose ``ops/`` folder holds ``ops`` (file stem -> source) and a catalogue of relu, abs."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the run is a subprocess (torch cannot be imported twice in one)
    pytester.makeconftest(CONFTEST)
    (pytester.path / "ops").mkdir()
    for stem, source in ops.items():
        (pytester.path / "ops" / f"{stem}.py").write_text(textwrap.dedent(source))


def test_a_converter_no_test_proves_fails_the_session(pytester, monkeypatch):
    # abs is converted but never compared with eager: convert_module alone proves nothing.
    project(pytester, monkeypatch, test_relu=PROVES_RELU, test_abs=CONVERTS_ABS_UNCHECKED)
    result = pytester.runpytest_subprocess(timeout=300)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*converter coverage*",
                                 "FAILED: 1 of 2 registered converters were proven by none of the 2 tests of *ops:",
                                 "  aten.abs.default",
                                 "Test each with tests/convert/harness.py's assert_converts(..., expect=OP).",
                                 "*= 2 passed*"])
    assert "  aten.relu.default" not in result.stdout.str()


PURGES_TESTS_MODULES = """
import sys


def test_a_model_source_named_tests_is_imported():
    # trtrepo.sources drops a source's top package from sys.modules to import the user's own.
    for name in [n for n in sys.modules if n == "tests" or n.startswith("tests.")]:
        del sys.modules[name]
"""


def test_proofs_survive_a_test_that_drops_the_harness_from_sys_modules(pytester, monkeypatch):
    project(pytester, monkeypatch, test_a_purge=PURGES_TESTS_MODULES, test_relu=PROVES_RELU,
            test_abs=CONVERTS_ABS_UNCHECKED)
    result = pytester.runpytest_subprocess("--random-order-bucket=none", timeout=300)
    result.stdout.fnmatch_lines(["FAILED: 1 of 2 registered converters were proven by none of the 3 tests of *ops:",
                                 "  aten.abs.default"])
    assert "  aten.relu.default" not in result.stdout.str()


def test_xdist_workers_send_their_proofs_to_the_controller(pytester, monkeypatch):
    # One test file per worker (loadfile), in random order: the verdict needs both workers' ledgers.
    project(pytester, monkeypatch, test_relu=PROVES_RELU, test_abs=CONVERTS_ABS_UNCHECKED)
    result = pytester.runpytest_subprocess("-n", "2", "--dist", "loadfile", "--random-order", timeout=300)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["FAILED: 1 of 2 registered converters were proven by none of the 2 tests of *ops:",
                                 "  aten.abs.default"])
    assert "  aten.relu.default" not in result.stdout.str()


def test_every_converter_proven_passes(pytester, monkeypatch):
    project(pytester, monkeypatch, test_relu=PROVES_RELU, test_abs=PROVES_ABS)
    result = pytester.runpytest_subprocess(timeout=300)
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.fnmatch_lines(["all 2 registered converters were proven by the 2 tests of *ops"])


@pytest.mark.parametrize(("files", "args", "reason"), [
    ({"test_relu": PROVES_RELU}, (), "no test of test_abs.py was selected"),
    ({"test_relu": PROVES_RELU, "test_abs": PROVES_ABS}, ("-k", "relu"),
     "1 test(s) of *ops were deselected (-k, -m, --deselect, --lf, ...)"),
    ({"test_relu": PROVES_RELU, "test_abs": PROVES_ABS}, ("ops/test_abs.py::test_abs", "ops/test_relu.py"),
     "only part of an ops test file was selected: ops/test_abs.py::test_abs"),
    ({"test_relu": PROVES_RELU, "test_abs": FAILS_ABS}, (), "1 test(s) of *ops failed (first: *test_that_fails)"),
    ({"test_relu": PROVES_RELU, "test_abs": FAILS_ABS}, ("-x",), "* did not run (first: *)"),
], ids=["file not selected", "deselected", "narrowed", "a test failed", "stopped early"])
def test_a_partial_or_failing_run_does_not_judge(pytester, monkeypatch, files, args, reason):
    project(pytester, monkeypatch, **files)
    if "test_abs" not in files:
        (pytester.path / "ops" / "test_abs.py").write_text(PROVES_ABS)
        args = ("ops/test_relu.py", *args)
    result = pytester.runpytest_subprocess(*args, timeout=300)
    result.stdout.fnmatch_lines([f"not judged: {reason}"])
    assert "unexercised" not in result.stdout.str()


def test_the_catalogue_lists_the_registered_converters():
    assert len({e.op for e in catalog()}) >= 150


def test_docs_ops_table_is_current():
    generated = render_markdown(catalog())
    committed = (ROOT / "docs" / "OPS.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/OPS.md is stale: run `trtrepo ops --markdown > docs/OPS.md`"
