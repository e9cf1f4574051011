"""execute_network: input validation, ordering, results, and errors that name the layer."""

from __future__ import annotations

import pytest
import torch

from trtrepo.errors import ReferenceExecutionError
from trtrepo.reference import ReferenceResult, UnsupportedLayerError, execute_network, registry, structure

from .helpers import NetBuilder, assert_exact


def _relu_net(build, shape=(2, -1)):
    def define(n, trt):
        x = n.input("x", torch.float32, shape)
        layer = n.network.add_activation(x, trt.ActivationType.RELU)
        layer.name = "my_relu"
        layer.get_output(0).name = "y"
        return layer.get_output(0)

    return build(define)


def test_result_holds_outputs_and_only_outputs_by_default(build):
    network = _relu_net(build)
    result = execute_network(network.network, {"x": torch.tensor([[-1.0], [2.0]])})
    assert isinstance(result, ReferenceResult)
    assert list(result.outputs) == ["y"]
    assert_exact(result.outputs["y"], [[0.0], [2.0]], torch.float32)
    assert result.tensors == result.outputs


def test_keep_intermediates_returns_every_tensor(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (2,))
        mid = n.network.add_unary(x, trt.UnaryOperation.NEG)
        mid.get_output(0).name = "negated"
        out = n.network.add_unary(mid.get_output(0), trt.UnaryOperation.ABS)
        out.get_output(0).name = "result"
        return out.get_output(0)

    network = build(define)
    result = execute_network(network.network, {"x": torch.tensor([1.0, -2.0])}, keep_intermediates=True)
    assert set(result.tensors) == {"x", "negated", "result"}
    assert_exact(result.tensors["negated"], [-1.0, 2.0], torch.float32)
    assert list(result.outputs) == ["result"]


def test_outputs_follow_network_output_order(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (1,))
        a = n.network.add_unary(x, trt.UnaryOperation.NEG).get_output(0)
        b = n.network.add_unary(x, trt.UnaryOperation.EXP).get_output(0)
        a.name, b.name = "a", "b"
        return b, a

    assert list(build(define).run(x=torch.tensor([0.0])).outputs) == ["b", "a"]


def test_layer_reading_a_later_layers_output_runs_after_it(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (2,))
        add = n.network.add_elementwise(x, x, trt.ElementWiseOperation.SUM)  # input 1 replaced below
        other = n.const([10.0, 20.0], torch.float32)  # created after the layer that uses it
        add.set_input(1, other)
        return add.get_output(0)

    assert_exact(build(define).out(x=torch.tensor([1.0, 2.0])), [11.0, 22.0], torch.float32)


def test_callers_layer_wrappers_keep_their_class(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (1, 1, 2, 2))
        return n.network.add_pooling_nd(x, trt.PoolingType.MAX, (2, 2)).get_output(0)

    network = build(define)
    held = network.network.get_layer(0)  # pybind11 returns this same object to the interpreter
    original = type(held)
    network.out(x=torch.zeros(1, 1, 2, 2))
    assert type(held) is original
    assert held.type == network.trt.LayerType.POOLING


def test_wildcard_dimension_accepts_any_length(build):
    network = _relu_net(build)
    assert list(network.out(x=torch.zeros(2, 5)).shape) == [2, 5]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({}, "missing \\['x'\\]"),
        ({"x": torch.zeros(2, 1), "y": torch.zeros(1)}, "unexpected \\['y'\\]"),
        ({"x": torch.zeros(2, 1, dtype=torch.float16)}, "must have dtype torch.float32"),
        ({"x": torch.zeros(3, 1)}, "incompatible with declared \\[2, -1\\]"),
        ({"x": torch.zeros(2)}, "incompatible"),
        ({"x": [[1.0]]}, "must be a torch.Tensor"),
    ],
)
def test_bad_inputs_are_rejected(build, inputs, message):
    network = _relu_net(build)
    with pytest.raises(ReferenceExecutionError, match=message):
        execute_network(network.network, inputs)


@pytest.mark.no_trt_build("TensorRT for RTX's builder rejects ragged softmax; only the interpreter's refusal is under test")
def test_unimplemented_layer_names_the_layer(net):
    x = net.input("x", torch.float32, (2, 3))
    bounds = net.input("bounds", torch.int32, (2, 1))
    ragged = net.network.add_ragged_softmax(x, bounds)
    ragged.name = "my_ragged"
    net.network.mark_output(ragged.get_output(0))
    message = r"layer 'my_ragged' \(#0, RAGGED_SOFTMAX\): this layer type is not implemented"
    with pytest.raises(UnsupportedLayerError, match=message) as caught:
        net.run(x=torch.zeros(2, 3), bounds=torch.ones(2, 1, dtype=torch.int32))
    assert caught.value.type_name == "RAGGED_SOFTMAX"
    assert isinstance(caught.value, ReferenceExecutionError)  # callers that catch the base class still do


