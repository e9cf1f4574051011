"""`trtrepo check`: passes on the examples; a deliberately broken converter is caught and localised."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from torch import nn

from tests.conftest import EXAMPLES
from tests.convert.harness import assert_converts
from trtrepo.check import check_model
from trtrepo.convert.registry import REGISTRY
from trtrepo.spec import load_project

aten = torch.ops.aten


def test_examples_pass_at_every_shape_point(cli, tmp_path):
    result = cli("check", EXAMPLES / "models.yaml", "--report", tmp_path / "r.json", "--junit", tmp_path / "j.xml")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["passed"] is True
    cases = {(c["model"], c["case"]) for c in report["cases"]}
    assert cases == {(m, p) for m in ("mlp", "cnn") for p in ("min", "opt", "max", "random1", "random2")}
    cnn_max = next(c for c in report["cases"] if c["model"] == "cnn" and c["case"] == "max")
    assert cnn_max["input_shapes"]["image"] == [4, 3, 32, 32]
    assert cnn_max["outputs"][0]["max_abs"] < 1e-5
    assert 'failures="0"' in (tmp_path / "j.xml").read_text()


@pytest.fixture
def broken_convolution(monkeypatch):
    """Shift the convolution window (pre-padding 2, post-padding 0): same shape, wrong values."""
    entry = REGISTRY.entries[aten.convolution.default]

    def shifted(ctx, target, args, kwargs, name):
        out = entry.impl(ctx, target, args, kwargs, name)
        for index in range(ctx.network.num_layers - 1, -1, -1):
            layer = ctx.network.get_layer(index)
            if layer.type == ctx.trt.LayerType.CONVOLUTION:
                layer.__class__ = ctx.trt.IConvolutionLayer
                layer.pre_padding = (2, 2)
                layer.post_padding = (0, 0)
                break
        return out

    monkeypatch.setitem(REGISTRY.entries, aten.convolution.default, dataclasses.replace(entry, impl=shifted))


def test_broken_converter_fails_its_converter_test(broken_convolution):
    conv = nn.Conv2d(3, 4, 3, padding=1)
    # The converter ran and its layers reach the output (the harness proves that first); the values are wrong.
    with pytest.raises(AssertionError, match=r"^out0: Tensor-likes are not close!\n\nMismatched elements: "):
        assert_converts(conv, (torch.randn(1, 3, 8, 8),), expect="aten.convolution.default")


def test_broken_converter_fails_check_naming_node_and_line(broken_convolution, cli):
    cnn = load_project(EXAMPLES / "models.yaml").select(["cnn"])[0]
    results = check_model(cnn, points=("opt",))
    assert not results[0].passed
    divergence = results[0].divergence
    assert divergence is not None
    assert divergence.node == "convolution"
    assert divergence.op == "aten.convolution.default"
    assert "examples/models/cnn.py" in divergence.source and "self.features(image)" in divergence.source
    assert divergence.max_abs > 1e-3
    result = cli("check", EXAMPLES / "models.yaml", "--model", "cnn")
    assert result.exit_code == 1
    assert "first divergence at node 'convolution' (aten.convolution.default)" in result.output


def test_build_check_refuses_to_publish_a_broken_conversion(broken_convolution, cli, tmp_path):
    result = cli("build", EXAMPLES / "models.yaml", "--model", "cnn", "--check", "--repo", tmp_path / "repo")
    assert result.exit_code == 1
    assert "check failed" in result.output and "first divergence at node 'convolution'" in result.output
    assert not (tmp_path / "repo").exists() or not any((tmp_path / "repo").iterdir())


def test_build_check_records_the_result(cli, tmp_path):
    result = cli("build", EXAMPLES / "models.yaml", "--model", "mlp", "--check", "--repo", tmp_path / "repo")
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "repo" / "mlp" / "trtrepo.json").read_text())
    assert record["check"]["passed"] is True
    assert [c["case"] for c in record["check"]["cases"]] == ["min", "opt", "max", "random1", "random2"]
