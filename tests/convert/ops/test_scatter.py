"""scatter (src, value, reduce, value_reduce), scatter_add, scatter_reduce, slice/select_scatter, copy.

A plain scatter's index stays duplicate-free (PyTorch and TensorRT leave the winner undefined) by
living in a buffer; combining scatters take random indices, whose redraws at the min and max shape
points repeat targets too.
"""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, Fn2, Fn3, WithIndex, assert_converts, convert_module
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

TYPES = [torch.float32, torch.float16, torch.bfloat16, torch.int32, torch.int64]
# Each column a distinct set of rows of a 4-row tensor.
UNIQUE_ROWS = torch.tensor([[0, 1, 2, 3, 0], [1, 2, 3, 0, 1], [2, 3, 0, 1, 2]])


def _exact(shape, dtype, seed=0, low=-4, high=4):
    """Small integers in ``dtype``: sums and products of a few stay exact in every float type."""
    return sample(*shape, dtype=torch.int64, seed=seed, low=low, high=high).to(dtype)


# ---- scatter ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", TYPES + [torch.bool])
def test_scatter_src(dtype):
    module = WithIndex(lambda x, i, s: torch.scatter(x, 0, i, s), UNIQUE_ROWS)
    assert_converts(module, [sample(4, 5, dtype=dtype), sample(3, 6, dtype=dtype, seed=1)], expect="aten.scatter.src")


def test_scatter_src_along_last_dim_dynamic():
    module = WithIndex(lambda x, i, s: x.scatter(-1, i.t(), s), UNIQUE_ROWS)  # index [5, 3] into columns
    assert_converts(module, [sample(6, 4), sample(5, 3, seed=1)], expect="aten.scatter.src",
                    dynamic={0: {0: (5, 9)}})


def test_scatter_value():
    module = WithIndex(lambda x, i, y: torch.scatter(x + y, 0, i, -2.5), UNIQUE_ROWS)
    assert_converts(module, [sample(4, 5), sample(4, 5, seed=1)], expect="aten.scatter.value",
                    dynamic={0: {1: (5, 9, "n")}, 1: {1: (5, 9, "n")}})


def test_scatter_0d():
    assert_converts(Fn2(lambda x, s: x.scatter(0, torch.tensor(0), s)), [sample(), sample(seed=1)],
                    expect="aten.scatter.src")


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_legacy_reduce(reduce):
    index = sample(3, 5, dtype=torch.int64, low=0, high=3)
    assert_converts(Fn3(lambda x, i, s: torch.scatter(x, 0, i, s, reduce=reduce)), [sample(4, 5), index, sample(3, 5)],
                    expect="aten.scatter.reduce")


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_value_reduce(reduce):
    index = sample(3, 5, dtype=torch.int64, low=0, high=3)
    assert_converts(Fn2(lambda x, i: torch.scatter(x, 1, i % 5, 1.5, reduce=reduce)), [sample(3, 6), index],
                    expect="aten.scatter.value_reduce")


# ---- scatter_add / scatter_reduce --------------------------------------------------------------------

def test_scatter_add_duplicates_give_eager_sums():
    x, src = torch.zeros(3, 2), torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    index = torch.tensor([[2, 0], [2, 0], [0, 0], [2, 1]])
    assert_converts(Fn3(lambda x, i, s: x.scatter_add(0, i, s)), [x, index, src], expect="aten.scatter_add.default")


@pytest.mark.parametrize("dtype", TYPES)
def test_scatter_add_dtypes(dtype):
    index = sample(5, 3, dtype=torch.int64, low=0, high=3)
    assert_converts(Fn3(lambda x, i, s: x.scatter_add(0, i, s)), [_exact((4, 3), dtype), index, _exact((5, 3), dtype, 1)],
                    expect="aten.scatter_add.default")


