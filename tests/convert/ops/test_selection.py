"""nonzero, masked_select and boolean-mask indexing (index.Tensor with a bool index): data-dependent lengths.

Their result's length is the number of true elements, known only at run time. Every test compares
the length and the values with eager PyTorch at each shape point (the harness compares shapes
first). TensorRT for RTX implements no NonZero layer, so there the engine build is refused (tested
below) and the network is proven by the reference interpreter alone.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.convert.harness import Fn, Fn2, assert_converts, convert_module
from tests.convert.samples import sample
from trtrepo.convert.context import Capabilities
from trtrepo.engine import build_plan
from trtrepo.errors import EngineBuildError
from trtrepo.pipeline import with_node_context
from trtrepo.trt_flavour import flavour

BUILDS = Capabilities.of(flavour()).data_dependent_shapes
NONZERO, INDEX, MASKED_SELECT = "aten.nonzero.default", "aten.index.Tensor", "aten.masked_select.default"


def converts(module, inputs, expect, **options):
    return assert_converts(module, inputs, expect=expect, build_engine=BUILDS, **options)


def with_zeros(*shape, dtype=torch.float32, seed=0):
    """A sample with about a third of its elements exactly zero (so nonzero has something to skip)."""
    values = sample(*shape, seed=seed)
    return torch.where(values.abs() < 0.45, torch.zeros_like(values), values).to(dtype)


# ---- nonzero ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16, torch.int32, torch.int64, torch.bool])
def test_nonzero_of_every_dtype(dtype):
    x = with_zeros(3, 5, dtype=dtype) if dtype != torch.bool else sample(3, 5, dtype=torch.bool)
    converts(Fn(torch.nonzero), [x], NONZERO)


@pytest.mark.parametrize("shape", [(7,), (2, 3, 4), (2, 1, 3, 2)], ids=["1d", "3d", "4d"])
def test_nonzero_subscripts_are_row_major(shape):
    converts(Fn(torch.nonzero), [with_zeros(*shape)], NONZERO)


def test_nonzero_dynamic_dims():
    converts(Fn(torch.nonzero), [sample(3, 4, dtype=torch.bool)], NONZERO, dynamic={0: {0: (1, 6), 1: (2, 9)}})


@pytest.mark.parametrize("fill", [0.0, 1.5], ids=["none_true", "all_true"])
def test_nonzero_of_nothing_and_of_everything(fill):
    converts(Fn(torch.nonzero), [torch.full((2, 3), fill)], NONZERO)


@pytest.mark.parametrize("value", [0.0, -2.0], ids=["zero", "non_zero"])
def test_nonzero_of_a_scalar_has_no_columns(value):
    converts(Fn(torch.nonzero), [torch.tensor(value)], NONZERO)


def test_nan_counts_as_non_zero():
    converts(Fn(torch.nonzero), [torch.tensor([0.0, float("nan"), -0.0, 1.0])], NONZERO)


def test_nonzero_as_tuple_and_argwhere():
    mask = sample(4, 5, dtype=torch.bool)
    converts(Fn(lambda m: torch.nonzero(m, as_tuple=True)), [mask], NONZERO, dynamic={0: {1: (2, 8)}})
    converts(Fn(torch.argwhere), [with_zeros(4, 5)], NONZERO)


def test_nonzero_subscripts_feed_later_ops():
    # The data-dependent length flows on: the subscripts index the input, then a reduction.
    converts(Fn(lambda x: (x[tuple(torch.nonzero(x > 0).t())] * 2).sum()), [sample(4, 6)], NONZERO,
             dynamic={0: {0: (2, 8)}})


def test_the_data_dependent_dim_is_recorded_for_the_config():
    converted = converts(Fn(lambda x: (torch.nonzero(x), x * 2)), [with_zeros(3, 4)], NONZERO,
                         dynamic={0: {0: (1, 8)}})
    assert converted.result.data_dependent == {"out0": (0,)}
    assert tuple(converted.network.get_output(0).shape) == (-1, 2)


# ---- boolean-mask indexing (aten.index.Tensor) -----------------------------------------------------

@pytest.mark.parametrize("index", [
    lambda x, m: x[m],
    lambda x, m: x[m[:, 0, 0]],
    lambda x, m: x[:, m[0]],
    lambda x, m: x[:, m[0, :, 0], 1],
    lambda x, m: x[m[:, :, 0], 2],
    lambda x, m: x[..., m[0, 0]],
], ids=["whole", "leading_dim", "middle_dim", "mask_then_int", "2d_mask_then_int", "last_dim"])
def test_mask_index(index):
    x = sample(3, 4, 5)
    converts(Fn2(index), [x, sample(3, 4, 5, dtype=torch.bool, seed=1)], INDEX)


def test_mask_index_dynamic():
    x, mask = sample(3, 4), sample(3, 4, dtype=torch.bool, seed=1)
    converts(Fn2(lambda x, m: x[m] + 1), [x, mask], INDEX, dynamic={0: {0: (1, 7, "b")}, 1: {0: (1, 7, "b")}})
    converts(Fn(lambda x: x[x > 0]), [x], INDEX, dynamic={0: {0: (1, 7), 1: (2, 6)}})


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.int32, torch.int64, torch.bool])
def test_mask_index_of_every_dtype(dtype):
    x = with_zeros(4, 3, dtype=dtype) if dtype != torch.bool else sample(4, 3, dtype=torch.bool)
    converts(Fn2(lambda x, m: x[m]), [x, torch.tensor([True, False, True, True])], INDEX)


def test_mask_index_selecting_nothing():
    converts(Fn2(lambda x, m: x[m]), [sample(3, 4), torch.zeros(3, 4, dtype=torch.bool)], INDEX)


def test_constant_mask_needs_no_data_dependent_layer():
    class KeepColumns(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("keep", torch.tensor([True, False, True, True, False]))

        def forward(self, x):
            return x[:, self.keep]

    # The mask is known at build time: its indices are constants and even TensorRT for RTX builds it.
    converted = assert_converts(KeepColumns(), [sample(2, 5)], expect=INDEX, dynamic={0: {0: (1, 6)}})
    network = converted.network
    kinds = {network.get_layer(i).type.name for i in range(network.num_layers)}
    assert "NON_ZERO" not in kinds
    assert tuple(network.get_output(0).shape) == (-1, 3)


# ---- masked_select ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("x_shape", "mask_shape"), [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((4,), (3, 1)),
    ((2, 1, 4), (3, 1)),
], ids=["same", "mask_broadcast", "both_broadcast", "ranks_differ"])
def test_masked_select_broadcasts(x_shape, mask_shape):
    converts(Fn2(torch.masked_select), [sample(*x_shape), sample(*mask_shape, dtype=torch.bool, seed=3)],
             MASKED_SELECT)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.int32, torch.int64, torch.bool])
def test_masked_select_of_every_dtype(dtype):
    x = with_zeros(3, 4, dtype=dtype) if dtype != torch.bool else sample(3, 4, dtype=torch.bool)
    converts(Fn2(torch.masked_select), [x, sample(3, 4, dtype=torch.bool, seed=2)], MASKED_SELECT)


def test_masked_select_dynamic():
    x, mask = sample(3, 5), sample(3, 5, dtype=torch.bool, seed=4)
    converts(Fn2(torch.masked_select), [x, mask], MASKED_SELECT,
             dynamic={0: {0: (1, 6, "b"), 1: (2, 8, "n")}, 1: {0: (1, 6, "b"), 1: (2, 8, "n")}})


def test_masked_select_of_scalars():
    converts(Fn2(torch.masked_select), [torch.tensor(2.5), torch.tensor(True)], MASKED_SELECT)


def test_masked_select_with_a_constant_mask():
    class Select(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mask", torch.tensor([[True], [False], [True]]))

        def forward(self, x):
            return torch.masked_select(x, self.mask)

    converts(Select(), [sample(3, 4)], MASKED_SELECT)


# ---- the engine ------------------------------------------------------------------------------------

@pytest.mark.skipif(BUILDS, reason="this TensorRT builds data-dependent shapes (the tests above build engines)")
def test_tensorrt_for_rtx_refuses_to_build_nonzero_naming_the_node():
    class Positions(nn.Module):
        def forward(self, x):
            return torch.nonzero(x) + 1

    converted = convert_module(Positions(), [sample(3, 4)])

    with pytest.raises(EngineBuildError) as caught:
        build_plan(converted.builder, converted.network, converted.spec,
                   error_context=lambda line: with_node_context(line, converted.result.origins))
    message = str(caught.value)
    assert "cannot build layers whose output shape depends on the data" in message
    assert "an INonZeroLayer" in message and "comes from node 'nonzero' (aten.nonzero.default)" in message
    assert "test_selection.py:" in message and "return torch.nonzero(x) + 1" in message, "the user's source line"
    assert "--tensorrt tensorrt" in message and "trtrepo check" in message


def test_only_tensorrt_for_rtx_lacks_data_dependent_shapes():
    from trtrepo.trt_flavour import Flavour

    assert not Capabilities.of(Flavour("rtx", "tensorrt_rtx_bindings", "1.7")).data_dependent_shapes
    assert Capabilities.of(Flavour("tensorrt", "tensorrt", "10.9")).data_dependent_shapes
