"""`trtrepo tune-precision`: real conversions of models built to overflow, to pass, and to be beyond help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import trtrepo.network
from tests.conftest import FIXTURES
from trtrepo.check import localise
from trtrepo.compare import output_tolerances
from trtrepo.network import convert_model
from trtrepo.runners import ReferenceRunner
from trtrepo.samples import generated_samples
from trtrepo.spec import load_project
from trtrepo.tune.ddmin import ddmin
from trtrepo.tune.record import graph_digest, record_path, recorded_tuning
from trtrepo.tune.run import parse_tolerance
from trtrepo.tune.search import TuneOptions, tune_model
from trtrepo.tune.write import SpecWriteError, write_changes

OVERFLOW_LINE = "tests/fixtures/precision_models.py:17: energy = scaled * scaled"  # the line that overflows fp16

MODELS_YAML = """\
# Models served in fp16 (a comment the write must keep).
defaults:
  instance_count: 1   # one instance each

models:
  - name: overflow
    source: tests.fixtures.precision_models:overflow   # squares activations scaled by 300
    precision: fp16
    max_batch_size: 4
    inputs:
      - name: x
        dtype: fp32
        shape: [batch, 16]    # batch 1..4

  # a model that passes in fp16 as it is
  - name: fine
    source: tests.fixtures.precision_models:fine
    precision: fp16
    inputs:
      - {name: x, dtype: fp32, shape: [{min: 1, opt: 2, max: 3}, 16]}

  - name: hopeless
    source: tests.fixtures.precision_models:hopeless
    precision: fp16
    inputs:
      - {name: x, dtype: fp32, shape: [2, 16]}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """MODELS_YAML in a tmp folder that sees the fixture models as ``tests.fixtures``."""
    (tmp_path / "tests").symlink_to(FIXTURES.parent)
    path = tmp_path / "models.yaml"
    path.write_text(MODELS_YAML, encoding="utf-8")
    return path


def spec_of(path: Path, name: str):
    return load_project(path).select([name])[0]


# ---- the search ------------------------------------------------------------------------------


def test_ddmin_finds_the_needed_items_in_few_tests():
    tested = []

    def passes(items):
        tested.append(tuple(items))
        return {3, 11} <= set(items)

    reduced = ddmin(list(range(16)), passes)
    assert reduced.items == (3, 11) and reduced.minimal
    assert () not in tested, "the empty set is known to fail and never tested"
    # Repeats are answered by the search's cache; distinct sets tried stay within 3·k·log2(n).
    assert len(set(tested)) <= 3 * 2 * 4, tested


def test_ddmin_needs_every_item_of_a_conjunction_and_stops_when_the_budget_is_spent():
    assert ddmin(["a", "b", "c"], lambda items: set(items) == {"a", "b", "c"}).items == ("a", "b", "c")
    calls = []

    def stingy(items):
        calls.append(items)
        return None if len(calls) > 2 else "x" in items

    reduced = ddmin(list("wxyz"), stingy)
    assert not reduced.minimal and "x" in reduced.items and len(calls) == 3


def test_overflow_is_fixed_by_its_line_and_at_most_two_more(project, monkeypatch):
    captures = []
    capture = trtrepo.network.capture
    monkeypatch.setattr(trtrepo.network, "capture", lambda *a, **k: captures.append(1) or capture(*a, **k))
    result = tune_model(spec_of(project, "overflow"))
    assert captures == [1], "captured once; every trial reconverts the captured program"
    assert result.passed and result.minimal and result.exit_code == 0
    on_line = [k for k in result.kept if k.source.endswith(OVERFLOW_LINE)]
    assert on_line, [k.source for k in result.kept]
    assert len(result.kept) - len(on_line) <= 2
    assert all(k.op.startswith("aten.") for k in result.kept)
    # Without any one kept node the model fails; with all of them it passes at every shape point.
    assert all(k.without is not None and not k.without.passed for k in result.kept)
    assert [s.passed for s in result.baseline] == [False] and [s.passed for s in result.final] == [True]
    assert result.baseline[0].nan + result.baseline[0].inf > 0
    assert result.samples == ["min", "opt", "max"]
    assert result.conversions == len(result.trials) and result.seconds > 0
    assert result.node_precision == {k.node: "fp32" for k in result.kept}


