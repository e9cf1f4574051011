"""Elementwise arithmetic: add/sub/rsub/mul/div (+ rounding modes), pow, remainder, fmod, maximum/minimum."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, Fn2, assert_converts
from tests.convert.samples import sample

aten = torch.ops.aten


def _nonzero(*shape: int, dtype: torch.dtype, seed: int = 1) -> torch.Tensor:
    """Integers in [-5, 5] without 0 (static tests only: the harness resamples dynamic inputs)."""
    values = sample(*shape, dtype=dtype, seed=seed, low=1, high=5)
    signs = sample(*shape, dtype=torch.bool, seed=seed + 1)
    return torch.where(signs, values, -values)


BATCH = {0: {0: (1, 6)}}
BOTH = {0: {0: (1, 6, "n")}, 1: {0: (1, 6, "n")}}


# ---- add / sub / rsub / mul ------------------------------------------------------------------

@pytest.mark.parametrize("op", ["add", "sub", "mul"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.int64])
def test_binary_tensor_same_shape(op, dtype):
    fn = getattr(torch, op)
    assert_converts(Fn2(fn), [sample(2, 3, 4, dtype=dtype, scale=3), sample(2, 3, 4, dtype=dtype, seed=1, scale=3)],
                    expect=f"aten.{op}.Tensor", dynamic=BOTH)


@pytest.mark.parametrize("op", ["add", "sub", "mul"])
@pytest.mark.parametrize("shapes", [((2, 3, 4), (4,)), ((2, 1, 4), (3, 1)), ((4,), (2, 3, 4))])
def test_binary_broadcast(op, shapes):
    fn = getattr(torch, op)
    assert_converts(Fn2(fn), [sample(*shapes[0], scale=3), sample(*shapes[1], seed=1, scale=3)], expect=f"aten.{op}.Tensor")


@pytest.mark.parametrize("op", ["add", "sub", "mul"])
@pytest.mark.parametrize("scalar", [2, -1.5, True])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32])
def test_binary_python_scalar(op, scalar, dtype):
    """A float scalar promotes an int tensor to float; an int scalar keeps the tensor's dtype."""
    fn = getattr(torch, op)
    if op == "sub" and scalar is True:
        pytest.skip("PyTorch refuses bool subtraction")
    assert_converts(Fn(lambda x: fn(x, scalar)), [sample(2, 3, dtype=dtype, scale=3)], expect=f"aten.{op}.Tensor", dynamic=BATCH)


@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_binary_scalar_overload(op):
    overload = getattr(aten, op).Scalar
    assert_converts(Fn(lambda x: overload(x, 3)), [sample(2, 3, scale=3)], expect=f"aten.{op}.Scalar", dynamic=BATCH)


@pytest.mark.parametrize("lhs,rhs", [(torch.int32, torch.float32), (torch.int64, torch.int32),
                                     (torch.bool, torch.int32), (torch.float16, torch.float32)])
def test_binary_tensor_promotion(lhs, rhs):
    assert_converts(Fn2(torch.add), [sample(2, 3, dtype=lhs, scale=3), sample(2, 3, dtype=rhs, seed=1, scale=3)], expect="aten.add.Tensor")


@pytest.mark.parametrize("op", ["add", "mul"])
def test_bool_arithmetic(op):
    fn = getattr(torch, op)
    assert_converts(Fn2(fn), [sample(2, 5, dtype=torch.bool), sample(2, 5, dtype=torch.bool, seed=1)],
                    expect=f"aten.{op}.Tensor")


@pytest.mark.parametrize("op", ["add", "sub"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32])
def test_alpha(op, dtype):
    fn = getattr(torch, op)
    assert_converts(Fn2(lambda x, y: fn(x, y, alpha=3)), [sample(2, 3, dtype=dtype, scale=3), sample(3, dtype=dtype, seed=1, scale=3)],
                    expect=f"aten.{op}.Tensor")


def test_weight_operands():
    weight, scale = torch.randn(3, 4), torch.tensor(0.5)
    assert_converts(Fn(lambda x: (x + weight) * scale), [sample(2, 3, 4, scale=3)], expect=["aten.add.Tensor", "aten.mul.Tensor"],
                    dynamic=BATCH)


def test_zero_dim_weight_does_not_promote_int_tensor():
    scale = torch.tensor(3, dtype=torch.int64)
    assert_converts(Fn(lambda x: x * scale), [sample(2, 3, dtype=torch.int32)], expect="aten.mul.Tensor")


def test_symbolic_size_operand():
    """A dynamic size promotes like a Python int: an int32 tensor times it stays int32."""
    assert_converts(Fn(lambda x: x * x.shape[0]), [sample(3, 4, dtype=torch.int32)], expect="aten.mul.Tensor",
                    dynamic=BATCH)
    assert_converts(Fn(lambda x: x / x.shape[0]), [sample(3, 4, scale=3)], expect="aten.div.Tensor", dynamic=BATCH)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64])
