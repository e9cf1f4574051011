"""Several optimization profiles: in the engine, in config.pbtxt, checked, and validated."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES
from trtrepo.build import BuildOptions, build_project
from trtrepo.check import check_model
from trtrepo.errors import SpecError
from trtrepo.repository import read_config
from trtrepo.spec import load_project

TWO_PROFILES = """
models:
  - name: mlp
    source: models.mlp:build
    max_batch_size: 32
    dynamic_batching: true
    inputs:
      - name: features
        dtype: fp32
        shape: [batch, 16]
    outputs: [{name: logits}]
    profiles:
      - batch: {min: 1, opt: 4, max: 8}
      - batch: {min: 9, opt: 16, max: 32}
"""


def spec_text(profiles: str = "") -> str:
    text = TWO_PROFILES
    return text if not profiles else text.split("    profiles:")[0] + profiles


@pytest.fixture
def examples_copy(tmp_path):
    import shutil

    folder = tmp_path / "ex"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_engine_and_config_carry_every_profile(examples_copy, tmp_path):
    (examples_copy / "models.yaml").write_text(spec_text())
    project = load_project(examples_copy / "models.yaml")
    report = build_project(project.models, BuildOptions(repository=tmp_path / "repo"))
    assert report.exit_code == 0, report.to_dict()
    config = read_config(tmp_path / "repo" / "mlp")
    assert list(config.instance_group[0].profile) == ["0", "1"]
    assert config.max_batch_size == 32
    results = check_model(project.models[0])
    assert [r.case for r in results] == [f"p{i}.{p}" for i in (0, 1) for p in ("min", "opt", "max")] + [
        "random1", "random2"]
    assert all(r.passed for r in results)
    assert results[3].input_shapes["features"] == [9, 16]


@pytest.mark.parametrize(
    ("profiles", "expected"),
    [
        ("    profiles:\n      - seq: {min: 1, max: 4}\n", "no dynamic dimension is named 'seq'"),
        ("    profiles:\n      - batch: {min: 1, max: 64}\n", "range 1..64 leaves the declared range 1..32"),
        ("    profiles:\n      - batch: {min: 1, max: 8}\n      - batch: {min: 17, max: 32}\n",
         "batch sizes 9..16 fit no profile"),
        ("    profiles:\n      - batch: {min: 1, opt: 9, max: 8}\n", "opt (9) must lie within"),
    ],
)
def test_profiles_users_trip_over_are_rejected(write_yaml, profiles, expected):
    with pytest.raises(SpecError) as info:
        load_project(write_yaml(spec_text(profiles)))
    assert any(expected in p and "model 'mlp': profiles" in p for p in info.value.problems), info.value.problems