def test_a_spent_budget_still_gives_a_passing_set_marked_not_minimal(project):
    result = tune_model(spec_of(project, "overflow"), TuneOptions(max_trials=1))
    assert result.passed and not result.minimal
    assert any("budget" in note for note in result.notes)


def test_localise_can_look_past_the_nodes_already_kept(project):
    converted = convert_model(spec_of(project, "overflow"))
    sample = generated_samples(converted.spec)[2]
    reference, tolerances = ReferenceRunner(converted), output_tolerances(converted.spec)
    first = localise(converted, reference, sample, tolerances)
    assert first is not None
    later = localise(converted, reference, sample, tolerances, among={"div"})
    assert later is not None and later.node == "div" and later.node != first.node
    assert later.previous_node != first.node, "a node out of tolerance is no 'within tolerance' predecessor"
    assert localise(converted, reference, sample, tolerances, among=set()) is None


# ---- the command -----------------------------------------------------------------------------


def test_a_model_that_passes_in_fp16_needs_no_node(cli, project):
    result = cli("tune-precision", project, "--model", "fine", "--samples", "2", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] and report["node_precision"] == {} and report["kept"] == []
    assert report["samples"] == ["min", "opt", "max", "random1", "random2"]
    assert report["conversions"] == 1 and report["changes"] == {}


def test_a_model_beyond_help_says_so_with_its_best_error(cli, project):
    before = project.read_text()
    result = cli("tune-precision", project, "--model", "hopeless", "--write")
    assert result.exit_code == 1, result.output
    assert "no node set reaches the tolerance" in result.stdout
    assert "with all 2 low-precision node(s) in fp32 the model still fails" in result.stdout
    assert "would pass at atol" in result.stdout, "the best error reached is reported"
    assert "the best error came with fp32 nodes [mul, sin]" in result.stdout
    assert "nothing written" in result.stdout and project.read_text() == before
    report = json.loads(cli("tune-precision", project, "--model", "hopeless", "--json").stdout)
    assert not report["passed"] and report["exit_code"] == 1 and report["node_precision"] == {}
    assert report["best_nodes"] and report["outputs"]["final"][0]["passed"] is False


def test_write_keeps_comments_and_the_written_file_builds_with_check(cli, project, tmp_path):
    before = project.read_text()
    assert cli("check", project, "--model", "overflow").exit_code == 1, "the model fails in fp16 as it is"
    result = cli("tune-precision", project, "--model", "overflow", "--write")
    assert result.exit_code == 0, result.output
    after = project.read_text()
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert [line for line in before.splitlines() if line not in after.splitlines()] == [], "nothing lost"
    assert added[0] == "    node_precision:" and len(added) == 1 + len(spec_of(project, "overflow").node_precision)
    assert any(line.strip().startswith("mul") and line.endswith(OVERFLOW_LINE) for line in added), added
    assert all("precision_models.py:" in line for line in added[1:]), "each entry names its source line"
    for comment in ("# Models served in fp16", "# one instance each", "# squares activations scaled by 300",
                    "# batch 1..4", "# a model that passes in fp16 as it is"):
        assert comment in after
    assert "+    node_precision:" in result.stdout and f"recorded in {record_path(project)}" in result.stdout
    repo = tmp_path / "repo"
    built = cli("build", project, "--model", "overflow", "--check", "--repo", repo)
    assert built.exit_code == 0, built.output
    record = json.loads((repo / "overflow" / "trtrepo.json").read_text())
    assert record["check"]["passed"] is True
    tuning = record["precision_tuning"]
    assert tuning["passed"] and tuning["node_precision"] == spec_of(project, "overflow").node_precision
    assert tuning["written_to_spec"] is True and tuning["precision"] == "fp16"


