"""CONSTANT, IDENTITY, CAST, SHAPE, FILL and ASSERTION."""

from __future__ import annotations

import pytest
import torch

from trtrepo.errors import ReferenceExecutionError

from ..helpers import assert_exact


@pytest.mark.parametrize(
    "value",
    [
        torch.tensor([[1.5, -2.0], [0.25, 8.0]], dtype=torch.float32),
        torch.tensor([1.5, -2.0, 65504.0], dtype=torch.float16),
        torch.tensor([1.5, -2.0, 3.0e38], dtype=torch.bfloat16),
        torch.tensor([[1, -2, 3]], dtype=torch.int32),
        torch.tensor([2**40, -1], dtype=torch.int64),
        pytest.param(
            torch.tensor([-128, 127], dtype=torch.int8),
            marks=pytest.mark.no_trt_build("an int8 constant must feed a dequantize"),
        ),
        torch.tensor([True, False, True]),
        torch.tensor(3.5),
    ],
    ids=["f32", "f16", "bf16", "i32", "i64", "i8", "bool", "scalar"],
)
def test_constant_round_trips_its_weights(build, value):
    out = build(lambda n, trt: n.const(value)).out()
    assert_exact(out, value.clone())


def test_identity(build):
    x = torch.tensor([1.0, 2.0], dtype=torch.float16)
    out = build(lambda n, trt: n.network.add_identity(n.input("x", x.dtype, (2,))).get_output(0)).out(x=x)
    assert_exact(out, x.clone())


def _cast(build, x: torch.Tensor, to: torch.dtype):
    def define(n, trt):
        return n.network.add_cast(n.input("x", x.dtype, tuple(x.shape)), n.dtype(to)).get_output(0)

    return build(define).out(x=x)


def test_cast_float_to_int_truncates_toward_zero(build):
    x = torch.tensor([1.2, 8.9, -1.2, -8.9, 0.5, -0.5])
    assert_exact(_cast(build, x, torch.int32), [1, 8, -1, -8, 0, 0], torch.int32)
    assert_exact(_cast(build, x, torch.int64), [1, 8, -1, -8, 0, 0], torch.int64)


def test_cast_int_to_bool_and_bool_to_float(build):
    assert_exact(_cast(build, torch.tensor([0, 3, -1], dtype=torch.int32), torch.bool), [False, True, True], torch.bool)
    assert_exact(_cast(build, torch.tensor([True, False]), torch.float32), [1.0, 0.0], torch.float32)


def test_cast_float_to_half_rounds_to_nearest_even(build):
    x = torch.tensor([1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, 70000.0])
    out = _cast(build, x, torch.float16)
    assert_exact(out, torch.tensor([1.0, 1.0 + 2.0**-9, float("inf")], dtype=torch.float16))


def test_cast_half_to_float_and_int32_to_int64(build):
    assert_exact(
        _cast(build, torch.tensor([0.1], dtype=torch.float16), torch.float32),
        torch.tensor([0.1], dtype=torch.float16).float(),
    )
    assert_exact(_cast(build, torch.tensor([-5], dtype=torch.int32), torch.int64), [-5], torch.int64)


def test_shape_is_int64(build):
    out = build(lambda n, trt: n.network.add_shape(n.input("x", torch.float32, (2, -1, 4))).get_output(0)).out(
        x=torch.zeros(2, 3, 4)
    )
    assert_exact(out, [2, 3, 4], torch.int64)


def test_fill_linspace_static(build):
    def define(n, trt):
        layer = n.network.add_fill((4,), trt.FillOperation.LINSPACE, trt.float32)
        layer.alpha, layer.beta = 1.0, 0.5
        return layer.get_output(0)

    assert_exact(build(define).out(), [1.0, 1.5, 2.0, 2.5], torch.float32)


def test_fill_linspace_dynamic_matches_header_example(build):
    # NvInfer.h: dimensions [3, 4], alpha 1, beta [100, 10] -> element [i, j] = 1 + 100 i + 10 j
    def define(n, trt):
        layer = n.network.add_fill((0,), trt.FillOperation.LINSPACE, trt.int32)
        layer.set_input(0, n.const([3, 4], torch.int64))
        layer.set_input(1, n.const(1, torch.int32))
        layer.set_input(2, n.const([100, 10], torch.int32))
        return layer.get_output(0)

    expected = [[1, 11, 21, 31], [101, 111, 121, 131], [201, 211, 221, 231]]
    assert_exact(build(define).out(), expected, torch.int32)


def test_fill_random_is_refused(build):
    def define(n, trt):
        return n.network.add_fill((3,), trt.FillOperation.RANDOM_UNIFORM, trt.float32).get_output(0)

    with pytest.raises(ReferenceExecutionError, match="RANDOM_UNIFORM"):
        build(define).out()


def _assertion_net(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (-1,))
        size = n.network.add_shape(x).get_output(0)
        limit = n.const([3], torch.int64)
        ok = n.network.add_elementwise(size, limit, trt.ElementWiseOperation.LESS).get_output(0)
        n.network.add_assertion(ok, "x must be shorter than 3")
        return n.network.add_identity(x).get_output(0)

    return build(define)


def test_assertion_passes(build):
    assert_exact(_assertion_net(build).out(x=torch.tensor([1.0, 2.0])), [1.0, 2.0], torch.float32)


@pytest.mark.no_trt_build("the assertion is provably false for the pinned shapes")
def test_assertion_failure_raises_its_message(build):
    with pytest.raises(ReferenceExecutionError, match="x must be shorter than 3"):
        _assertion_net(build).out(x=torch.tensor([1.0, 2.0, 3.0]))