def test_rsub(dtype):
    assert_converts(Fn(lambda x: 2 - x), [sample(2, 3, dtype=dtype, scale=3)], expect="aten.rsub.Scalar", dynamic=BATCH)
    assert_converts(Fn2(lambda x, y: torch.rsub(x, y, alpha=2)), [sample(2, 3, dtype=dtype, scale=3), sample(3, dtype=dtype, seed=1, scale=3)],
                    expect="aten.rsub.Tensor", dynamic=BATCH)


# ---- division --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.int64])
def test_true_divide(dtype):
    """int / int is float in PyTorch."""
    assert_converts(Fn2(torch.div), [sample(2, 3, 4, dtype=dtype, scale=3), _nonzero(2, 3, 4, dtype=dtype)],
                    expect="aten.div.Tensor")


def test_divide_by_scalar_dynamic():
    assert_converts(Fn(lambda x: x / 3), [sample(2, 3, dtype=torch.int32)], expect="aten.div.Tensor", dynamic=BATCH)
    assert_converts(Fn(lambda x: aten.div.Scalar(x, 4.0)), [sample(2, 3, scale=3)], expect="aten.div.Scalar", dynamic=BATCH)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.int64])
def test_divide_rounding_mode(mode, dtype):
    """Mixed signs on both sides: trunc rounds toward zero, floor toward minus infinity."""
    assert_converts(Fn2(lambda x, y: torch.div(x, y, rounding_mode=mode)),
                    [sample(3, 5, dtype=dtype, low=-20, high=20, scale=3), _nonzero(3, 5, dtype=dtype)],
                    expect="aten.div.Tensor_mode")


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("divisor", [3, -3, 2.5])
def test_divide_rounding_mode_scalar(mode, divisor):
    x = sample(3, 5, dtype=torch.int32, low=-20, high=20)
    assert_converts(Fn(lambda x: torch.div(x, divisor, rounding_mode=mode)), [x], expect="aten.div.Tensor_mode",
                    dynamic=BATCH)
    assert_converts(Fn(lambda x: aten.div.Scalar_mode(x, divisor, rounding_mode=mode)), [x],
                    expect="aten.div.Scalar_mode")


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_divide_rounding_mode_scalar_dynamic(mode):
    x = sample(3, 5, dtype=torch.int32, low=-20, high=20)
    assert_converts(Fn(lambda x: aten.div.Scalar_mode(x, -3, rounding_mode=mode)), [x],
                    expect="aten.div.Scalar_mode", dynamic=BATCH)


def test_floor_divide_operator():
    assert_converts(Fn(lambda x: x // 4), [sample(3, 5, dtype=torch.int64, low=-20, high=20)],
                    expect="aten.div.Tensor_mode", dynamic=BATCH)


# ---- remainder / fmod ------------------------------------------------------------------------

@pytest.mark.parametrize("op", ["remainder", "fmod"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.int64])
def test_remainder_tensor(op, dtype):
    """remainder takes the divisor's sign (Python %), fmod the dividend's (C fmod)."""
    fn = getattr(torch, op)
    assert_converts(Fn2(fn), [sample(3, 5, dtype=dtype, low=-20, high=20, scale=3), _nonzero(3, 5, dtype=dtype)],
                    expect=f"aten.{op}.Tensor")


@pytest.mark.parametrize("op", ["remainder", "fmod"])
@pytest.mark.parametrize("divisor", [3, -3, 1.5, -0.75, 0.37])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32])
def test_remainder_scalar(op, divisor, dtype):
    fn = getattr(torch, op)
    assert_converts(Fn(lambda x: fn(x, divisor)), [sample(3, 5, dtype=dtype, low=-20, high=20, scale=3)],
                    expect=f"aten.{op}.Scalar", dynamic=BATCH)


@pytest.mark.parametrize("op", ["remainder", "fmod"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32])
def test_remainder_tensor_dynamic(op, dtype):
    # The divisor is a weight, so the harness's resampled inputs at the range ends cannot hold a zero.
    fn, divisor = getattr(torch, op), _nonzero(5, dtype=dtype)
    assert_converts(Fn(lambda x: fn(x, divisor)), [sample(3, 5, dtype=dtype, low=-20, high=20, scale=3)],
                    expect=f"aten.{op}.Tensor", dynamic=BATCH)


def test_remainder_quotient_rounding_up():
    """a / b rounds up to an integer here: the remainder must come out just inside b, not just outside 0."""
    a = torch.tensor([-14.811552047729492, 5.5, -7.25])
    b = torch.tensor([-5.413915641838685e-05, 2.0, 3.0])
    assert_converts(Fn2(torch.remainder), [a, b], expect="aten.remainder.Tensor")


def test_remainder_scalar_tensor():
    assert_converts(Fn(lambda x: 5 % x), [_nonzero(3, 5, dtype=torch.int32)], expect="aten.remainder.Scalar_Tensor")
    assert_converts(Fn(lambda x: 5.5 % x), [sample(3, 5, scale=3)], expect="aten.remainder.Scalar_Tensor", dynamic=BATCH)


# ---- pow -------------------------------------------------------------------------------------

