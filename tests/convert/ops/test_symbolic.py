"""Arithmetic on symbolic sizes (SymInt, SymFloat, SymBool) feeding view/expand/arange/full/slice or tensor math."""

from __future__ import annotations

import math

import pytest
import torch

from tests.convert.harness import Fn, assert_converts, convert_module
from trtrepo.errors import UnsupportedOpsError


@pytest.mark.parametrize("make,op", [
    (lambda x: x.view(x.shape[0] * 3, -1), "operator.mul"),
    (lambda x: torch.arange(x.shape[0] + 2), "operator.add"),
    (lambda x: torch.zeros(x.shape[0] - 1, 2), "operator.sub"),
    (lambda x: torch.arange(x.shape[0] // 2), "operator.floordiv"),
    (lambda x: torch.full((x.shape[0] % 3 + 2,), 1.5), "operator.mod"),
    (lambda x: x[:, :1].expand(x.shape[0], x.shape[0] * 2 - 1, 4), "operator.sub"),
], ids=["mul_view", "add_arange", "sub_zeros", "floordiv_arange", "mod_full", "expand"])
def test_size_arithmetic(make, op):
    # Every shape point (4, 6, 9) is checked: mod 3 and // 2 differ across them.
    x = torch.randn(6, 3, 4)
    assert_converts(Fn(lambda x: (make(x), x + 1)), [x], expect=op, dynamic={0: {0: (4, 9)}})


def test_chained_arithmetic_in_reshape():
    # reshape of a non-contiguous tensor with two dynamic dims traces products and quotients of sizes.
    x = torch.randn(3, 4, 5)
    # The product is also used as a value: the view converter infers the reshape's sizes itself.
    converted = assert_converts(Fn(lambda x: x.transpose(0, 2).reshape(-1, x.shape[0] * x.shape[1])
                                   * (x.shape[0] * x.shape[1])), [x],
                                expect=["operator.mul", "aten._unsafe_view.default"],
                                dynamic={0: {0: (2, 6), 1: (2, 5)}})
    assert "aten.sym_size.int" in converted.result.converters_used


# ---- SymFloat: true division, sym_float, float arithmetic, trunc/floor/ceil -------------------

@pytest.mark.parametrize("make,op", [
    (lambda x: x * (x.shape[0] / 3), "operator.truediv"),
    (lambda x: x * torch.sym_float(x.shape[0]), "torch.sym_float"),
    (lambda x: x * (x.shape[0] * 0.5), "operator.mul"),
    (lambda x: x * (x.shape[0] / 2 - x.shape[1] / 4), "operator.sub"),
    (lambda x: x * (x.shape[0] / 4 + 0.25), "operator.add"),
    (lambda x: x * ((x.shape[0] / 2) // 1.5), "math.floor"),  # a float // traces to floor(a / b)
    (lambda x: x * ((x.shape[0] / 2) % 1.5), "operator.mod"),
    (lambda x: x * ((x.shape[0] / 4) ** 2), "operator.pow"),
    (lambda x: x * (x.shape[0] ** 2), "operator.pow"),
    (lambda x: x * -(x.shape[0] / 2), "operator.neg"),
    (lambda x: x * torch.sym_max(x.shape[0] / 2, 3.0), "torch.sym_max"),
    (lambda x: x * torch.sym_min(x.shape[0] / 2, 3.0), "torch.sym_min"),
], ids=["truediv", "sym_float", "mul_float", "sub_floats", "add_float", "floordiv_float", "mod_float",
        "pow_float", "pow_int", "neg", "sym_max_float", "sym_min_float"])
def test_float_arithmetic_on_sizes(make, op):
    # Shape points 5, 7 and 11 (and x.shape[1] 3..6): none of the quotients is a whole number.
    x = torch.randn(7, 5)
    assert_converts(Fn(make), [x], expect=op, dynamic={0: {0: (5, 11), 1: (3, 6)}})


@pytest.mark.parametrize("make,op,bounds", [
    (lambda x: torch.zeros(torch.sym_int(x.shape[0] * 1.5), 2), "math.trunc", (2, 9)),
    (lambda x: x * torch.sym_int(-(x.shape[0] * 0.5)), "math.trunc", (2, 9)),
    (lambda x: torch.arange(torch.sym_int(x.shape[0] * 0.5)).float(), "math.trunc", (6, 13)),
    (lambda x: torch.arange(math.floor(x.shape[0] / 3)).float(), "math.floor", (6, 14)),
    (lambda x: torch.arange(math.ceil(x.shape[0] / 5)).float(), "math.ceil", (6, 14)),
    (lambda x: torch.full((2,), x.shape[0] / 3), "operator.truediv", (2, 9)),
], ids=["trunc_zeros", "trunc_negative", "trunc_arange", "floor_arange", "ceil_arange", "full"])
def test_float_sizes_become_sizes(make, op, bounds):
    # Shape points: the example's 7 and both bounds, so every rounding is exercised off whole numbers.
    x = torch.randn(7, 12)
    assert_converts(Fn(lambda x: (make(x), x + 1)), [x], expect=op, dynamic={0: {0: bounds}})


@pytest.mark.parametrize("make,op", [
    (lambda x: torch.zeros(torch.sym_max(x.shape[0], x.shape[1]), 2), "torch.sym_max"),
    (lambda x: torch.zeros(torch.sym_min(x.shape[0], x.shape[1]), 2), "torch.sym_min"),
    (lambda x: x * -x.shape[0], "operator.neg"),
], ids=["sym_max", "sym_min", "neg"])
def test_integer_functions_of_sizes(make, op):
    x = torch.randn(4, 6)
    assert_converts(Fn(lambda x: (make(x), x + 1)), [x], expect=op, dynamic={0: {0: (2, 9), 1: (3, 7)}})


# ---- SymBool: comparisons, and/or, sym_not ----------------------------------------------------

@pytest.mark.parametrize("make,op", [
    (lambda x: x * (x.shape[0] > 5), "operator.gt"),
    (lambda x: x * (x.shape[0] < 7), "operator.lt"),
    (lambda x: x * (x.shape[0] >= 7), "operator.ge"),
    (lambda x: x * (x.shape[0] <= 5), "operator.le"),
    (lambda x: x * (x.shape[0] == x.shape[1]), "operator.eq"),
    (lambda x: x * (x.shape[0] != x.shape[1]), "operator.ne"),
    (lambda x: x * (x.shape[0] / 2 > 2.5), "operator.gt"),
    (lambda x: x * ((x.shape[0] > 5) & (x.shape[1] < 5)), "operator.and_"),
    (lambda x: x * ((x.shape[0] > 5) | (x.shape[1] < 5)), "operator.or_"),
    (lambda x: x * torch.sym_not(x.shape[0] > 5), "torch.sym_not"),
], ids=["gt", "lt", "ge", "le", "eq", "ne", "gt_float", "and", "or", "sym_not"])
def test_symbolic_bools(make, op):
    # x.shape[0] takes 3, 5 and 9; x.shape[1] 3, 4 and 6: each comparison is true at some point and false at another.
    x = torch.randn(5, 4)
    assert_converts(Fn(make), [x], expect=op, dynamic={0: {0: (3, 9), 1: (3, 6)}})


def test_symbolic_ops_compute_in_float32_in_low_precision_engines():
    from trtrepo.convert.precision import compute_dtype

    for op in ("operator.truediv", "operator.mul", "math.floor", "torch.sym_float", "operator.gt"):
        assert compute_dtype(op, "n", "fp16", {}, {}) == torch.float32


def test_bitwise_and_of_symbolic_ints_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="bitwise and/or of symbolic integers"):
        convert_module(Fn(lambda x: x * (x.shape[0] & 3)), [torch.randn(5, 2)], {0: {0: (2, 9)}})


def test_tensor_valued_python_operator_is_rejected():
    # A Python operator on a tensor is not arithmetic on sizes: torch.export never leaves one, a
    # hand-made graph may.
    from trtrepo.convert.ops.symbolic import NUMBER_RESULT

    graph = torch.fx.Graph()
    x = graph.placeholder("x")
    x.meta["val"] = torch.empty(2)
    node = graph.call_function(torch.sym_not, (x,))
    node.meta["val"] = torch.empty(2, dtype=torch.bool)
    assert not NUMBER_RESULT.accepts(node)
