"""ELEMENTWISE and SELECT against hand-computed values."""

from __future__ import annotations

import pytest
import torch

from trtrepo.errors import ReferenceExecutionError

from ..helpers import assert_exact, assert_near


def _binary(build, op: str, a: torch.Tensor, b: torch.Tensor):
    def define(n, trt):
        x = n.input("a", a.dtype, tuple(a.shape))
        y = n.input("b", b.dtype, tuple(b.shape))
        return n.network.add_elementwise(x, y, getattr(trt.ElementWiseOperation, op)).get_output(0)

    return build(define).out(a=a, b=b)


A = torch.tensor([[1.0, -2.0, 3.0]])
B = torch.tensor([[2.0], [-4.0]])  # broadcasts against A to [2, 3]

FLOAT_CASES = [
    ("SUM", [[3.0, 0.0, 5.0], [-3.0, -6.0, -1.0]]),
    ("PROD", [[2.0, -4.0, 6.0], [-4.0, 8.0, -12.0]]),
    ("MAX", [[2.0, 2.0, 3.0], [1.0, -2.0, 3.0]]),
    ("MIN", [[1.0, -2.0, 2.0], [-4.0, -4.0, -4.0]]),
    ("SUB", [[-1.0, -4.0, 1.0], [5.0, 2.0, 7.0]]),
    ("DIV", [[0.5, -1.0, 1.5], [-0.25, 0.5, -0.75]]),
    ("FLOOR_DIV", [[0.0, -1.0, 1.0], [-1.0, 0.0, -1.0]]),
    ("POW", [[1.0, 4.0, 9.0], [1.0, 1 / 16, 1 / 81]]),
]


@pytest.mark.parametrize(("op", "expected"), FLOAT_CASES, ids=[c[0] for c in FLOAT_CASES])
def test_float_ops_broadcast(build, op, expected):
    assert_near(_binary(build, op, A, B), expected)


def test_comparisons_output_bool(build):
    a, b = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 2.0])
    assert_exact(_binary(build, "EQUAL", a, b), [False, True, False], torch.bool)
    assert_exact(_binary(build, "GREATER", a, b), [False, False, True], torch.bool)
    assert_exact(_binary(build, "LESS", a, b), [True, False, False], torch.bool)


def test_logical_ops_on_bool(build):
    a = torch.tensor([True, True, False, False])
    b = torch.tensor([True, False, True, False])
    assert_exact(_binary(build, "AND", a, b), [True, False, False, False], torch.bool)
    assert_exact(_binary(build, "OR", a, b), [True, True, True, False], torch.bool)
    assert_exact(_binary(build, "XOR", a, b), [False, True, True, False], torch.bool)
    assert_exact(_binary(build, "EQUAL", a, b), [True, False, False, True], torch.bool)


def test_int32_division_truncates_and_floor_div_floors(build):
    a = torch.tensor([7, -7, 7, -7, 6], dtype=torch.int32)
    b = torch.tensor([2, 2, -2, -2, 3], dtype=torch.int32)
    assert_exact(_binary(build, "DIV", a, b), [3, -3, -3, 3, 2], torch.int32)
    assert_exact(_binary(build, "FLOOR_DIV", a, b), [3, -4, -4, 3, 2], torch.int32)


def test_int32_arithmetic_and_comparison(build):
    a = torch.tensor([[1, 5]], dtype=torch.int32)
    b = torch.tensor([[3], [-2]], dtype=torch.int32)
    assert_exact(_binary(build, "SUM", a, b), [[4, 8], [-1, 3]], torch.int32)
    assert_exact(_binary(build, "PROD", a, b), [[3, 15], [-2, -10]], torch.int32)
    assert_exact(_binary(build, "GREATER", a, b), [[False, True], [True, True]], torch.bool)


def test_int64_shape_arithmetic(build):
    a = torch.tensor([6, 10], dtype=torch.int64)
    b = torch.tensor([4, 3], dtype=torch.int64)
    assert_exact(_binary(build, "SUB", a, b), [2, 7], torch.int64)


def test_integer_division_by_zero_is_an_error(build):
    a = torch.tensor([1], dtype=torch.int32)
    with pytest.raises(ReferenceExecutionError, match="by zero"):
        _binary(build, "DIV", a, torch.tensor([0], dtype=torch.int32))


def test_half_sum_rounds_once(build):
    a = torch.tensor([1.0], dtype=torch.float16)
    b = torch.tensor([2.0**-11], dtype=torch.float16)  # half an ulp of 1.0: ties to even -> 1.0
    assert_exact(_binary(build, "SUM", a, b), torch.tensor([1.0], dtype=torch.float16))


def test_bfloat16_prod(build):
    a = torch.tensor([1.5, 3.0], dtype=torch.bfloat16)
    assert_exact(_binary(build, "PROD", a, a), torch.tensor([2.25, 9.0], dtype=torch.bfloat16))


def test_select_broadcasts(build):
    def define(n, trt):
        c = n.input("c", torch.bool, (2, 1))
        t = n.input("t", torch.float32, (1, 3))
        e = n.input("e", torch.float32, (2, 3))
        return n.network.add_select(c, t, e).get_output(0)

    out = build(define).out(
        c=torch.tensor([[True], [False]]),
        t=torch.tensor([[1.0, 2.0, 3.0]]),
        e=torch.tensor([[-1.0, -2.0, -3.0], [-4.0, -5.0, -6.0]]),
    )
    assert_exact(out, [[1.0, 2.0, 3.0], [-4.0, -5.0, -6.0]], torch.float32)
