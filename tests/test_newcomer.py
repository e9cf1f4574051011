"""A newcomer's first hour: no crash, no silent wrong answer, every message in models.yaml terms.

Each test is one of the things issue 17 saw go wrong: user names that clash with node names, NaN
reported as agreement, precision overrides that did nothing, out-of-profile requests answered,
a declared range the model cannot run published, and check's strength.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
import torch

from trtrepo.check import check_model
from trtrepo.compare import Tolerance, compare_tensor
from trtrepo.errors import CaptureError, Category, SpecError
from trtrepo.network import convert_model
from trtrepo.spec import load_project

MODELS = '''
import torch
from torch import nn


class Embed(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.embedding = nn.Embedding(20, 8)
        self.proj = nn.Linear(8, 4)

    def forward(self, ids):
        return self.proj(torch.relu(self.embedding(ids)))


class Conv(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, image):
        return torch.relu(self.conv(image))


class Overflow(nn.Module):
    """fp16 overflows at the square: (300 x)^2 > 65504, then inf - inf is NaN."""

    def forward(self, x):
        big = (x * 300.0) ** 2
        return big - big.flip(-1)


def build(kind):
    return {"embed": Embed, "conv": Conv, "overflow": Overflow}[kind]().eval()
'''


def project(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "newcomer"
    (folder / "newmodels").mkdir(parents=True, exist_ok=True)
    (folder / "newmodels" / "__init__.py").write_text(MODELS)
    path = folder / "models.yaml"
    path.write_text("models:\n" + textwrap.indent(textwrap.dedent(body), "  "))
    return path


EMBED = """
    - name: embedder
      source: newmodels:build
      args: {kind: embed}
      inputs: [{name: ids, dtype: int64, shape: [2, 5], range: [0, 19]}]
      outputs: [{name: embedding}]
    """


# ---- 1. user names always win ---------------------------------------------------------------------

def test_an_output_named_like_an_internal_node_builds(tmp_path, cli):
    result = cli("build", project(tmp_path, EMBED), "--repo", tmp_path / "repo", "--check")
    assert result.exit_code == 0, result.output
    config = (tmp_path / "repo" / "embedder" / "config.pbtxt").read_text()
    assert 'name: "embedding"' in config


def test_an_input_named_like_an_internal_node_builds_and_localises(tmp_path):
    spec = load_project(project(tmp_path, """
        - name: conv
          source: newmodels:build
          args: {kind: conv}
          inputs: [{name: relu, dtype: fp32, shape: [1, 3, 8, 8]}]
        """)).models[0]
    converted = convert_model(spec)
    assert converted.result.node_tensors["relu"] == "relu:node"
    assert all(r.passed for r in check_model(spec))


def test_an_output_named_like_an_input_is_refused(tmp_path):
    spec = load_project(project(tmp_path, EMBED.replace("{name: embedding}", "{name: ids}"))).models[0]
    with pytest.raises(SpecError, match="'ids' is also an input's name"):
        convert_model(spec)


# ---- 2. NaN is never agreement --------------------------------------------------------------------

def test_nan_where_the_reference_has_none_is_the_worst_error():
    expected = torch.ones(64)
    got = torch.full((64,), float("nan"))
    stats = compare_tensor("y", got, expected, Tolerance(atol=1e-2, rtol=1e-2))
    assert not stats.passed and stats.nan == 64
    assert stats.max_abs == float("inf") and stats.max_rel == float("inf") and stats.cosine == -1.0
    assert stats.problem == "64 NaN in the output where the expected output has none"


def test_an_fp16_nan_is_named_and_localised(tmp_path):
    spec = load_project(project(tmp_path, """
        - name: overflow
          source: newmodels:build
          args: {kind: overflow}
          precision: fp16
          op_precision: {aten.pow.Tensor_Scalar: fp16}
          inputs: [{name: x, dtype: fp32, shape: [4, 16]}]
        """)).models[0]
    results = check_model(spec)
    failed = [r for r in results if r.category is Category.MISMATCH]
    assert failed, [r.to_dict() for r in results]
    stats = failed[0].outputs[0]
    assert re.search(r"\d+ NaN( and \d+ Inf)? in the network output where eager PyTorch has none",
                     stats.problem), stats.problem
    assert failed[0].divergence is not None and failed[0].divergence.op in ("aten.pow.Tensor_Scalar",
                                                                              "aten.sub.Tensor")


# ---- 3. precision overrides that do nothing are errors --------------------------------------------

@pytest.mark.parametrize(("setting", "message"), [
    ("node_precision: {doesnotexist: fp32}", "node_precision: 'doesnotexist' is no node of this model's graph"),
    ("node_precision: {lineer: fp32}", "(did you mean 'linear'?)"),
    ("op_precision: {aten.clampp.default: fp32}", "op_precision: 'aten.clampp.default' is no op of this model"),
])
def test_precision_overrides_must_name_something(tmp_path, setting, message):
    body = EMBED.replace("      inputs:", f"      precision: fp16\n      {setting}\n      inputs:")
    spec = load_project(project(tmp_path, body)).models[0]
    with pytest.raises(SpecError) as info:
        convert_model(spec)
    assert message in str(info.value) and "model 'embedder'" in str(info.value)


def test_graph_lists_nodes_with_their_precision_and_line(tmp_path, cli):
    body = EMBED.replace("      inputs:", "      precision: fp16\n      node_precision: {linear: fp32}\n      inputs:")
    result = cli("graph", project(tmp_path, body), "--model", "embedder", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["node"]: r for r in json.loads(result.output)}
    assert rows["linear"]["precision"] == "fp32" and rows["relu"]["precision"] == "fp16"
    assert rows["embedding"]["op"] == "aten.embedding.default"
    assert "newmodels/__init__.py" in rows["relu"]["source"] and "torch.relu" in rows["relu"]["source"]


# ---- 6. a declared range the model cannot run fails in build --------------------------------------

def test_a_range_the_model_cannot_run_fails_in_build(tmp_path, cli):
    from tests.conftest import EXAMPLES

    text = (EXAMPLES / "models.yaml").read_text().replace(
        "shape: [{min: 1, opt: 2, max: 4}, 3, 32, 32]",
        "shape: [{min: 1, opt: 2, max: 4}, 3, {min: 16, opt: 32, max: 64}, {min: 16, opt: 32, max: 64}]")
    import shutil

    folder = tmp_path / "ex"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__", "zoo", "hf"))
    (folder / "models.yaml").write_text(text)
    result = cli("build", folder / "models.yaml", "--repo", tmp_path / "repo", "--model", "cnn")
    assert result.exit_code == 2
    assert "model 'cnn': the model raised on inputs models.yaml allows (image [1, 3, 16, 16])" in result.output
    assert "models/cnn.py:24: return self.head(torch.flatten(x, 1))" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_capture_names_an_eager_failure_on_a_value_range(tmp_path):
    spec = load_project(project(tmp_path, EMBED.replace("range: [0, 19]", "range: [0, 5000]"))).models[0]
    with pytest.raises(CaptureError) as info:
        convert_model(spec)
    assert "the model raised on inputs models.yaml allows (ids [2, 5])" in str(info.value)
    assert "IndexError" in str(info.value) and "self.embedding(ids)" in str(info.value)


# ---- 11. check's strength -------------------------------------------------------------------------

def test_check_runs_random_shapes_and_the_users_samples(tmp_path, cli):
    import numpy as np

    path = project(tmp_path, """
        - name: embedder
          source: newmodels:build
          args: {kind: embed}
          inputs: [{name: ids, dtype: int64, shape: [{min: 1, max: 6}, 5], range: [0, 19]}]
          verify: {inputs: [mine.npz]}
        """)
    np.savez(path.parent / "mine.npz", ids=np.arange(10, dtype=np.int64).reshape(2, 5))
    report = tmp_path / "check.json"
    result = cli("check", path, "--samples", "6", "--seed", "7", "--report", report)
    assert result.exit_code == 0, result.output
    cases = json.loads(report.read_text())["cases"]
    assert [c["case"] for c in cases] == ["min", "opt", "max", "random1", "random2", "random3", "mine.npz"]
    assert [c["seed"] for c in cases] == [7, 8, 9, 10, 11, 12, None]