@pytest.mark.no_trt_build("only the interpreter's refusal is under test")
def test_quantize_layer_runs(net):
    # QUANTIZE/DEQUANTIZE are implemented (issue 15; their semantics: tests/reference/ops/test_quantize.py)
    trt = net.trt
    x = net.input("x", torch.float32, (2, 2))
    scale = net.const(0.5, torch.float32)
    q = net.network.add_quantize(x, scale, trt.int8)
    dq = net.network.add_dequantize(q.get_output(0), scale, trt.float32)
    net.network.mark_output(dq.get_output(0))
    out = net.run(x=torch.tensor([[0.25, 0.75], [1.0, -100.0]])).outputs
    assert next(iter(out.values())).tolist() == [[0.0, 1.0], [1.0, -64.0]]  # /0.5, half to even, clamp


def test_unsupported_attribute_names_layer_and_attribute(build):
    def define(n, trt):
        layer = n.network.add_fill((3,), trt.FillOperation.RANDOM_NORMAL, trt.float32)
        layer.name = "noise"
        return layer.get_output(0)

    with pytest.raises(UnsupportedLayerError, match=r"layer 'noise' \(#0, FILL\): fill operation RANDOM_NORMAL"):
        build(define).out()


@pytest.mark.no_trt_build("TensorRT rejects the layer; the interpreter must not run it either")
def test_layer_tensorrt_cannot_shape_is_an_error(build):
    def define(n, trt):
        layer = n.network.add_resize(n.input("x", torch.int32, (1, 1, 2)))  # int32 resize is invalid
        layer.shape = (1, 1, 4)
        return layer.get_output(0)

    with pytest.raises(ReferenceExecutionError, match="RESIZE.*cannot infer the shape"):
        build(define).out(x=torch.tensor([[[1, 2]]], dtype=torch.int32))


def test_computed_dtype_must_match_declared_dtype(build, monkeypatch):
    entry = registry.HANDLERS["UNARY"]
    wrong = registry.LayerEntry(entry.type_name, entry.layer_class, lambda ctx: [ctx.input(0).double()])
    monkeypatch.setitem(registry.HANDLERS, "UNARY", wrong)

    def define(n, trt):
        return n.network.add_unary(n.input("x", torch.float32, (1,)), trt.UnaryOperation.ABS).get_output(0)

    with pytest.raises(ReferenceExecutionError, match="computed as float64\\[1\\] but the network declares torch.float32"):
        build(define).out(x=torch.tensor([1.0]))


def test_registering_a_layer_type_twice_is_an_error():
    with pytest.raises(RuntimeError, match="registered twice"):
        registry.register("UNARY", "IUnaryLayer")(lambda ctx: [])


def test_every_layer_type_is_handled_or_explicitly_refused():
    from trtrepo.trt_flavour import trt

    names = {n for n in dir(trt().LayerType) if n.isupper()}
    handled = set(registry.HANDLERS)
    assert handled <= names
    expected = {
        "ACTIVATION", "ASSERTION", "ATTENTION_INPUT", "ATTENTION_OUTPUT", "CAST", "CONCATENATION", "CONSTANT",
        "CONVOLUTION", "CUMULATIVE", "DECONVOLUTION", "DEQUANTIZE", "EINSUM", "ELEMENTWISE", "FILL", "GATHER",
        "GRID_SAMPLE", "IDENTITY", "LRN", "MATRIX_MULTIPLY", "NON_ZERO", "NORMALIZATION", "ONE_HOT", "PADDING",
        "PARAMETRIC_RELU", "POOLING", "QUANTIZE", "REDUCE", "RESIZE", "REVERSE_SEQUENCE", "SCALE", "SCATTER",
        "SELECT", "SHAPE", "SHUFFLE", "SLICE", "SOFTMAX", "SQUEEZE", "TOPK", "UNARY", "UNSQUEEZE",
    }  # fmt: skip
    assert handled == expected
    # loop and conditional boundary layers have no handler: the control-flow runner executes them
    structural = set(structure.LOOP_BOUNDARY) | set(structure.CONDITIONAL_BOUNDARY)
    assert structural <= names and not structural & handled and not structural & set(registry.UNSUPPORTED)


def test_composite_network_is_accepted_by_tensorrt_and_executes():
    builder = NetBuilder()

    def define(n, trt):
        x = n.input("x", torch.float32, (1, 2, 4, 4))
        conv = n.network.add_convolution_nd(
            x, 2, (3, 3), n.weights(torch.ones(2, 2, 3, 3)), n.weights([0.0, 1.0], torch.float32)
        )
        conv.padding_mode = trt.PaddingMode.SAME_UPPER
        pool = n.network.add_pooling_nd(conv.get_output(0), trt.PoolingType.MAX, (2, 2))
        pool.stride_nd = (2, 2)
        flat = n.network.add_shuffle(pool.get_output(0))
        flat.reshape_dims = (1, -1)
        total = n.network.add_reduce(flat.get_output(0), trt.ReduceOperation.SUM, 0b10, False)
        return total.get_output(0)

    builder.build(define)
    assert builder.serialize() is not None
    # each conv output is the sum of its 3x3 window over both channels of ones: 18 inside, less at edges;
    # the max of every 2x2 pooling window touches the interior, so all four maxima are 18 (+ bias)
    out = builder.out(x=torch.ones(1, 2, 4, 4))
    assert_exact(out, [4 * 18.0 + 4 * 19.0], torch.float32)