@pytest.mark.parametrize("exponent", [2, 3, 1, 0.5, -0.5, -1, -2, 2.5, 0, 4])
def test_pow_tensor_scalar_float(exponent):
    assert_converts(Fn(lambda x: torch.pow(x.abs() + 0.1, exponent)), [sample(2, 3, 4, scale=3)], expect="aten.pow.Tensor_Scalar",
                    dynamic=BATCH)


def test_pow_negative_base_integer_exponent():
    assert_converts(Fn(lambda x: x ** 3), [sample(2, 3, 4, scale=3)], expect="aten.pow.Tensor_Scalar", dynamic=BATCH)
    assert_converts(Fn(lambda x: x ** 5.0), [sample(2, 3, 4, scale=3)], expect="aten.pow.Tensor_Scalar", dynamic=BATCH)


@pytest.mark.parametrize("exponent", [0, 1, 2, 3, 7])
@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_pow_integer_tensor(exponent, dtype):
    assert_converts(Fn(lambda x: x ** exponent), [sample(2, 3, dtype=dtype, scale=3)], expect="aten.pow.Tensor_Scalar",
                    dynamic=BATCH)


def test_pow_integer_tensor_float_exponent_is_float():
    assert_converts(Fn(lambda x: x ** 0.5), [sample(2, 3, dtype=torch.int32, low=0)], expect="aten.pow.Tensor_Scalar")


def test_pow_tensor_tensor():
    assert_converts(Fn2(lambda x, y: torch.pow(x.abs(), y)), [sample(2, 3, 4, scale=3), sample(4, seed=1, scale=3)],
                    expect="aten.pow.Tensor_Tensor", dynamic=BATCH)


def test_pow_tensor_tensor_integer():
    base, exponent = sample(3, 4, dtype=torch.int32, low=-6, high=6), sample(3, 4, dtype=torch.int32, low=0, high=5, seed=1)
    assert_converts(Fn2(torch.pow), [base, exponent], expect="aten.pow.Tensor_Tensor")


@pytest.mark.parametrize("base", [2, 2.5, 0.5])
def test_pow_scalar_base(base):
    assert_converts(Fn(lambda x: base ** x), [sample(2, 3, scale=3)], expect="aten.pow.Scalar", dynamic=BATCH)


def test_pow_scalar_base_integer_exponent():
    assert_converts(Fn(lambda x: 3 ** x), [sample(2, 3, dtype=torch.int64, low=0, high=9)], expect="aten.pow.Scalar")


# ---- maximum / minimum -----------------------------------------------------------------------

@pytest.mark.parametrize("op", ["maximum", "minimum"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.bool])
def test_maximum_minimum(op, dtype):
    fn = getattr(torch, op)
    assert_converts(Fn2(fn), [sample(2, 3, 4, dtype=dtype, scale=3), sample(3, 1, dtype=dtype, seed=1, scale=3)], expect=f"aten.{op}.default",
                    dynamic=BATCH)


def test_maximum_promotes():
    assert_converts(Fn2(torch.maximum), [sample(2, 3, dtype=torch.int32), sample(2, 3, seed=1, scale=3)], expect="aten.maximum.default")


def test_zero_dim_runtime_operands():
    """0-d tensors computed at run time (a reduction) broadcast against full tensors and scalars."""
    assert_converts(Fn(lambda x: (x.sum() + 1) * x - x.amax() / 2), [sample(2, 3, scale=3)],
                    expect=["aten.add.Tensor", "aten.mul.Tensor", "aten.div.Tensor", "aten.sub.Tensor"],
                    dynamic=BATCH)
    assert_converts(Fn(lambda x: x.sum() * 2), [sample(2, 3, dtype=torch.int32)], expect="aten.mul.Tensor", dynamic=BATCH)


# ---- atan2 / copysign ------------------------------------------------------------------------

def test_atan2_all_quadrants_axes_and_origin():
    y = torch.tensor([1.0, 1.0, -1.0, -1.0, 0.0, 0.0, 2.0, -2.0, 0.0, 1e-30, 3.0])
    x = torch.tensor([1.0, -1.0, -1.0, 1.0, 1.0, -1.0, 0.0, 0.0, 0.0, -5.0, 1e-30])
    assert_converts(Fn2(torch.atan2), [y, x], expect="aten.atan2.default")


def test_atan2_dynamic_broadcast_and_integers():
    assert_converts(Fn2(torch.atan2), [sample(2, 3, 4, scale=3), sample(4, seed=1, scale=3)], expect="aten.atan2.default", dynamic=BATCH)
    assert_converts(Fn2(torch.atan2), [sample(2, 3, dtype=torch.int32), sample(2, 3, dtype=torch.int32, seed=1)],
                    expect="aten.atan2.default")


def test_copysign():
    assert_converts(Fn2(torch.copysign), [sample(2, 3, 4, scale=3), sample(4, seed=1, scale=3)], expect="aten.copysign.Tensor", dynamic=BATCH)
    assert_converts(Fn(lambda x: torch.copysign(x, -1.0)), [sample(2, 3, scale=3)], expect="aten.copysign.Scalar", dynamic=BATCH)
    assert_converts(Fn2(torch.copysign), [sample(2, 3, dtype=torch.int64), sample(2, 3, seed=1, scale=3)],
                    expect="aten.copysign.Tensor")