def test_scatter_add_index_smaller_than_self_dynamic():
    # Index [J, 2] on a [4, n] tensor: columns beyond 2 receive nothing and keep their values.
    index = sample(3, 2, dtype=torch.int64, low=0, high=3)
    assert_converts(Fn3(lambda x, i, s: x.scatter_add(0, i, s)), [sample(4, 5), index, sample(3, 4, seed=1)],
                    expect="aten.scatter_add.default",
                    dynamic={0: {1: (3, 9)}, 1: {0: (1, 6, "j")}, 2: {0: (1, 6, "j")}})


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce(reduce, include_self):
    index = sample(4, 6, dtype=torch.int64, low=0, high=4)  # row 4 of 5 may receive nothing
    fn = Fn3(lambda x, i, s: x.scatter_reduce(1, i, s, reduce, include_self=include_self))
    assert_converts(fn, [sample(4, 5), index, sample(4, 7, seed=1)], expect="aten.scatter_reduce.two",
                    dynamic={0: {0: (1, 6, "b")}, 1: {0: (1, 6, "b")}, 2: {0: (1, 6, "b")}})


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_dtypes(reduce, dtype):
    # Integer means round toward minus infinity, as PyTorch's do.
    index = sample(6, dtype=torch.int64, low=0, high=3)
    fn = Fn3(lambda x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=reduce != "mean"))
    assert_converts(fn, [_exact((4,), dtype, low=-3, high=3), index, _exact((6,), dtype, 1, low=-3, high=3)],
                    expect="aten.scatter_reduce.two")


def test_scatter_add_of_bool_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="a bool or 8-bit integer tensor"):
        convert_module(Fn2(lambda x, i: x.scatter_add(0, i, x)), [sample(3, dtype=torch.bool), torch.tensor([0, 0, 1])])


# ---- slice_scatter / select_scatter / copy ---------------------------------------------------------

@pytest.mark.parametrize(("dim", "start", "end", "step", "src"), [
    (1, 1, 3, 1, (4, 2)),
    (1, None, None, 2, (4, 3)),
    (1, -4, -1, 2, (4, 2)),
    (0, 2, 100, 1, (2, 6)),
    (-1, 5, None, 1, (4, 1)),
], ids=["window", "every_other", "negative", "end_past_length", "last"])
def test_slice_scatter(dim, start, end, step, src):
    fn = Fn2(lambda x, s: torch.slice_scatter(x, s, dim, start, end, step))
    dynamic = {0: {1: (6, 10, "n")}, 1: {1: (6, 10, "n")}} if dim == 0 else {0: {0: (1, 8, "b")}, 1: {0: (1, 8, "b")}}
    assert_converts(fn, [sample(4, 6), sample(*src, seed=1)], expect="aten.slice_scatter.default", dynamic=dynamic)


def test_slice_scatter_along_dynamic_dim():
    fn = Fn(lambda x: torch.slice_scatter(x, x[:, 2:] * 2, 1, 2))
    assert_converts(fn, [sample(3, 8)], expect="aten.slice_scatter.default", dynamic={0: {1: (4, 12)}})


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64, torch.bool])
def test_select_scatter(dtype):
    fn = Fn2(lambda x, s: torch.select_scatter(x, s, 1, -2))
    assert_converts(fn, [sample(4, 5, dtype=dtype), sample(4, dtype=dtype, seed=1)],
                    expect="aten.select_scatter.default", dynamic={0: {0: (1, 6, "b")}, 1: {0: (1, 6, "b")}})


def test_select_scatter_along_dynamic_dim():
    fn = Fn(lambda x: torch.select_scatter(x, x[:, 0] * 3, 1, -1))
    assert_converts(fn, [sample(3, 5)], expect="aten.select_scatter.default", dynamic={0: {1: (2, 9)}})


def _write_columns(x, y):
    x = x.clone()
    x[:, 1:3] = y
    return x


def _write_rows_broadcast(x, y):
    x = x.clone()
    x[1:3] = y  # one row written twice
    return x


@pytest.mark.parametrize(("fn", "src"), [
    (_write_columns, sample(4, 2, seed=1)),
    (_write_columns, sample(4, 2, dtype=torch.int32, seed=1)),  # cast to the tensor's dtype
    (_write_rows_broadcast, sample(5, seed=1)),
], ids=["columns", "int_into_float", "broadcast_row"])
def test_inplace_slice_write(fn, src):
    assert_converts(Fn2(fn), [sample(4, 5), src], expect=["aten.copy.default", "aten.slice_scatter.default"])


def test_copy_dynamic():
    assert_converts(Fn2(lambda x, y: x.clone().copy_(y)), [sample(3, 4), sample(4, seed=1)], expect="aten.copy.default",
                    dynamic={0: {0: (1, 6)}})
