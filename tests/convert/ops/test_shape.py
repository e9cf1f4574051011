"""view/reshape, permute/transpose/t, flatten, (un)squeeze, expand, sym_size: static and dynamic dims."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, Fn2, assert_converts

BATCH = {0: {0: (1, 8)}}


@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.bool])
def test_view_static(dtype):
    x = torch.randn(2, 3, 4).gt(0).to(dtype) if dtype == torch.bool else torch.randn(2, 3, 4).mul(5).to(dtype)
    assert_converts(Fn(lambda x: x.view(6, 4)), [x], expect="aten.view.default")


@pytest.mark.parametrize("shape_fn", [
    lambda x: x.view(-1, 4),  # all-int sizes over a dynamic dim
    lambda x: x.view(x.shape[0], -1),  # one symbolic size
    lambda x: x.view(x.shape[0] * 3, 4),  # symbolic arithmetic
    lambda x: x.reshape(x.shape[0], 3, 2, 2),
], ids=["minus_one", "sym_size", "sym_mul", "split_last"])
def test_view_dynamic(shape_fn):
    assert_converts(Fn(shape_fn), [torch.randn(2, 3, 4)], expect="aten.view.default", dynamic=BATCH)


def test_view_two_dynamic_dims():
    # Two run-time sizes: the reshape needs a shape tensor, not TensorRT's single -1.
    x = torch.randn(2, 3, 4)
    assert_converts(Fn(lambda x: x.reshape(x.shape[0], x.shape[1], 2, 2)), [x], expect="aten.view.default",
                    dynamic={0: {0: (1, 8), 1: (2, 6)}})


def test_unsafe_view():
    # Decompositions (matmul, einsum) emit _unsafe_view; calling it directly keeps the test independent of them.
    x = torch.randn(2, 3, 4)
    assert_converts(Fn(lambda x: torch.ops.aten._unsafe_view(x, [x.shape[0], 12])), [x],
                    expect="aten._unsafe_view.default", dynamic=BATCH)


def test_reshape_after_permute_uses_symbolic_arithmetic():
    # reshape of a non-contiguous dynamic tensor traces sym_size * and // into the view sizes.
    x = torch.randn(3, 4, 5)
    converted = assert_converts(Fn(lambda x: x.permute(2, 0, 1).reshape(x.shape[2], -1)), [x],
                                expect=["aten.permute.default", "aten.view.default"], dynamic=BATCH)
    assert "aten.sym_size.int" in converted.result.converters_used


@pytest.mark.parametrize("order", [[2, 0, 1], [-1, -3, -2]])
def test_permute(order):
    assert_converts(Fn(lambda x: x.permute(*order)), [torch.randn(2, 3, 4)], expect="aten.permute.default",
                    dynamic=BATCH)


@pytest.mark.parametrize("dims", [(0, 2), (-1, 1), (1, 1)])
def test_transpose(dims):
    assert_converts(Fn(lambda x: x.transpose(*dims)), [torch.randn(2, 3, 4)], expect="aten.transpose.int",
                    dynamic=BATCH)


def test_transpose_int():
    x = torch.arange(24, dtype=torch.int64).reshape(2, 3, 4)
    assert_converts(Fn(lambda x: x.transpose(0, -1)), [x], expect="aten.transpose.int")


@pytest.mark.parametrize("shape", [(3, 4), (5,)])
def test_t(shape):
    assert_converts(Fn(lambda x: x.t() * 2), [torch.randn(*shape)], expect="aten.t.default")


def test_t_dynamic():
    assert_converts(Fn(lambda x: x.t()), [torch.randn(3, 4)], expect="aten.t.default", dynamic=BATCH)


@pytest.mark.parametrize("start,end", [(1, -1), (0, 1), (-2, -1)])
def test_flatten(start, end):
    # torch.export decomposes flatten into view (it is an aliasing op that cannot be preserved).
    assert_converts(Fn(lambda x: x.flatten(start, end)), [torch.randn(2, 3, 4, 5)], expect="aten.view.default",
                    dynamic=BATCH)


@pytest.mark.parametrize("dim", [0, 1, -1, 3, -4])
def test_unsqueeze(dim):
    assert_converts(Fn(lambda x: x.unsqueeze(dim)), [torch.randn(2, 3, 4)], expect="aten.unsqueeze.default",
                    dynamic={0: {0: (1, 8), 2: (1, 6)}})


def test_unsqueeze_static_int():
    x = torch.arange(6, dtype=torch.int32).reshape(2, 3)
    assert_converts(Fn(lambda x: x.unsqueeze(1)), [x], expect="aten.unsqueeze.default")


def test_unsqueeze_0d():
    assert_converts(Fn(lambda x: x.sum().unsqueeze(0)), [torch.randn(3)], expect="aten.unsqueeze.default")


def test_squeeze_all():
    # The dynamic dim ranges from 2: torch.export treats it as never 1, so it is kept.
    x = torch.randn(3, 1, 4, 1)
    assert_converts(Fn(lambda x: x.squeeze()), [x], expect="aten.squeeze.default", dynamic={0: {0: (2, 8)}})


@pytest.mark.parametrize("dim", [1, -1, 2])
def test_squeeze_dim(dim):
    # dim 2 has size 4: squeezing it is a no-op.
    x = torch.randn(3, 1, 4, 1)
    assert_converts(Fn(lambda x: x.squeeze(dim)), [x], expect="aten.squeeze.dim", dynamic={0: {0: (1, 8)}})


def test_squeeze_dims_two_dynamic():
    x = torch.randn(3, 1, 4, 1)
    assert_converts(Fn(lambda x: x.squeeze((1, 3))), [x], expect="aten.squeeze.dims",
                    dynamic={0: {0: (1, 8), 2: (2, 6)}})


@pytest.mark.parametrize("sizes", [(-1, 5, -1), (2, 3, 5, 4), (3, 1, 4)])
def test_expand_static(sizes):
    x = torch.randn(3, 1, 4)
    assert_converts(Fn(lambda x: x.expand(*sizes)), [x], expect="aten.expand.default")


def test_expand_bool():
    x = torch.randn(1, 4) > 0
    assert_converts(Fn(lambda x: x.expand(3, 4)), [x], expect="aten.expand.default")


def test_expand_minus_one_over_dynamic():
    x = torch.randn(3, 1, 4)
    assert_converts(Fn(lambda x: x.expand(-1, 5, -1)), [x], expect="aten.expand.default", dynamic=BATCH)


def test_expand_to_dynamic_size():
    # expand_as traces to expand with a symbolic size from the other input.
    x, y = torch.randn(1, 4), torch.randn(3, 4)
    assert_converts(Fn2(lambda x, y: x.expand_as(y) + y), [x, y], expect="aten.expand.default",
                    dynamic={1: {0: (1, 8)}})


def test_expand_new_leading_dims_dynamic():
    x, y = torch.randn(4), torch.randn(3, 2, 4)
    assert_converts(Fn2(lambda x, y: x.expand(y.shape[0], y.shape[1], 4) * y), [x, y], expect="aten.expand.default",
                    dynamic={1: {0: (1, 8), 1: (2, 5)}})


def test_sym_size_and_getitem():
    x = torch.randn(2, 6)
    # The size is used in the result (a reshape may not need it: the view converter infers sizes).
    converted = assert_converts(Fn(lambda x: x.split(2, 1)[1].reshape(x.shape[0], 1, 2) * x.shape[0]), [x],
                                expect=["aten.sym_size.int", "operator.getitem"], dynamic=BATCH)
    assert converted.result.converters_used["operator.getitem"] >= 1


def test_expand_copy():
    x = torch.randn(3, 1)
    assert_converts(Fn(lambda x: torch.ops.aten.expand_copy(x, [x.shape[0], 4])), [x], expect="aten.expand_copy.default",
                    dynamic=BATCH)


def test_rank_broadcast_of_empty_tensor():
    # prepend_ones on a static shape holding 0: the 0 must mean "empty", not "copy the dim".
    assert_converts(Fn2(lambda x, y: x[:, :0] + y), [torch.randn(2, 3), torch.randn(3, 1, 0)],
                    expect="aten.slice.Tensor")
