"""How converters are registered and called: schema arguments, declared tensors, static-shape converters."""

from __future__ import annotations

import operator

import pytest
import torch
from torch.ops import aten

from tests.convert.harness import Fn, spec_for
from trtrepo.capture import capture
from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import Capabilities, ConversionContext
from trtrepo.convert.registry import STATIC_SHAPES_ONLY, ConverterEntry, RegistryError, converter
from trtrepo.engine import new_builder, new_network
from trtrepo.trt_flavour import Flavour, trt


def _unregistered(ctx, target, args, kwargs, name):
    raise AssertionError("never registered, never called")


def test_arguments_take_the_schema_defaults():
    x = torch.ones(2)
    assert bind_args(aten.gelu.default, (x,), {}) == {"self": x, "approximate": "none"}
    assert bind_args(aten.gelu.default, (x,), {"approximate": "tanh"})["approximate"] == "tanh"
    assert bind_args(aten.add.Tensor, (x, 2), {})["alpha"] == 1
    assert bind_args(aten.amax.default, (x,), {"keepdim": True}) == {"self": x, "dim": [], "keepdim": True}
    assert bind_args(aten.clamp.default, (x,), {"max": 3})["min"] is None  # an omitted optional argument


def test_python_operators_have_no_schema():
    with pytest.raises(TypeError, match="no ATen schema"):
        bind_args(operator.add, (1, 2), {})


@pytest.mark.parametrize("target,tensors,problem", [
    (aten.relu.default, ("input",), "has no argument 'input'"),
    (aten.softmax.int, ("self", "dim"), "argument 'dim' is a int, not a tensor"),
    (aten.index.Tensor, ("indices",), "not a tensor"),
    (operator.getitem, ("a",), "no ATen schema"),
])
def test_declared_tensors_must_be_tensor_arguments(target, tensors, problem):
    with pytest.raises(RegistryError, match=problem):
        converter(target, tensors=tensors)(_unregistered)


def _context():
    builder = new_builder()
    network = new_network(builder)
    return ConversionContext(network=network, trt=trt(), capabilities=Capabilities()), builder


def test_declared_tensors_arrive_as_itensors():
    seen = {}

    def record(ctx, target, args, kwargs, name):
        seen.update(args=args, kwargs=kwargs)

    ctx, _builder = _context()
    x = ctx.network.add_input("x", trt().float32, (2, 3))
    entry = ConverterEntry(aten.layer_norm.default, record, tensors=("input", "weight", "bias"))
    entry.convert(ctx, (torch.ones(2, 3), [3]), {"weight": torch.ones(3)}, "n")
    assert all(ctx.is_tensor(t) for t in (seen["args"][0], seen["kwargs"]["weight"]))
    assert seen["args"][1] == [3] and "bias" not in seen["kwargs"]  # undeclared and absent stay as they were
    entry = ConverterEntry(aten.stack.default, record, tensors=("tensors",))
    entry.convert(ctx, ([x, torch.zeros(2, 3)],), {}, "n")
    assert all(ctx.is_tensor(t) for t in seen["args"][0])
    assert seen["args"][0][0] is x


def _relu_node(dynamic: dict | None):
    spec = spec_for([torch.randn(4, 3)], 1, dynamic)
    graph = capture(spec, Fn(torch.relu)).graph_module.graph
    return next(n for n in graph.nodes if n.target is aten.relu.default)


def test_a_static_shape_converter_rejects_dynamic_dims():
    entry = ConverterEntry(aten.relu.default, _unregistered, dynamic_shapes=False)
    assert entry.rejection(_relu_node({0: {0: (1, 8)}})) == STATIC_SHAPES_ONLY
    assert entry.rejection(_relu_node(None)) is None
    dynamic = ConverterEntry(aten.relu.default, _unregistered)
    assert dynamic.rejection(_relu_node({0: {0: (1, 8)}})) is None


def test_capabilities_follow_the_flavour():
    assert not Capabilities.of(Flavour("rtx", "tensorrt_rtx_bindings", "1.7")).bf16_deconvolution
    assert Capabilities.of(Flavour("tensorrt", "tensorrt", "10.9")).bf16_deconvolution
