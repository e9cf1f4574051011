"""prims ops left in exported graphs: sum, div, convert_element_type, broadcast_in_dim."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, Fn2, assert_converts, convert_module
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

prims = torch.ops.prims
BATCH = {0: {0: (1, 5)}}


@pytest.mark.parametrize("dims", [[1], [0, 2], [2]], ids=str)  # prims take canonical (non-negative) dims
def test_sum(dims):
    assert_converts(Fn(lambda x: prims.sum(x, dims)), [sample(2, 3, 4)], expect="prims.sum.default", dynamic=BATCH)


def test_sum_float16():
    assert_converts(Fn(lambda x: prims.sum(x, [1])), [sample(2, 8, dtype=torch.float16)], expect="prims.sum.default",
                    dynamic=BATCH, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("dtype", [torch.int32, torch.bool])
def test_sum_of_integers_is_rejected(dtype):
    with pytest.raises(UnsupportedOpsError, match="integer or bool input"):
        convert_module(Fn(lambda x: prims.sum(x, [1])), [sample(2, 3, dtype=dtype)])


def test_sum_over_no_dims_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="empty dims list"):
        convert_module(Fn(lambda x: prims.sum(x, [])), [sample(2, 3)])


def test_div_float():
    assert_converts(Fn2(lambda x, y: prims.div(x, y.abs() + 0.5)), [sample(2, 3, 4), sample(2, 3, 4, seed=1)],
                    expect="prims.div.default", dynamic={0: {0: (1, 5, "b")}, 1: {0: (1, 5, "b")}})


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_div_integers_rounds_toward_zero(dtype):
    # -7 / 2 is -3 here (C division), not floor's -4.
    x, y = sample(3, 5, dtype=dtype, low=-50, high=50), sample(3, 5, dtype=dtype, seed=1, low=-6, high=6)
    fn = Fn2(lambda x, y: (prims.div(x, y.abs() + 1), prims.div(x, -(y.abs() + 1))))
    assert_converts(fn, [x, y], expect="prims.div.default", dynamic={0: {0: (1, 5, "b")}, 1: {0: (1, 5, "b")}})


@pytest.mark.parametrize("source,dtype", [(torch.float32, torch.int32), (torch.float32, torch.float16),
                                          (torch.int32, torch.float32), (torch.float32, torch.bool),
                                          (torch.int64, torch.int32)], ids=str)
def test_convert_element_type(source, dtype):
    # Floats scaled so that truncation toward zero matters (-2.7 -> -2).
    x = sample(3, 4, dtype=source, low=-9, high=9, scale=3.0)
    assert_converts(Fn(lambda x: prims.convert_element_type(x, dtype)), [x],
                    expect="prims.convert_element_type.default", dynamic=BATCH)


def test_convert_element_type_to_float64_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="float64"):
        convert_module(Fn(lambda x: prims.convert_element_type(x, torch.float64).float()), [sample(2, 3)])


@pytest.mark.parametrize("make", [
    lambda x: prims.broadcast_in_dim(x, [x.shape[0], 4, 3], [0, 2]),
    lambda x: prims.broadcast_in_dim(x[:, :1], [x.shape[0], 5], [0, 1]),
    lambda x: prims.broadcast_in_dim(x[0], [2, 6, 3], [2]),
], ids=["new_middle_dim", "unit_dim_grows", "leading_dims"])
def test_broadcast_in_dim(make):
    assert_converts(Fn(make), [sample(3, 3)], expect="prims.broadcast_in_dim.default", dynamic=BATCH)
