"""models.yaml problems a newcomer meets: all at once, each with its line; dtype spellings; files."""

from __future__ import annotations

import numpy as np
import pytest

from trtrepo.dtypes import DTYPES, parse_dtype
from trtrepo.errors import SpecError
from trtrepo.spec import load_project

BROKEN = """\
defaults:
  max_batch_size: 4
models:
  - name: cnn
    source: models.cnn:build
    precison: fp16
    inputs:
      - name: image
        dtype: fp32
        shape: [batch, 3, {min: 16, opt: 80, max: 64}, 32]
      - name: mask
        dtype: [fp32]
        shape: [batch, 3]
    profiles:
      - {batch: {min: 1, max: 4}, hieght: {min: 1, max: 2}}
  - name: cnn
    source: models.cnn:build
    inputs: [{name: x, dtype: fp32, shape: [batch, many]}]
"""


def problems_of(write_yaml, text: str, name: str = "models.yaml") -> list[str]:
    with pytest.raises(SpecError) as info:
        load_project(write_yaml(text, name))
    return info.value.problems


def test_every_problem_of_a_broken_model_at_once_with_its_line(write_yaml):
    """Schema errors (an unknown key, a dim that is no dim) no longer hide the semantic ones of the
    same model (opt outside its range, a misspelt profile dim, a duplicate name)."""
    assert problems_of(write_yaml, BROKEN) == [
        "models.yaml:6: model 'cnn': precison: unknown key (did you mean 'precision'?)",
        "models.yaml:10: model 'cnn': inputs[0].shape[2].opt: opt (80) must lie within [min, max] = [16, 64]",
        "models.yaml:12: model 'cnn': inputs[1].dtype: must be a string (got ['fp32'])",
        "models.yaml:15: model 'cnn': profiles[0].hieght: no dynamic dimension is named 'hieght' "
        "(known: batch, image_dim2)",
        "models.yaml:16: model 'cnn': name: duplicate of models[0]",
        "models.yaml:18: model 'cnn': inputs[0].shape[1]: a dimension is a positive integer, 'batch', "
        "or a range {min, opt, max} (got 'many')",
    ]


def test_a_rule_needing_a_broken_part_stays_silent(write_yaml):
    """max_batch_size is not a number: no rule guesses it (no "'batch' needs max_batch_size > 0")."""
    problems = problems_of(write_yaml, BROKEN.replace("max_batch_size: 4", "max_batch_size: four"))
    assert problems[0] == "models.yaml:2: defaults: max_batch_size: must be an integer (got 'four')"
    assert not any("needs max_batch_size" in p or "batch dimension" in p for p in problems), problems
    assert any("opt (80) must lie within" in p for p in problems), problems


def test_a_value_taken_from_defaults_points_at_its_line_there(write_yaml):
    text = """\
    defaults:
      max_batch_size: 4
      dynamic_batching: {preferred_batch_size: [8]}
    models:
      - name: m
        source: pkg.mod:build
        inputs: [{name: x, dtype: fp32, shape: [batch, 3]}]
    """
    assert problems_of(write_yaml, text, "serving.yaml") == [
        "serving.yaml:3: model 'm': dynamic_batching.preferred_batch_size: 8 exceeds max_batch_size (4)"]


def test_a_dotted_key_is_found_for_its_line(write_yaml):
    text = """\
    models:
      - name: m
        source: pkg.mod:build
        op_precision:
          aten._softmax.default: fp12
        inputs: [{name: x, dtype: fp32, shape: [3]}]
    """
    [problem] = problems_of(write_yaml, text)
    assert problem.startswith("models.yaml:5: model 'm': op_precision.aten._softmax.default: must be one of"), problem


@pytest.mark.parametrize(("written", "value"), [("1e-4", 1e-4), ("1E-4", 1e-4), ("2e3", 2000.0), ("1.5e2", 150.0),
                                                 ("-3e-2", -0.03), (".5e1", 5.0), ("1e+2", 100.0)])
def test_exponent_numbers_are_floats(write_yaml, written, value):
    text = f"""\
    models:
      - name: m
        source: pkg.mod:build
        tolerance: {{atol: 1e-4, rtol: {written}}}
        inputs: [{{name: x, dtype: fp32, shape: [3]}}]
    """
    if value < 0:
        assert "rtol: must be at least 0" in problems_of(write_yaml, text)[0]
        return
    model = load_project(write_yaml(text)).models[0]
    assert model.tolerance == {"atol": 1e-4, "rtol": value}


def test_quoted_exponent_stays_text(write_yaml):
    text = 'models:\n  - {name: "1e5", source: pkg.mod:build, inputs: [{name: x, dtype: fp32, shape: [3]}]}\n'
    assert load_project(write_yaml(text)).models[0].name == "1e5"


