"""TensorRT errors while creating layers or building the engine: reported with the model, the FX node
and the user's source line, never as a bare TensorRT log line or a traceback.

A registered converter is swapped (as tests/test_check.py does) for one that makes a layer TensorRT
rejects, at once or only when the engine is built.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from torch.ops import aten

from tests.conftest import EXAMPLES
from trtrepo.convert.interpreter import REGISTRY

RELU_LINE = "examples/models/mlp.py:15: h = torch.relu(self.inp(x))"


def replace_relu(monkeypatch, impl):
    entry = REGISTRY.entries[aten.relu.default]
    monkeypatch.setitem(REGISTRY.entries, aten.relu.default, dataclasses.replace(entry, impl=impl))


def unbroadcastable_add(ctx, target, args, kwargs, name):
    """An add of [batch, 64] and [3, 5]: TensorRT accepts the call and fails on the first shape query."""
    other = ctx.network.add_constant((3, 5), ctx.trt.Weights(np.ones((3, 5), dtype=np.float32))).get_output(0)
    return ctx.network.add_elementwise(args[0], other, ctx.trt.ElementWiseOperation.SUM).get_output(0)


def mixed_type_add(ctx, target, args, kwargs, name):
    """fp32 + fp16 in a strongly typed network: TensorRT only logs an error."""
    other = ctx.network.add_constant((1, 64), ctx.trt.Weights(np.ones((1, 64), dtype=np.float16))).get_output(0)
    return ctx.network.add_elementwise(args[0], other, ctx.trt.ElementWiseOperation.SUM).get_output(0)


def raising(ctx, target, args, kwargs, name):
    raise TypeError("set_input() got an unexpected argument")


def reshape_at_build_time(ctx, target, args, kwargs, name):
    """A reshape to a fixed [3, 64] fed by a shape tensor: fine for TensorRT until the engine is built
    for batch sizes 1..8."""
    shape = ctx.network.add_constant((2,), ctx.trt.Weights(np.array([3, 64], dtype=np.int32))).get_output(0)
    layer = ctx.network.add_shuffle(args[0])
    layer.set_input(1, shape)
    return layer.get_output(0)


def build_mlp(cli, tmp_path):
    repo = tmp_path / "repo"
    result = cli("build", EXAMPLES / "models.yaml", "--model", "mlp", "--repo", repo,
                 "--cache-dir", tmp_path / "cache", "-q")
    assert result.exit_code == 2, result.output
    assert not repo.exists() or not any(repo.iterdir()), "nothing is published"
    output = result.output
    assert output.startswith(f"error: {EXAMPLES / 'models.yaml'}: model 'mlp': "), output
    assert "Traceback" not in output and "While executing" not in output, output
    for line in output.splitlines()[1:]:
        assert line.startswith(("  ", "nothing written")), f"a line outside trtrepo's message: {line!r}"
    return output


@pytest.mark.parametrize(
    ("impl", "reason"),
    [
        (unbroadcastable_add, "TensorRT: ITensor::getDimensions: Error Code 4: Shape Error (broadcast dimensions "
                              "must be conformable"),
        (mixed_type_add, "ElementWiseOperation SUM must have same input types. But they are of types Float and Half"),
        (raising, "TypeError: set_input() got an unexpected argument"),
    ],
    ids=["shape error", "logged error", "converter exception"],
)
def test_layer_errors_name_the_node_and_the_source_line(cli, tmp_path, monkeypatch, impl, reason):
    replace_relu(monkeypatch, impl)
    output = build_mlp(cli, tmp_path)
    assert "cannot convert node 'relu' (aten.relu.default)" in output, output
    assert RELU_LINE in output
    assert reason in output
    assert "catchCudaError" not in output, "TensorRT's no-GPU noise is left out"


def test_engine_build_errors_name_the_node_and_the_source_line(cli, tmp_path, monkeypatch):
    replace_relu(monkeypatch, reshape_at_build_time)
    output = build_mlp(cli, tmp_path)
    assert "TensorRT could not build the engine" in output
    assert "IShuffleLayer relu/1: reshaping failed" in output
    assert f"(layer 'relu/1' comes from node 'relu' (aten.relu.default) at {EXAMPLES.parent}/{RELU_LINE})" in output
