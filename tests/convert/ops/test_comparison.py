"""Comparisons, logical and bitwise (bool) ops, where and masked_fill."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, Fn2, assert_converts, convert_module
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

NAN = float("nan")


BATCH = {0: {0: (1, 6)}}
OPS = ["eq", "ne", "lt", "le", "gt", "ge"]


# ---- comparisons -----------------------------------------------------------------------------

@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.int64, torch.bool])
def test_compare_tensors(op, dtype):
    # small integer ranges make ties (where le/ge/eq differ from lt/gt/ne) frequent
    fn = getattr(torch, op)
    assert_converts(Fn2(fn), [sample(3, 4, dtype=dtype, low=-3, high=3), sample(4, dtype=dtype, seed=1, low=-3, high=3)], expect=f"aten.{op}.Tensor",
                    dynamic=BATCH)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("dtype,scalar", [(torch.float32, 0.25), (torch.int32, 1), (torch.int32, 0.5),
                                          (torch.int64, -2), (torch.bool, True)])
def test_compare_scalar(op, dtype, scalar):
    """An int tensor against a float scalar compares in float (1 > 0.5), as PyTorch promotes."""
    fn = getattr(torch, op)
    assert_converts(Fn(lambda x: fn(x, scalar)), [sample(3, 4, dtype=dtype, low=-3, high=3)], expect=f"aten.{op}.Scalar", dynamic=BATCH)


@pytest.mark.parametrize("op", OPS)
def test_compare_nan(op):
    """NaN is unequal and unordered: le/ge are false and ne is true."""
    x = torch.tensor([NAN, 1.0, NAN, 2.0])
    y = torch.tensor([NAN, NAN, 1.0, 2.0])
    fn = getattr(torch, op)
    assert_converts(Fn2(fn), [x, y], expect=f"aten.{op}.Tensor")


def test_compare_mixed_dtypes():
    assert_converts(Fn2(torch.lt), [sample(3, 4, dtype=torch.int32, low=-3, high=3), sample(3, 4, seed=1)], expect="aten.lt.Tensor")


# ---- logical / bitwise -----------------------------------------------------------------------

@pytest.mark.parametrize("op", ["and", "or", "xor"])
@pytest.mark.parametrize("dtype", [torch.bool, torch.float32, torch.int32])
def test_logical(op, dtype):
    """Non-bool operands count as true when nonzero."""
    fn = getattr(torch, f"logical_{op}")
    assert_converts(Fn2(fn), [sample(2, 3, 4, dtype=dtype, low=-3, high=3), sample(3, 4, dtype=dtype, seed=1, low=-3, high=3)],
                    expect=f"aten.logical_{op}.default", dynamic=BATCH)


@pytest.mark.parametrize("dtype", [torch.bool, torch.float32, torch.int64])
def test_logical_not(dtype):
    x = sample(3, 4, dtype=dtype, low=-3, high=3)
    if dtype.is_floating_point:
        x[0, :3] = torch.tensor([0.0, NAN, -0.0])
    assert_converts(Fn(torch.logical_not), [x], expect="aten.logical_not.default")


@pytest.mark.parametrize("dtype", [torch.bool, torch.float32, torch.int64])
def test_logical_not_dynamic(dtype):
    x = sample(3, 4, dtype=dtype, low=-3, high=3)
    assert_converts(Fn(torch.logical_not), [x], expect="aten.logical_not.default", dynamic=BATCH)


@pytest.mark.parametrize("op", ["and", "or", "xor"])
def test_bitwise_on_bool(op):
    fn = getattr(torch, f"bitwise_{op}")
    assert_converts(Fn2(lambda x, y: fn(x > 0, y > 0)), [sample(2, 3, 4), sample(4, seed=1)],
                    expect=f"aten.bitwise_{op}.Tensor", dynamic=BATCH)
    assert_converts(Fn(lambda x: fn(x > 0, True)), [sample(2, 3)], expect=f"aten.bitwise_{op}.Scalar", dynamic=BATCH)


@pytest.mark.parametrize("op", ["and", "or", "xor"])
@pytest.mark.parametrize("scalar", [True, False])
def test_bitwise_scalar_first_on_bool(op, scalar):
    fn = getattr(torch, f"bitwise_{op}")
    assert_converts(Fn(lambda x: fn(scalar, x > 0)), [sample(2, 3, 4)], expect=f"aten.bitwise_{op}.Scalar_Tensor",
                    dynamic=BATCH)


# ---- bit shifts (exact products / floor divisions by powers of two) ---------------------------

WIDE = {torch.int32: (-2**31, 2**31 - 1), torch.int64: (-2**40, 2**40)}


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
@pytest.mark.parametrize("amount", [-1, 0, 1, 3, 30, 31, 32, 63, 64], ids=str)
def test_shift_by_literal(dtype, amount):
    # Wide values, negative ones included: left shifts wrap, right shifts round towards -inf; amounts
    # outside [0, bits) give 0 (left) or the sign fill (right), as in PyTorch.
    x = sample(3, 5, dtype=dtype, low=WIDE[dtype][0], high=WIDE[dtype][1])
    assert_converts(Fn(lambda x: (x << amount, x >> amount)), [x],
                    expect=["aten.__lshift__.Scalar", "aten.__rshift__.Scalar"], dynamic=BATCH)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_shift_functions_by_literal(dtype):
    x = sample(3, 5, dtype=dtype, low=-1000, high=1000)
    assert_converts(Fn(lambda x: (torch.bitwise_left_shift(x, 3), torch.bitwise_right_shift(x, 2))), [x],
                    expect=["aten.bitwise_left_shift.Tensor_Scalar", "aten.bitwise_right_shift.Tensor_Scalar"],
                    dynamic=BATCH)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_shift_by_tensor(dtype):
    # Amounts -3..66 cover every bit of the amount and both out-of-range sides.
    bits = 32 if dtype == torch.int32 else 64
    x = sample(4, 6, dtype=dtype, low=WIDE[dtype][0], high=WIDE[dtype][1])
    n = sample(6, dtype=dtype, seed=1, low=-3, high=bits + 2)
    n[:4] = torch.tensor([0, bits - 1, bits, -1])
    assert_converts(Fn2(lambda x, n: (x << n, x >> n, torch.bitwise_left_shift(x, n), torch.bitwise_right_shift(x, n))),
                    [x, n], expect=["aten.__lshift__.Tensor", "aten.__rshift__.Tensor",
                                    "aten.bitwise_left_shift.Tensor", "aten.bitwise_right_shift.Tensor"], dynamic=BATCH)


def test_shift_of_scalar_by_tensor():
    n = sample(2, 5, dtype=torch.int64, low=-2, high=66)
    assert_converts(Fn(lambda n: (torch.bitwise_left_shift(3, n), torch.bitwise_right_shift(-1000, n))), [n],
                    expect=["aten.bitwise_left_shift.Scalar_Tensor", "aten.bitwise_right_shift.Scalar_Tensor"],
                    dynamic=BATCH)


def test_shift_promotes_int32_by_int64():
    x = sample(3, 4, dtype=torch.int32, low=-100, high=100)
    n = sample(4, dtype=torch.int64, seed=1, low=0, high=40)
    assert_converts(Fn2(lambda x, n: x << n), [x, n], expect="aten.__lshift__.Tensor", dynamic=BATCH)


def test_shift_of_uint8_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="uint8"):
        convert_module(Fn(lambda x: x << 2), [sample(2, 3, dtype=torch.uint8, low=0, high=9)])


def test_bitwise_operators_and_not():
    assert_converts(Fn(lambda x: ~((x > 0) & (x < 1)) | (x > 2)), [sample(3, 4)],
                    expect=["aten.bitwise_not.default", "aten.bitwise_and.Tensor", "aten.bitwise_or.Tensor"],
                    dynamic=BATCH)


def test_bitwise_on_integers_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="bitwise op on integer tensors"):
        convert_module(Fn(lambda x: x & 3), [sample(2, 3, dtype=torch.int32, low=-3, high=3)])
    with pytest.raises(UnsupportedOpsError, match="bitwise op on integer tensors"):
        convert_module(Fn(lambda x: ~x), [sample(2, 3, dtype=torch.int32, low=-3, high=3)])


# ---- where / masked_fill ---------------------------------------------------------------------

def test_where_tensors_broadcast():
    assert_converts(Fn2(lambda x, y: torch.where(x > 0, x, y)), [sample(2, 3, 4), sample(4, seed=1)],
                    expect="aten.where.self", dynamic=BATCH)


def test_where_condition_broadcasts():
    assert_converts(Fn2(lambda x, y: torch.where(y > 0, x, -x)), [sample(2, 3, 4), sample(3, 1, seed=1)],
                    expect="aten.where.self", dynamic=BATCH)


def test_where_promotes():
    assert_converts(Fn2(lambda x, y: torch.where(x > 0, y, x)), [sample(3, 4), sample(3, 4, dtype=torch.int32, seed=1, low=-3, high=3)],
                    expect="aten.where.self")


@pytest.mark.parametrize("dtype,value", [(torch.float32, 0.0), (torch.float32, -1), (torch.int32, 7),
                                         (torch.int64, 0.5)])
def test_where_scalar_other(dtype, value):
    """An int tensor with a float scalar selects in the default float type."""
    assert_converts(Fn(lambda x: torch.where(x > 0, x, value)), [sample(3, 4, dtype=dtype, low=-3, high=3)],
                    expect="aten.where.ScalarOther", dynamic=BATCH)
    assert_converts(Fn(lambda x: torch.where(x > 0, value, x)), [sample(3, 4, dtype=dtype, low=-3, high=3)],
                    expect="aten.where.ScalarSelf", dynamic=BATCH)


@pytest.mark.parametrize("then,other", [(1.0, 0.0), (1, -1), (True, False), (2, 0.5)])
def test_where_two_scalars(then, other):
    assert_converts(Fn(lambda x: torch.where(x > 0, then, other)), [sample(2, 3, 4)], expect="aten.where.Scalar",
                    dynamic=BATCH)


@pytest.mark.parametrize("dtype,value", [(torch.float32, -1e9), (torch.float32, float("-inf")), (torch.int32, 5),
                                         (torch.int64, 2.7), (torch.bool, True)])
def test_masked_fill_scalar(dtype, value):
    """The value takes the tensor's dtype (2.7 fills an int tensor with 2)."""
    assert_converts(Fn2(lambda x, m: x.masked_fill(m > 0, value)), [sample(2, 3, 4, dtype=dtype, low=-3, high=3), sample(3, 4, seed=1)],
                    expect="aten.masked_fill.Scalar", dynamic=BATCH)


def test_masked_fill_tensor_value():
    assert_converts(Fn(lambda x: x.masked_fill(x > 0, torch.tensor(2.5))), [sample(2, 3, 4)],
                    expect="aten.masked_fill.Tensor", dynamic=BATCH)
    assert_converts(Fn2(lambda x, y: x.masked_fill(x > 0, y.sum())), [sample(2, 3, 4), sample(5, seed=1)],
                    expect="aten.masked_fill.Tensor", dynamic=BATCH)


def test_masked_fill_attention_mask():
    """The causal-mask pattern: a bool mask broadcast over batch and heads."""
    mask = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
    assert_converts(Fn(lambda x: torch.softmax(x.masked_fill(mask, float("-inf")), -1)), [sample(2, 3, 5, 5)],
                    expect="aten.masked_fill.Scalar", dynamic=BATCH)


def test_where_zero_dim_condition():
    assert_converts(Fn(lambda x: torch.where(x.sum() > 0, x, -x)), [sample(2, 3)], expect="aten.where.self",
                    dynamic=BATCH)
