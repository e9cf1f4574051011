"""arange, full/zeros/ones/empty (+ _like, new_), scalar_tensor, triu/tril, and masks built from sizes."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.convert.harness import Fn, Fn2, assert_converted_by, assert_converts, convert_module
from trtrepo.errors import UnsupportedOpsError
from trtrepo.reference import execute_network

BATCH = {0: {0: (1, 8)}}


# ---- arange ------------------------------------------------------------------------------------

@pytest.mark.parametrize("make,op", [
    (lambda x: torch.arange(5), "aten.arange.default"),
    (lambda x: torch.arange(2, 9), "aten.arange.start"),
    (lambda x: torch.arange(1, 10, 3), "aten.arange.start_step"),
    (lambda x: torch.arange(8, -3, -2), "aten.arange.start_step"),
    (lambda x: torch.arange(0, 1, 0.125), "aten.arange.start_step"),
    (lambda x: torch.arange(4, dtype=torch.float32), "aten.arange.default"),
    (lambda x: torch.arange(-1.5, 2.5, 0.5, dtype=torch.float16), "aten.arange.start_step"),
    (lambda x: torch.arange(6, dtype=torch.int32), "aten.arange.default"),
], ids=["end", "start", "step", "negative_step", "float_step", "float_dtype", "half", "int32"])
def test_arange_with_literal_bounds_is_folded_into_a_constant(make, op):
    # Input-independent: lowering folds it, so the network holds the values and no converter runs.
    # Returned as is, so the output dtype is checked too; the second output makes the network use x.
    converted = assert_converts(Fn(lambda x: (make(x), x + 1)), [torch.randn(3)], expect=())
    assert op not in converted.result.converters_used
    assert_is_constant(converted, "out0")


def assert_is_constant(converted, output: str) -> None:
    """The network output ``output`` is computed by CONSTANT (and CAST) layers only."""
    network = converted.result.network
    producers = {network.get_layer(i).get_output(j).name: network.get_layer(i)
                 for i in range(network.num_layers) for j in range(network.get_layer(i).num_outputs)}
    pending, kinds = [output], set()
    while pending:
        layer = producers.get(pending.pop())
        if layer is None:
            raise AssertionError(f"{output} depends on a network input")
        kinds.add(str(layer.type).rsplit(".", 1)[-1])
        pending += [layer.get_input(k).name for k in range(layer.num_inputs) if layer.get_input(k) is not None]
    assert kinds <= {"CONSTANT", "CAST", "IDENTITY"}, kinds


@pytest.mark.parametrize("make,op", [
    (lambda x: torch.arange(x.shape[0]), "aten.arange.default"),
    (lambda x: torch.arange(x.shape[0], dtype=torch.float32), "aten.arange.default"),
    (lambda x: torch.arange(1, x.shape[0]), "aten.arange.start"),
    (lambda x: torch.arange(2, x.shape[0] * 4, 3), "aten.arange.start_step"),
    (lambda x: torch.arange(x.shape[0], 0, -2), "aten.arange.start_step"),
    (lambda x: torch.arange(x.shape[0], x.shape[0] + 4), "aten.arange.start"),
    (lambda x: torch.arange(x.shape[0], dtype=torch.float16), "aten.arange.default"),
    (lambda x: torch.arange(x.shape[0], dtype=torch.int32), "aten.arange.default"),
], ids=["end", "float", "start", "step", "negative_step", "symbolic_start", "half", "int32"])
def test_arange_dynamic(make, op):
    # torch.export specialises a length of 0 or 1, so the range keeps every arange at least 2 long.
    x = torch.randn(5, 2)
    converted = assert_converts(Fn(lambda x: (make(x), x + 1)), [x], expect=op, dynamic={0: {0: (3, 8)}})
    layers = [converted.result.network.get_layer(i).type for i in range(converted.result.network.num_layers)]
    assert any(str(t).endswith("FILL") for t in layers), "a dynamic arange must be a fill, not a constant"


def test_arange_float_step_over_dynamic_end_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="arange with a run-time bound"):
        convert_module(Fn(lambda x: torch.arange(0, x.shape[0], 0.5)), [torch.randn(5)], {0: {0: (3, 8)}})


# ---- full / zeros / ones / empty ------------------------------------------------------------------

@pytest.mark.parametrize("value", [7.5, 3, True])
def test_full_dynamic(value):
    assert_converts(Fn(lambda x: torch.full((x.shape[0], 2), value)), [torch.randn(3, 4)], expect="aten.full.default",
                    dynamic=BATCH)


def test_full_of_a_literal_shape_is_folded():
    converted = assert_converts(Fn(lambda x: (torch.full((2, 3), 2, dtype=torch.float16), x + 1)),
                                [torch.randn(2, 3)], expect=())
    assert "aten.full.default" not in converted.result.converters_used
    assert_is_constant(converted, "out0")


def test_full_dynamic_with_dtype_and_0d():
    assert_converts(Fn(lambda x: x + torch.full((x.shape[0], 3), 2, dtype=torch.float16).float()),
                    [torch.randn(2, 3)], expect="aten.full.default", dynamic=BATCH)
    assert_converts(Fn(lambda x: x * torch.full((), 4.0)), [torch.randn(2)], expect=())


@pytest.mark.parametrize("dtype", [None, torch.int32, torch.bool])
def test_full_like(dtype):
    assert_converts(Fn(lambda x: torch.full_like(x, 3, dtype=dtype)), [torch.randn(3, 4)],
                    expect="aten.full_like.default", dynamic={0: {0: (1, 8), 1: (2, 6)}})


@pytest.mark.parametrize("make,op", [
    (lambda x: torch.zeros(x.shape[0], 3), "aten.zeros.default"),
    (lambda x: torch.ones(x.shape[0], 3, dtype=torch.int32), "aten.ones.default"),
    (lambda x: torch.ones(2, x.shape[0], x.shape[1], dtype=torch.bool), "aten.ones.default"),
    (lambda x: torch.zeros_like(x), "aten.zeros_like.default"),
    (lambda x: torch.ones_like(x, dtype=torch.int64), "aten.ones_like.default"),
    (lambda x: x.new_zeros(x.shape[1], 2), "aten.new_zeros.default"),
    (lambda x: x.new_ones((3,)), "aten.new_ones.default"),
    (lambda x: x.new_full((x.shape[0],), -2.5), "aten.new_full.default"),
    (lambda x: x.new_full((2, x.shape[0]), 4, dtype=torch.int32), "aten.new_full.default"),
], ids=["zeros", "ones_int", "ones_bool", "zeros_like", "ones_like", "new_zeros", "new_ones", "new_full",
        "new_full_int"])
def test_filled(make, op):
    assert_converts(Fn(make), [torch.randn(3, 4)], expect=op, dynamic={0: {0: (1, 8), 1: (2, 6)}})


@pytest.mark.parametrize("make,op,shape", [
    (lambda x: torch.empty_like(x), "aten.empty_like.default", None),
    (lambda x: torch.empty(x.shape[0], 2), "aten.empty.memory_format", (None, 2)),
    (lambda x: x.new_empty((x.shape[0], 3)), "aten.new_empty.default", (None, 3)),
], ids=["empty_like", "empty", "new_empty"])
def test_empty_is_zeros(make, op, shape):
    # empty's contents are unspecified in PyTorch (eager cannot be compared): we define them as zeros.
    x = torch.randn(3, 4)
    converted = convert_module(Fn(make), [x], BATCH)
    assert_converted_by(converted, op)
    for rows in (1, 5):
        out = execute_network(converted.result.network, {"x0": torch.randn(rows, 4)}).outputs["out0"]
        want = (rows, 4) if shape is None else (rows, shape[1])
        assert tuple(out.shape) == want and out.dtype == torch.float32
        assert torch.equal(out, torch.zeros(want))


@pytest.mark.parametrize("value,dtype", [(2.5, None), (3, torch.int64), (True, torch.bool)])
def test_scalar_tensor_of_a_literal_is_folded(value, dtype):
    converted = assert_converts(Fn(lambda x: torch.scalar_tensor(value, dtype=dtype) * torch.ones_like(x, dtype=dtype)),
                                [torch.randn(2, 3)], expect="aten.ones_like.default")
    assert "aten.scalar_tensor.default" not in converted.result.converters_used


@pytest.mark.parametrize("dtype", [None, torch.int64, torch.bool])
def test_scalar_tensor_of_a_dynamic_size_in_each_dtype(dtype):
    assert_converts(Fn(lambda x: torch.scalar_tensor(x.shape[0], dtype=dtype) * torch.ones_like(x, dtype=dtype)),
                    [torch.randn(3, 2)], expect="aten.scalar_tensor.default", dynamic=BATCH)


def test_scalar_tensor_of_a_dynamic_size():
    assert_converts(Fn(lambda x: x * torch.scalar_tensor(x.shape[0])), [torch.randn(3, 2)],
                    expect="aten.scalar_tensor.default", dynamic=BATCH)


# ---- triu / tril -----------------------------------------------------------------------------------

@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("diagonal", [0, 1, -2, 5])
def test_triangle_static(upper, diagonal):
    fn = (lambda x: torch.triu(x, diagonal)) if upper else (lambda x: torch.tril(x, diagonal))
    assert_converts(Fn(fn), [torch.randn(2, 4, 5)], expect="aten.triu.default" if upper else "aten.tril.default")


@pytest.mark.parametrize("upper", [True, False])
def test_triangle_dynamic(upper):
    fn = (lambda x: torch.triu(x, -1)) if upper else (lambda x: torch.tril(x, 1))
    assert_converts(Fn(fn), [torch.randn(2, 4, 5)], expect="aten.triu.default" if upper else "aten.tril.default",
                    dynamic={0: {0: (1, 4), 1: (2, 7), 2: (2, 6)}})


def test_triangle_int():
    x = torch.arange(12, dtype=torch.int32).reshape(3, 4)
    assert_converts(Fn(lambda x: x.tril()), [x], expect="aten.tril.default")


# ---- masks from the sequence length -----------------------------------------------------------------

def test_length_mask_dynamic_sequence():
    # A padding mask from per-sample lengths over a dynamic sequence length.
    x, lengths = torch.randn(3, 6, 4), torch.tensor([2, 6, 1])
    assert_converts(Fn2(lambda x, n: torch.arange(x.shape[1])[None, :] < n[:, None]), [x, lengths],
                    expect=["aten.arange.default", "aten.unsqueeze.default"],
                    dynamic={0: {0: (1, 8, "batch"), 1: (2, 16)}, 1: {0: (1, 8, "batch")}})


def test_causal_mask_dynamic_sequence():
    class Causal(nn.Module):
        def forward(self, scores):
            seq = scores.shape[-1]
            mask = torch.triu(torch.ones(seq, seq, dtype=torch.bool), diagonal=1)
            return torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)

    assert_converts(Causal(), [torch.randn(2, 5, 5)], expect=["aten.ones.default", "aten.triu.default"],
                    dynamic={0: {0: (1, 4), 1: (2, 12, "seq"), 2: (2, 12, "seq")}})


def test_additive_causal_mask_dynamic_sequence():
    class Additive(nn.Module):
        def forward(self, x):
            seq = x.shape[1]
            return x @ x.transpose(1, 2) + torch.full((seq, seq), -1e4).triu(1)

    assert_converts(Additive(), [torch.randn(2, 5, 3)], expect=["aten.full.default", "aten.triu.default"],
                    dynamic={0: {1: (2, 12)}})
