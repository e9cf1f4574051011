"""compare_runs over any two runners, and `trtrepo compare` (check's loop, with the runners named)."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from tests.conftest import EXAMPLES
from trtrepo.compare import compare_runs, exit_code
from trtrepo.errors import Category, RunFailed
from trtrepo.network import convert_model
from trtrepo.runners import EagerRunner, ReferenceRunner
from trtrepo.runners.base import TensorMeta
from trtrepo.samples import generated_samples
from trtrepo.spec import load_project


@pytest.fixture(scope="module")
def mlp():
    return load_project(EXAMPLES / "models.yaml").select(["mlp"])[0]


class Shifted:
    """A runner whose outputs are another's plus ``offset`` at one element."""

    def __init__(self, inner, offset: float):
        self.inner, self.offset, self.name = inner, offset, "shifted"
        self.inputs, self.outputs = inner.inputs, inner.outputs

    def infer(self, feed):
        outputs = self.inner.infer(feed)
        for value in outputs.values():
            value.view(-1)[0] += self.offset
        return outputs


class Unreachable:
    name = "unreachable"
    inputs: tuple[TensorMeta, ...] = ()
    outputs: tuple[TensorMeta, ...] = ()

    def infer(self, feed):
        raise RunFailed("connection refused", Category.UNAVAILABLE)


def test_reference_against_eager_passes_at_every_point(mlp):
    converted = convert_model(mlp)
    samples = generated_samples(mlp, 5, seed=3)
    cases = compare_runs(mlp, EagerRunner(mlp, converted.module), ReferenceRunner(converted), samples).cases
    assert [c.case for c in cases] == ["min", "opt", "max", "random1", "random2"]
    assert [c.seed for c in cases] == [3, 4, 5, 6, 7]
    assert all(c.passed for c in cases) and exit_code(cases) == 0
    assert cases[2].input_shapes == {"features": [8, 16]}


def test_an_error_beyond_tolerance_is_a_mismatch_with_exit_code_1(mlp):
    converted = convert_model(mlp)
    eager = EagerRunner(mlp, converted.module)
    cases = compare_runs(mlp, eager, Shifted(ReferenceRunner(converted), 0.5), generated_samples(mlp)).cases
    assert all(c.category is Category.MISMATCH for c in cases)
    stats = cases[0].outputs[0]
    assert stats.mismatched == 1 and stats.max_abs == pytest.approx(0.5, abs=1e-4)
    assert exit_code(cases) == 1


def test_a_runner_that_cannot_answer_is_its_own_category(mlp):
    eager = EagerRunner(mlp, convert_model(mlp).module)
    cases = compare_runs(mlp, eager, Unreachable(), generated_samples(mlp)).cases
    assert [c.category for c in cases] == [Category.UNAVAILABLE] * 3
    assert cases[0].error == "connection refused" and exit_code(cases) == 2


def test_an_eager_model_failing_on_its_inputs_names_the_inputs_and_the_line(mlp):
    class Picky(nn.Module):
        def forward(self, features):
            if features.shape[0] > 4:
                raise IndexError("index out of range in self")
            return features * 2

    eager = EagerRunner(mlp, Picky())
    cases = compare_runs(mlp, eager, EagerRunner(mlp, Picky()), generated_samples(mlp)).cases
    assert [c.category for c in cases] == [Category.PASSED, Category.REFERENCE, Category.REFERENCE]
    message = cases[2].error
    assert "the eager PyTorch model raised on generated inputs (features [8, 16] float32)" in message
    assert "IndexError: index out of range in self" in message
    assert "tests/test_compare.py" in message and 'raise IndexError("index out of range in self")' in message


def test_a_low_precision_module_is_compared_in_fp32_without_changing_it(mlp):
    module = nn.Linear(16, 10).half()
    runner = EagerRunner(mlp, module)
    out = runner.infer({"features": torch.randn(2, 16)})["logits"]
    assert out.dtype == torch.float32
    assert module.weight.dtype == torch.float16, "the captured module keeps its own weights"


def test_compare_cli_eager_vs_reference(cli, tmp_path):
    report = tmp_path / "compare.json"
    result = cli("compare", EXAMPLES / "models.yaml", "--expected", "eager", "--got", "reference",
                 "--samples", "4", "--report", report)
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert (data["expected"], data["got"]) == ("eager", "reference")
    assert {(c["model"], c["case"]) for c in data["cases"]} == {
        (m, c) for m in ("mlp", "cnn") for c in ("min", "opt", "max", "random1")}


def test_compare_cli_refuses_a_runner_this_machine_cannot_make(cli, tmp_path):
    result = cli("compare", EXAMPLES / "models.yaml", "--got", "tensorrt", "--repo", tmp_path / "repo")
    assert result.exit_code == 2
    assert "the tensorrt runner executes plans with full TensorRT on a CUDA GPU" in result.output
    assert "Traceback" not in result.output