@pytest.mark.parametrize(("spelled", "canonical"), [
    ("TYPE_FP32", "fp32"), ("TYPE_FP16", "fp16"), ("TYPE_BF16", "bf16"), ("TYPE_INT64", "int64"), ("TYPE_BOOL", "bool"),
    ("float32", "fp32"), ("torch.float16", "fp16"), ("torch.bfloat16", "bf16"), ("torch.long", "int64"),
    ("torch.int32", "int32"), ("torch.uint8", "uint8"), ("torch.bool", "bool"), ("half", "fp16"), ("Float32", "fp32"),
])
def test_triton_and_torch_spellings_are_aliases(write_yaml, spelled, canonical):
    assert parse_dtype(spelled) is DTYPES[canonical]
    text = f"models:\n  - {{name: m, source: p.m:f, inputs: [{{name: x, dtype: {spelled}, shape: [3]}}]}}\n"
    assert load_project(write_yaml(text)).models[0].inputs[0].dtype is DTYPES[canonical]


@pytest.mark.parametrize(("spelled", "says"), [
    ("fp33", "(did you mean 'fp32'?)"),
    ("TYPE_FP64", "TensorRT has no 64-bit floats: declare fp32"),
    ("torch.float64", "TensorRT has no 64-bit floats"),
    ("TYPE_STRING", "numeric tensors only"),
    ("uint16", "no unsigned integers but uint8"),
])
def test_unknown_dtypes_list_the_valid_names(write_yaml, spelled, says):
    text = f"models:\n  - {{name: m, source: p.m:f, inputs: [{{name: x, dtype: {spelled}, shape: [3]}}]}}\n"
    [problem] = problems_of(write_yaml, text)
    assert problem.startswith(f"models.yaml:2: model 'm': inputs[0].dtype: unknown dtype '{spelled}'"), problem
    assert says in problem
    assert "valid names: fp32, fp16, bf16, int64, int32, int8, uint8, bool" in problem and "TYPE_FP32" in problem


FILES = """\
models:
  - name: m
    source: pkg.mod:build
    depends: [weights/m.pt, data]
    verify: {inputs: [samples/a.npz, samples/b.npy, pkg.samples:make]}
    inputs: [{name: x, dtype: fp32, shape: [3]}]
"""


def test_missing_depends_and_verify_files_are_found_up_front(write_yaml, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path.parent)  # relative to models.yaml, not to where trtrepo runs
    (tmp_path / "data").mkdir()
    (tmp_path / "samples").mkdir()
    np.save(tmp_path / "samples" / "b.npy", np.zeros(3, np.float32))
    problems = problems_of(write_yaml, FILES)
    where = f"(paths are relative to the folder of models.yaml, {tmp_path})"
    assert problems == [f"models.yaml:4: model 'm': depends[0]: 'weights/m.pt' does not exist {where}",
                        f"models.yaml:5: model 'm': verify.inputs[0]: 'samples/a.npz' does not exist {where}"]
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "m.pt").write_bytes(b"w")
    np.savez(tmp_path / "samples" / "a.npz", x=np.zeros(3, np.float32))
    assert load_project(tmp_path / "models.yaml").models[0].depends == ("weights/m.pt", "data")


def test_a_verify_entry_that_is_neither_file_nor_callable(write_yaml):
    text = FILES.replace("depends: [weights/m.pt, data]\n    ", "").replace(
        "[samples/a.npz, samples/b.npy, pkg.samples:make]", "samples/a.npzz")
    assert problems_of(write_yaml, text) == [
        "models.yaml:4: model 'm': verify.inputs: 'samples/a.npzz' is neither a .npz/.npy file nor a "
        "package.module:callable yielding samples"]


def test_a_rejected_entry_does_not_hide_the_missing_files_beside_it(write_yaml, tmp_path):
    text = FILES.replace("[weights/m.pt, data]", "[7, weights/m.pt]")
    problems = problems_of(write_yaml, text)
    assert problems[:2] == ["models.yaml:4: model 'm': depends[0]: must be text (got 7: YAML reads it as int; quote it)",
                            "models.yaml:4: model 'm': depends[1]: 'weights/m.pt' does not exist (paths are "
                            f"relative to the folder of models.yaml, {tmp_path})"]
    assert any("verify.inputs[0]: 'samples/a.npz' does not exist" in p for p in problems), problems


def test_a_model_that_is_not_a_mapping_hides_nothing_of_the_others(write_yaml):
    text = ("models:\n  - just a string\n  - name: b\n    source: pkg.mod:build\n"
            "    inputs: [{name: x, dtype: fp32, shape: [{min: 4, opt: 9, max: 8}]}]\n")
    assert problems_of(write_yaml, text) == [
        "models.yaml:2: models[0]: must be a mapping (got 'just a string')",
        "models.yaml:5: model 'b': inputs[0].shape[0].opt: opt (9) must lie within [min, max] = [4, 8]"]


def test_a_value_merged_from_an_anchor_points_at_where_it_is_written(write_yaml):
    text = """\
    x-common: &common
      source: pkg.mod:build
      inputs: [{name: x, dtype: fp32, shape: [{min: 4, opt: 9, max: 8}]}]
    models:
      - <<: *common
        name: m
    """
    assert problems_of(write_yaml, text) == [
        "models.yaml:1: x-common: unknown key",
        "models.yaml:3: model 'm': inputs[0].shape[0].opt: opt (9) must lie within [min, max] = [4, 8]"]
