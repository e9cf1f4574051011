"""models.yaml validation: every problem named with file, model and field; valid files load."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES
from trtrepo.errors import SpecError
from trtrepo.spec import load_project

VALID = """
defaults:
  max_batch_size: 4
  instance_count: 2
models:
  - name: m
    source: pkg.mod:build
    inputs:
      - name: x
        dtype: float32
        shape: [batch, {min: 2, opt: 3, max: 5, name: seq}]
    outputs:
      - name: y
"""


def test_examples_load():
    project = load_project(EXAMPLES / "models.yaml")
    names = [m.name for m in project.models]
    assert names == ["mlp", "cnn"]
    cnn = project.models[1]
    assert cnn.max_batch_size == 4
    assert cnn.inputs[0].shape_at("min") == (1, 3, 32, 32)
    assert cnn.inputs[0].shape_at("max") == (4, 3, 32, 32)


def test_defaults_merge_and_dims(write_yaml):
    model = load_project(write_yaml(VALID)).models[0]
    assert model.instance_count == 2 and model.max_batch_size == 4
    batch, seq = model.inputs[0].shape
    assert (batch.min, batch.opt, batch.max, batch.name) == (1, 4, 4, "batch")
    assert (seq.min, seq.opt, seq.max, seq.name) == (2, 3, 5, "seq")
    assert model.inputs[0].dtype.name == "fp32"


def problems_of(write_yaml, text: str) -> list[str]:
    path = write_yaml(text)
    with pytest.raises(SpecError) as info:
        load_project(path)
    assert str(path) in str(info.value)
    return info.value.problems


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ("dtype: float32", "dtype: fp33", "model 'm': inputs[0].dtype: unknown dtype 'fp33' (did you mean 'fp32'?)"),
        ("instance_count: 2", "instance_cuont: 2", "defaults: instance_cuont: unknown key (did you mean 'instance_count'?)"),
        ("min: 2, opt: 3", "min: 4, opt: 3", "model 'm': inputs[0].shape[1].opt: opt (3) must lie within [min, max] = [4, 5]"),
        ("max: 5, name", "max: 1, name", "model 'm': inputs[0].shape[1]: min (2) must not exceed max (1)"),
        ("min: 2, opt", "min: 0, opt", "model 'm': inputs[0].shape[1].min: must be at least 1 (got 0)"),
        ("name: m", "name: ../evil", "model '../evil': name: must not contain path separators or '..'"),
        ("name: m", "name: .hidden", "model '.hidden': name: must not start with '.'"),
        ("name: m", "name: \"a\\u200bb\"", "name: must not contain control or invisible characters"),
        ("    source: pkg.mod:build\n", "", "model 'm': source: required field is missing"),
        ("max_batch_size: 4", "max_batch_size: many", "defaults: max_batch_size: must be an integer (got 'many')"),
        ("shape: [batch,", "shape: [7,", "model 'm': inputs[0].shape[0]: with max_batch_size = 4 the first dimension"),
        ("shape: [batch,", "shape: [{min: 1, max: 2},",
         "inputs[0].shape[0].max: profile max batch (2) is below max_batch_size (4)"),
        ("shape: [batch,", "shape: [{min: 2, max: 8},",
         "inputs[0].shape[0].min: the batch dimension must start at 1"),
        ("dtype: float32", "dtype: float32\n        range: [5, 1]", "inputs[0].range: low (5) must not exceed high (1)"),
    ],
)
def test_each_problem_is_named(write_yaml, replace, by, expected):
    text = VALID.replace(replace, by)
    assert text != VALID, "the test's replacement did not apply"
    problems = problems_of(write_yaml, text)
    assert any(expected in p for p in problems), problems


def test_duplicate_model_names(write_yaml):
    text = VALID + VALID.split("models:\n")[1]
    assert "models.yaml:14: model 'm': name: duplicate of models[0]" in problems_of(write_yaml, text)


def test_all_problems_reported_together(write_yaml):
    """A schema error in one model does not hide a semantic error in another."""
    second = VALID.split("models:\n")[1].replace("name: m", "name: m2").replace("dtype: float32", "dtype: nope")
    text = VALID.replace("- name: y", "- name: y\n        colour: red") + second
    problems = problems_of(write_yaml, text)
    assert any("model 'm': outputs[0].colour: unknown key" in p for p in problems), problems
    assert any("model 'm2': inputs[0].dtype: unknown dtype 'nope'" in p for p in problems), problems
    assert len(problems) == 2, problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("models: [", "not valid YAML"),
        ("- just a list", "top level must be a mapping"),
        ("defaults: {}", "models: required field is missing"),
        ("models: []", "models: must not be empty"),
    ],
)
def test_malformed_files(write_yaml, text, expected):
    assert any(expected in p for p in problems_of(write_yaml, text))


def test_missing_file(tmp_path):
    with pytest.raises(SpecError, match="cannot read file"):
        load_project(tmp_path / "nope.yaml")


def test_select_unknown_model_suggests(write_yaml):
    project = load_project(write_yaml(VALID))
    with pytest.raises(SpecError, match="no model named 'n'"):
        project.select(["n"])
