"""UNARY against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from trtrepo.errors import ReferenceExecutionError

from ..helpers import assert_exact, assert_near


def _run(build, op: str, x: torch.Tensor):
    def define(n, trt):
        return n.network.add_unary(n.input("x", x.dtype, tuple(x.shape)), getattr(trt.UnaryOperation, op)).get_output(0)

    return build(define).out(x=x)


V = [0.25, 0.5, 0.75]
FLOAT_CASES = [
    ("EXP", V, [math.exp(v) for v in V]),
    ("LOG", V, [math.log(v) for v in V]),
    ("SQRT", V, [math.sqrt(v) for v in V]),
    ("RECIP", V, [4.0, 2.0, 4 / 3]),
    ("ABS", [-1.5, 0.0, 2.0], [1.5, 0.0, 2.0]),
    ("NEG", [-1.5, 0.0, 2.0], [1.5, -0.0, -2.0]),
    ("SIN", V, [math.sin(v) for v in V]),
    ("COS", V, [math.cos(v) for v in V]),
    ("TAN", V, [math.tan(v) for v in V]),
    ("SINH", V, [math.sinh(v) for v in V]),
    ("COSH", V, [math.cosh(v) for v in V]),
    ("ASIN", V, [math.asin(v) for v in V]),
    ("ACOS", V, [math.acos(v) for v in V]),
    ("ATAN", V, [math.atan(v) for v in V]),
    ("ASINH", V, [math.asinh(v) for v in V]),
    ("ACOSH", [1.0, 2.0, 3.0], [math.acosh(v) for v in (1.0, 2.0, 3.0)]),
    ("ATANH", V, [math.atanh(v) for v in V]),
    ("CEIL", [-1.5, 0.2, 2.0], [-1.0, 1.0, 2.0]),
    ("FLOOR", [-1.5, 0.2, 2.0], [-2.0, 0.0, 2.0]),
    ("ERF", V, [math.erf(v) for v in V]),
    ("SIGN", [-3.0, 0.0, 0.5], [-1.0, 0.0, 1.0]),
    ("ROUND", [0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6], [0.0, 2.0, 2.0, -0.0, -2.0, 2.0, 3.0]),
]


@pytest.mark.parametrize(("op", "x", "expected"), FLOAT_CASES, ids=[c[0] for c in FLOAT_CASES])
def test_float_unary(build, op, x, expected):
    assert_near(_run(build, op, torch.tensor(x)), expected)


def test_every_unary_operation_is_covered():
    from trtrepo.trt_flavour import trt

    names = {n for n in dir(trt().UnaryOperation) if n.isupper()}
    assert names == {c[0] for c in FLOAT_CASES} | {"NOT", "ISINF", "ISNAN"}


def test_not_on_bool(build):
    assert_exact(_run(build, "NOT", torch.tensor([True, False])), [False, True], torch.bool)


def test_isinf_isnan_output_bool(build):
    x = torch.tensor([1.0, float("inf"), float("-inf"), float("nan")])
    assert_exact(_run(build, "ISINF", x), [False, True, True, False], torch.bool)
    assert_exact(_run(build, "ISNAN", x), [False, False, False, True], torch.bool)


def test_abs_and_sign_on_int32(build):
    x = torch.tensor([-3, 0, 7], dtype=torch.int32)
    assert_exact(_run(build, "ABS", x), [3, 0, 7], torch.int32)
    assert_exact(_run(build, "SIGN", x), [-1, 0, 1], torch.int32)


def test_half_input_stays_half(build):
    out = _run(build, "SQRT", torch.tensor([2.0], dtype=torch.float16))
    assert_exact(out, torch.tensor([math.sqrt(2)]).to(torch.float16))


@pytest.mark.no_trt_build("EXP of int32 is invalid; the interpreter must refuse it too")
def test_float_only_op_on_int_is_an_error(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (2,))
        as_int = n.network.add_cast(x, trt.int32).get_output(0)
        return n.network.add_unary(as_int, trt.UnaryOperation.EXP).get_output(0)

    with pytest.raises(ReferenceExecutionError, match=r"\(#1, UNARY\): unary EXP on int32\[2\] is not supported"):
        build(define).out(x=torch.tensor([1.0, 2.0]))
