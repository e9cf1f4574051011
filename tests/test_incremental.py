"""Build options, records, incremental and parallel builds, versions, locking (inspect: test_inspect.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time

import pytest

from tests.conftest import EXAMPLES
from trtrepo.build import BuildOptions, build_project
from trtrepo.fsutil import repository_lock
from trtrepo.repository import existing_versions, read_config
from trtrepo.spec import load_project


@pytest.fixture
def examples(tmp_path):
    """A private copy of examples/ (tests edit its sources)."""
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def statuses(report) -> dict[str, str]:
    return {o.name: o.status for o in report.outcomes}


def build(folder, repo, **options):
    return build_project(load_project(folder / "models.yaml").models, BuildOptions(repository=repo, **options))


def test_unchanged_models_are_skipped_and_changes_rebuild(examples, tmp_path):
    repo = tmp_path / "repo"
    assert statuses(build(examples, repo)) == {"mlp": "built", "cnn": "built"}
    assert statuses(build(examples, repo)) == {"mlp": "unchanged", "cnn": "unchanged"}
    spec = examples / "models.yaml"
    spec.write_text(spec.read_text().replace("  - name: cnn\n", "  - name: cnn\n    instance_count: 2\n"))
    assert statuses(build(examples, repo)) == {"mlp": "unchanged", "cnn": "built"}
    assert read_config(repo / "cnn").instance_group[0].count == 2
    (examples / "models" / "mlp.py").write_text((examples / "models" / "mlp.py").read_text() + "\n# edited\n")
    assert statuses(build(examples, repo)) == {"mlp": "built", "cnn": "built"}, "source edits rebuild"
    assert statuses(build(examples, repo, force=True)) == {"mlp": "built", "cnn": "built"}


def test_depends_files_count(examples, tmp_path):
    repo = tmp_path / "repo"
    (examples / "weights.bin").write_bytes(b"one")
    spec = examples / "models.yaml"
    spec.write_text(spec.read_text().replace("  - name: mlp\n", "  - name: mlp\n    depends: [weights.bin]\n"))
    build(examples, repo)
    (examples / "weights.bin").write_bytes(b"two")
    assert statuses(build(examples, repo))["mlp"] == "built"


def test_a_damaged_model_directory_is_rebuilt(examples, tmp_path):
    repo = tmp_path / "repo"
    build(examples, repo)
    (repo / "mlp" / "1" / "model.plan").write_bytes(b"truncated")
    assert statuses(build(examples, repo)) == {"mlp": "built", "cnn": "unchanged"}


def test_build_record_says_what_built_it(examples, tmp_path):
    repo = tmp_path / "repo"
    build(examples, repo, check=True)
    record = json.loads((repo / "cnn" / "trtrepo.json").read_text())
    assert record["tensorrt"]["flavour"] == "rtx" and record["tensorrt"]["version"].count(".") >= 2
    assert record["precision"] == "fp32" and record["version"] == 1
    assert record["profiles"] == [{"image": {"min": [1, 3, 32, 32], "opt": [2, 3, 32, 32], "max": [4, 3, 32, 32]}}]
    assert record["io"]["inputs"][0]["name"] == "image"
    assert set(record["hashes"]) == {"program", "weights", "spec"}
    program = (repo / "cnn" / "program.pt2").read_bytes()
    assert record["hashes"]["program"] == hashlib.sha256(program).hexdigest()
    assert {"capture", "lower", "convert", "check", "build", "config", "total"} <= set(record["stage_seconds"])
    assert record["check"]["passed"] is True
    assert "target" in record and "build_settings" in record and len(record["fingerprint"]) == 64


def test_weights_hash_changes_with_weights(examples, tmp_path):
    repo = tmp_path / "repo"
    build(examples, repo)
    first = json.loads((repo / "mlp" / "trtrepo.json").read_text())["hashes"]
    spec = examples / "models.yaml"
    spec.write_text(spec.read_text().replace("classes: 10}", "classes: 10, seed: 3}"))
    build(examples, repo)
    second = json.loads((repo / "mlp" / "trtrepo.json").read_text())["hashes"]
    assert first["weights"] != second["weights"] and first["spec"] != second["spec"]


def test_increment_policy_keeps_versions(examples, tmp_path):
    repo = tmp_path / "repo"
    spec = examples / "models.yaml"
    spec.write_text(spec.read_text().replace("  instance_count: 1\n", "  instance_count: 1\n  version_policy: increment\n"
                                             "  keep_versions: 2\n", 1))
    for _ in range(3):
        build(examples, repo, force=True)
    assert existing_versions(repo / "mlp") == [2, 3]
    record = json.loads((repo / "mlp" / "trtrepo.json").read_text())
    assert record["version"] == 3 and record["kept_versions"] == [2]
    assert (repo / "mlp" / "2" / "model.plan").stat().st_size > 1000
    assert sorted(p.name for p in repo.iterdir()) == ["cnn", "mlp"]


def test_parallel_build_matches_serial(examples, tmp_path):
    report = build(examples, tmp_path / "repo", jobs=2)
    assert statuses(report) == {"mlp": "built", "cnn": "built"}
    for name in ("mlp", "cnn"):
        record = json.loads((tmp_path / "repo" / name / "trtrepo.json").read_text())
        plan = (tmp_path / "repo" / name / "1" / "model.plan").read_bytes()
        assert record["plan_sha256"] == hashlib.sha256(plan).hexdigest()


def test_options_the_flavour_cannot_honour_are_errors(cli, examples, tmp_path):
    result = cli("build", examples / "models.yaml", "--repo", tmp_path / "repo", "--timing-cache")
    assert result.exit_code == 2
    assert "build options not supported by tensorrt_rtx_bindings" in result.output
    assert "timing_cache" in result.output
    result = cli("build", examples / "models.yaml", "--repo", tmp_path / "repo", "--hardware-compat", "ampere_plus")
    assert result.exit_code == 2 and "hardware_compatibility" in result.output
    result = cli("build", examples / "models.yaml", "--repo", tmp_path / "repo", "--version-compatible")
    assert result.exit_code == 2 and "version-compatible engines (need the lean runtime" in result.output
    assert not (tmp_path / "repo" / "mlp").exists()


def test_builder_options_reach_the_record(cli, examples, tmp_path):
    result = cli("build", examples / "models.yaml", "--repo", tmp_path / "repo", "--model", "mlp",
                 "--opt-level", "2", "--workspace-mb", "256", "--aux-streams", "1")
    assert result.exit_code == 0, result.output
    settings = json.loads((tmp_path / "repo" / "mlp" / "trtrepo.json").read_text())["build_settings"]
    assert settings["optimization_level"] == 2 and settings["workspace_mb"] == 256
    assert settings["version_compatible"] is False and settings["max_aux_streams"] == 1


def test_second_build_waits_for_the_lock_then_gives_up(cli, examples, tmp_path):
    repo = tmp_path / "repo"
    held = threading.Event()
    release = threading.Event()

    def hold():
        with repository_lock(repo, timeout=5):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    started = time.monotonic()
    result = cli("build", examples / "models.yaml", "--repo", repo, "--lock-timeout", "1")
    release.set()
    thread.join()
    assert result.exit_code == 2
    assert time.monotonic() - started >= 1
    assert "is locked by another trtrepo build" in result.output
    assert not (repo / "mlp").exists()
