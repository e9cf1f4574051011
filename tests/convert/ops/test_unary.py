"""Unary math: exp/log/sqrt/trig/erf/reciprocal, abs/neg/sign, rounding, rsqrt, log1p/expm1, isnan/isinf."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, assert_converts
from tests.convert.samples import sample

INF, NAN = float("inf"), float("nan")


BATCH = {0: {0: (1, 6)}}


# Each function maps any float input into its op's domain, so resampled dynamic inputs stay valid.
FLOAT_OPS = {
    "exp": lambda x: torch.exp(x),
    "log": lambda x: torch.log(x.abs() + 0.01),
    "sqrt": lambda x: torch.sqrt(x.abs()),
    "reciprocal": lambda x: torch.reciprocal(x),
    "sin": lambda x: torch.sin(x),
    "cos": lambda x: torch.cos(x),
    "tan": lambda x: torch.tan(x),
    "asin": lambda x: torch.asin(torch.clamp(x, -0.99, 0.99)),
    "acos": lambda x: torch.acos(torch.clamp(x, -0.99, 0.99)),
    "atan": lambda x: torch.atan(x),
    "sinh": lambda x: torch.sinh(x),
    "cosh": lambda x: torch.cosh(x),
    "asinh": lambda x: torch.asinh(x),
    "acosh": lambda x: torch.acosh(x.abs() + 1.01),
    "atanh": lambda x: torch.atanh(torch.clamp(x, -0.99, 0.99)),
    "erf": lambda x: torch.erf(x),
    "rsqrt": lambda x: torch.rsqrt(x.abs() + 0.01),
    "log2": lambda x: torch.log2(x.abs() + 0.01),
    "log10": lambda x: torch.log10(x.abs() + 0.01),
    "log1p": lambda x: torch.log1p(x.abs() - 0.99),
    "expm1": lambda x: torch.expm1(x),
    "exp2": lambda x: torch.exp2(x),
}


@pytest.mark.parametrize("op", sorted(FLOAT_OPS))
def test_float_unary(op):
    assert_converts(Fn(FLOAT_OPS[op]), [sample(2, 3, 4, scale=2)], expect=f"aten.{op}.default", dynamic=BATCH)


@pytest.mark.parametrize("op", ["exp", "sqrt", "sin", "erf", "reciprocal", "log2", "log1p", "expm1", "rsqrt"])
def test_float_unary_of_integer_tensor_is_float(op):
    fn = getattr(torch, op)
    assert_converts(Fn(fn), [sample(3, 4, dtype=torch.int32, low=1, high=9)], expect=f"aten.{op}.default")


@pytest.mark.parametrize("op", ["log1p", "expm1"])
def test_log1p_expm1_relative_accuracy_near_zero(op):
    """Tiny arguments keep full relative precision (the naive formulas lose all of it at 1e-8)."""
    x = torch.tensor([1e-10, -3e-8, 1e-6, -2e-5, 1e-3, 0.3, -0.3, 0.9, -0.5, 2.0, 30.0, 0.0])
    assert_converts(Fn(getattr(torch, op)), [x], expect=f"aten.{op}.default", rtol=2e-6, atol=0)


def test_log1p_expm1_special_values():
    x = torch.tensor([-1.0, -INF, -100.0, 100.0, 1e30])
    assert_converts(Fn(lambda x: torch.log1p(x.clamp(min=-1))), [x], expect="aten.log1p.default")
    assert_converts(Fn(lambda x: torch.expm1(x.clamp(max=80))), [x], expect="aten.expm1.default")


# ---- sign-aware ops, also on integers --------------------------------------------------------

@pytest.mark.parametrize("op", ["abs", "neg", "sign"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.int64])
def test_signed_unary(op, dtype):
    assert_converts(Fn(getattr(torch, op)), [sample(2, 3, 4, dtype=dtype, scale=2)], expect=f"aten.{op}.default", dynamic=BATCH)


def test_sign_of_zero_and_bool():
    assert_converts(Fn(torch.sign), [torch.tensor([-2.0, -0.0, 0.0, 3.0])], expect="aten.sign.default")
    assert_converts(Fn(lambda x: torch.sign(x > 0)), [sample(2, 3, scale=2)], expect="aten.sign.default")


# ---- rounding --------------------------------------------------------------------------------

HALVES = torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -0.7, 0.7, 1.2, -1.2, 0.0])


@pytest.mark.parametrize("op", ["floor", "ceil", "round", "trunc"])
def test_rounding(op):
    """round is half-to-even like torch.round; trunc goes toward zero."""
    assert_converts(Fn(getattr(torch, op)), [HALVES], expect=f"aten.{op}.default")
    assert_converts(Fn(getattr(torch, op)), [sample(2, 3, 4, scale=2)], expect=f"aten.{op}.default", dynamic=BATCH)


@pytest.mark.parametrize("op", ["floor", "ceil", "round", "trunc"])
def test_rounding_integer_is_identity(op):
    assert_converts(Fn(lambda x: getattr(torch, op)(x) + 1), [sample(2, 3, dtype=torch.int32)], expect=f"aten.{op}.default")


@pytest.mark.parametrize("decimals", [1, 2, -1])
def test_round_decimals(decimals):
    x = torch.tensor([1.25, 2.675, -0.125, 15.0, 25.0, -35.0, 0.05, 123.456])
    assert_converts(Fn(lambda x: torch.round(x, decimals=decimals)), [x], expect="aten.round.decimals")
    assert_converts(Fn(lambda x: torch.round(x, decimals=decimals)), [sample(2, 3, scale=2) * 10], expect="aten.round.decimals",
                    dynamic=BATCH)


# ---- predicates ------------------------------------------------------------------------------

SPECIAL = torch.tensor([1.0, INF, -INF, NAN, 0.0, -2.5])


@pytest.mark.parametrize("op", ["isnan", "isinf"])
def test_predicates(op):
    assert_converts(Fn(getattr(torch, op)), [SPECIAL], expect=f"aten.{op}.default")
    assert_converts(Fn(lambda x: getattr(torch, op)(torch.log(x))), [sample(2, 3, scale=2)], expect=f"aten.{op}.default",
                    dynamic=BATCH)


@pytest.mark.parametrize("op", ["isnan", "isinf"])
def test_predicates_on_integers_are_false(op):
    assert_converts(Fn(getattr(torch, op)), [sample(2, 3, dtype=torch.int32)], expect=f"aten.{op}.default")


def test_erfc():
    assert_converts(Fn(torch.special.erfc), [sample(2, 3, 4, scale=2)], expect="aten.erfc.default", dynamic=BATCH)