def test_the_build_record_leaves_out_a_tuning_that_no_longer_matches(cli, project):
    assert cli("tune-precision", project, "--model", "overflow").exit_code == 0  # found, not written
    entry = json.loads(record_path(project).read_text())["models"]["overflow"]
    assert entry["node_precision"] and entry["written_to_spec"] is False
    converted = convert_model(spec_of(project, "overflow"))
    spec = converted.spec
    hashes = {"spec": entry["matches"]["spec_sha256"], "weights": entry["matches"]["weights_sha256"]}
    assert graph_digest(converted.program) == entry["matches"]["graph_sha256"]
    assert recorded_tuning(spec, hashes, converted.program) == entry, "the entry with the tuning applied matches"
    from trtrepo.tune.record import spec_digest

    assert recorded_tuning(spec, {**hashes, "spec": spec_digest(spec.raw)}, converted.program) is None, \
        "the entry as it is (without the node_precision found) is not what was tuned"
    assert recorded_tuning(spec, {**hashes, "weights": "0" * 64}, converted.program) is None


def test_write_adds_precision_and_tolerance_that_pyyaml_reads_back(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text("models:\n  - name: m   # the model\n    source: x:y\n    inputs:\n"
                    "      - {name: x, dtype: fp32, shape: [2]}\n", encoding="utf-8")
    diff = write_changes(path, "m", {"node_precision": {"add": "fp32"}, "precision": "bf16",
                                     "tolerance": {"atol": 1e-05, "rtol": 0.5}}, {"add": "x.py:3: y = a + b"})
    assert path.read_text() == (
        "models:\n  - name: m   # the model\n    source: x:y\n    precision: bf16\n"
        "    node_precision:\n      add: fp32  # x.py:3: y = a + b\n    tolerance: {atol: 1.0e-05, rtol: 0.5}\n"
        "    inputs:\n      - {name: x, dtype: fp32, shape: [2]}\n")
    assert diff.startswith("--- a/models.yaml\n+++ b/models.yaml\n") and "+    precision: bf16\n" in diff
    spec = spec_of(path, "m")
    assert spec.tolerance == {"atol": 1e-05, "rtol": 0.5} and spec.node_precision == {"add": "fp32"}
    assert write_changes(path, "m", {"node_precision": {"add": "fp32"}}, {}) == "", "nothing new: nothing written"


def test_write_refuses_a_file_it_would_reformat_and_keeps_crlf_line_ends(tmp_path):
    path = tmp_path / "models.yaml"
    uneven = "models:\n  - name: m\n    source: x:y\n    inputs:\n       - {name: x, dtype: fp32, shape: [2]}\n"
    path.write_text(uneven, encoding="utf-8")
    with pytest.raises(SpecWriteError, match="without reformatting the file"):
        write_changes(path, "m", {"node_precision": {"add": "fp32"}}, {})
    assert path.read_text() == uneven
    windows = b"models:\r\n  - name: m\r\n    source: x:y\r\n    inputs: [{name: x, dtype: fp32, shape: [2]}]\r\n"
    path.write_bytes(windows)
    write_changes(path, "m", {"node_precision": {"add": "fp32"}}, {"add": "x.py:1: y"})
    assert path.read_bytes() == windows.replace(b"    inputs", b"    node_precision:\r\n      add: fp32  # x.py:1: y"
                                                                 b"\r\n    inputs")


def test_an_fp32_model_needs_a_precision_and_bad_tolerances_are_usage_errors(cli, write_yaml, tmp_path):
    (tmp_path / "tests").symlink_to(FIXTURES.parent)
    path = write_yaml("""
        models:
          - name: fine
            source: tests.fixtures.precision_models:fine
            inputs: [{name: x, dtype: fp32, shape: [2, 16]}]
        """)
    result = cli("tune-precision", path, "--model", "fine")
    assert result.exit_code == 2 and "precision is fp32" in result.output and "--precision fp16" in result.output
    result = cli("tune-precision", path, "--model", "fine", "--tolerance", "atol=x")
    assert result.exit_code == 2 and "--tolerance" in result.output
    assert cli("tune-precision", path, "--model", "nope").exit_code == 2
    assert parse_tolerance("atol=0.05, rtol=1e-3") == {"atol": 0.05, "rtol": 0.001}
    for bad in ("atol", "btol=1", "atol=-1", "atol=1,atol=2", "rtol=inf"):
        with pytest.raises(ValueError, match="atol=NUMBER"):
            parse_tolerance(bad)
    result = cli("tune-precision", path, "--model", "fine", "--precision", "fp16", "--tolerance", "atol=0.05", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["tolerance"] == {"atol": 0.05} and report["changes"] == {"precision": "fp16",
                                                                          "tolerance": {"atol": 0.05}}
