"""Converter coverage, judged over the whole session: every registered converter was proven by a test.

A proof is what a passing ``assert_converts(..., expect=op)`` establishes (see ``harness``): the
lowered graph's ``op`` nodes went through ``op``'s converter into live network layers, and the
network matched eager PyTorch. Only the tests under ``tests/convert/ops`` count, so the verdict
depends on that folder alone, never on which other tests happened to run.

How the evidence is gathered, independent of test order and of processes:

* where tests run (a plain session, or each pytest-xdist worker) a ledger records, per test of
  the ops folder, its outcome and the ops it proved (collected around the test's call with
  ``harness.collecting_proofs``), plus which ops tests were selected and which were deselected;
* an xdist worker sends its ledger to the controller in ``workeroutput``; the controller merges
  them in ``pytest_testnodedown``;
* at ``pytest_sessionfinish`` the process that is not a worker judges: when every test file of the
  ops folder was collected whole (nothing deselected, no ``file::test`` narrowing) and every one of
  its tests ran and none failed, each catalogued converter (``trtrepo.convert.catalog``) that no
  test proved fails the session, listed by name. Otherwise the verdict is withheld and the summary
  says why (a partial run cannot tell "not tested" from "not selected").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

OPS_DIR = Path(__file__).resolve().parent / "ops"
LEDGER_KEY = "trtrepo_converter_coverage"
_PROVEN = pytest.StashKey[list[str]]()


def registered_converters() -> set[str]:
    """Every op the converter catalogue lists (what `trtrepo ops` and docs/OPS.md show)."""
    from trtrepo.convert.catalog import catalog

    return {entry.op for entry in catalog()}


class ConverterCoverage:
    """The pytest plugin described in the module docstring."""

    def __init__(self, config: pytest.Config, ops_dir: Path = OPS_DIR,
                 registered: Callable[[], set[str]] = registered_converters):
        self.config = config
        self.ops_dir = ops_dir.resolve()
        self.registered = registered
        self.is_worker = hasattr(config, "workerinput")
        self.collected: set[str] = set()  # node ids of the ops tests selected to run
        self.files: set[str] = set()  # ops test files with at least one selected test
        self.deselected: set[str] = set()
        self.outcomes: dict[str, str] = {}  # node id -> passed | skipped | failed
        self.proven: dict[str, list[str]] = {}  # node id -> ops its passing call proved
        self.verdict: list[str] = []
        self.unexercised: list[str] = []
        self.harness: Any = None  # tests.convert.harness, as the collected tests imported it

    def _in_ops(self, item: Any) -> bool:
        return self.ops_dir in Path(str(item.path)).resolve().parents

    # ---- where tests run -------------------------------------------------------------------

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected.update(i.nodeid for i in items if self._in_ops(i))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            if self._in_ops(item):
                self.collected.add(item.nodeid)
                self.files.add(Path(str(item.path)).resolve().name)
        if self.collected:
            # Bound now, to the very module the collected tests imported: a test that builds a model
            # whose source is a package named "tests" makes trtrepo drop tests.* from sys.modules,
            # and a later import by name would get a second harness the tests never call.
            from tests.convert import harness

            self.harness = harness

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        if not self._in_ops(item):
            return (yield)
        with self.harness.collecting_proofs() as proven:
            try:
                return (yield)
            finally:
                item.stash[_PROVEN] = sorted(proven)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
        report = yield
        if self._in_ops(item):
            if report.failed:
                self.outcomes[item.nodeid] = "failed"
            elif report.skipped and self.outcomes.get(item.nodeid) != "failed":
                self.outcomes[item.nodeid] = "skipped"
            elif report.when == "call":
                self.outcomes[item.nodeid] = "passed"
                self.proven[item.nodeid] = item.stash.get(_PROVEN, [])
        return report

    # ---- gathering: xdist workers report to the controller -----------------------------------

    def ledger(self) -> dict[str, Any]:
        """What this process saw, in types execnet can send."""
        return {"collected": sorted(self.collected), "files": sorted(self.files),
                "deselected": sorted(self.deselected), "outcomes": dict(self.outcomes),
                "proven": {k: list(v) for k, v in self.proven.items()}}

    def merge(self, ledger: dict[str, Any]) -> None:
        """Add a worker's ledger to this one (the same test seen twice keeps its worse outcome)."""
        self.collected.update(ledger["collected"])
        self.files.update(ledger["files"])
        self.deselected.update(ledger["deselected"])
        for nodeid, outcome in ledger["outcomes"].items():
            if self.outcomes.get(nodeid) != "failed":
                self.outcomes[nodeid] = outcome
        self.proven.update(ledger["proven"])

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        ledger = getattr(node, "workeroutput", {}).get(LEDGER_KEY)
        if ledger is not None:
            self.merge(ledger)

    # ---- judging ---------------------------------------------------------------------------

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker:
            self.config.workeroutput[LEDGER_KEY] = self.ledger()  # type: ignore[attr-defined]
            return
        if not self.collected or self.config.option.collectonly:
            return  # no converter test was selected: nothing to say
        registered = self.registered()
        proven = {op for ops in self.proven.values() for op in ops}
        withheld = self.incomplete()
        if withheld:
            unproven = sorted(registered - proven)
            listed = f": {', '.join(unproven)}" if 0 < len(unproven) <= 20 else ""
            self.verdict = [f"not judged: {withheld}",
                            f"(the tests that passed leave {len(unproven)} of {len(registered)} converters unproven"
                            f"{listed})"]
            return
        self.unexercised = sorted(registered - proven)
        tests = len(self.collected)
        if self.unexercised:
            self.verdict = [f"FAILED: {len(self.unexercised)} of {len(registered)} registered converters were "
                            f"proven by none of the {tests} tests of {self.ops_dir}:",
                            *(f"  {op}" for op in self.unexercised),
                            "Test each with tests/convert/harness.py's assert_converts(..., expect=OP)."]
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        else:
            self.verdict = [f"all {len(registered)} registered converters were proven by the {tests} tests "
                            f"of {self.ops_dir}"]

    def incomplete(self) -> str:
        """Why this session cannot judge coverage ('' when it can)."""
        if self.deselected:
            return f"{len(self.deselected)} test(s) of {self.ops_dir} were deselected (-k, -m, --deselect, --lf, ...)"
        files = {p.name for p in self.ops_dir.glob("test_*.py")}
        missing = sorted(files - self.files)
        if missing:
            return f"no test of {', '.join(missing)} was selected"
        narrowed = sorted(self._narrowing_args(self.config.args))
        if narrowed:
            return f"only part of an ops test file was selected: {', '.join(narrowed)}"
        not_run = sorted(self.collected - set(self.outcomes))
        if not_run:
            return f"{len(not_run)} selected test(s) of {self.ops_dir} did not run (first: {not_run[0]})"
        failed = sorted(k for k, v in self.outcomes.items() if v == "failed")
        if failed:
            return f"{len(failed)} test(s) of {self.ops_dir} failed (first: {failed[0]})"
        return ""

    def _narrowing_args(self, args: Iterable[str]) -> Iterable[str]:
        base = self.config.invocation_params.dir
        for arg in args:
            path, sep, _ = arg.partition("::")
            if sep and (self.ops_dir == (base / path).resolve() or self.ops_dir in (base / path).resolve().parents):
                yield arg

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.verdict:
            return
        terminalreporter.section("converter coverage", red=bool(self.unexercised), bold=True)
        for line in self.verdict:
            terminalreporter.line(line, red=bool(self.unexercised))


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ConverterCoverage(config), "trtrepo-converter-coverage")
