"""REDUCE, SOFTMAX, TOPK and CUMULATIVE."""

from __future__ import annotations

import math

import pytest
import torch

from trtrepo.errors import ReferenceExecutionError

from ..helpers import assert_exact, assert_near

X = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[-1.0, 0.5], [2.0, -3.0], [0.0, 1.0]]])  # [2, 3, 2]


def _reduce(build, op, axes, keep, x=X):
    def define(n, trt):
        x_in = n.input("x", x.dtype, tuple(x.shape))
        return n.network.add_reduce(x_in, getattr(trt.ReduceOperation, op), axes, keep).get_output(0)

    return build(define).out(x=x)


def test_sum_over_last_axis_keep_dims(build):
    expected = [[[3.0], [7.0], [11.0]], [[-0.5], [-1.0], [1.0]]]
    assert_exact(_reduce(build, "SUM", 0b100, True), expected, torch.float32)


def test_sum_over_first_and_last_axes_without_keep_dims(build):
    assert_exact(_reduce(build, "SUM", 0b101, False), [2.5, 6.0, 12.0], torch.float32)


def test_prod_max_min_avg_over_middle_axis(build):
    assert_exact(_reduce(build, "PROD", 0b010, False), [[15.0, 48.0], [0.0, -1.5]], torch.float32)
    assert_exact(_reduce(build, "MAX", 0b010, False), [[5.0, 6.0], [2.0, 1.0]], torch.float32)
    assert_exact(_reduce(build, "MIN", 0b010, True), [[[1.0, 2.0]], [[-1.0, -3.0]]], torch.float32)
    assert_near(_reduce(build, "AVG", 0b010, False), [[3.0, 4.0], [1.0 / 3, -0.5]])


def test_reduce_all_axes(build):
    assert_exact(_reduce(build, "SUM", 0b111, False), torch.tensor(20.5))


def test_int32_sum_and_max(build):
    x = torch.tensor([[1, -5, 7], [2, 2, 2]], dtype=torch.int32)
    assert_exact(_reduce(build, "SUM", 0b10, False, x), [3, 6], torch.int32)
    assert_exact(_reduce(build, "MAX", 0b01, False, x), [2, 2, 7], torch.int32)


def test_empty_reduction_identities(build):
    x = torch.zeros(2, 0)
    assert_exact(_reduce(build, "SUM", 0b10, False, x), [0.0, 0.0], torch.float32)
    assert_exact(_reduce(build, "PROD", 0b10, False, x), [1.0, 1.0], torch.float32)
    assert_exact(_reduce(build, "MAX", 0b10, False, x), [-math.inf, -math.inf], torch.float32)


def test_half_sum_accumulates_in_float32(build):
    x = torch.tensor([2048.0, 1.0, 1.0], dtype=torch.float16)  # 2048 + 1 alone would round back
    assert_exact(_reduce(build, "SUM", 0b1, False, x), torch.tensor(2050.0, dtype=torch.float16))


def test_softmax_over_bitmask_axis(build):
    def define(n, trt):
        layer = n.network.add_softmax(n.input("x", torch.float32, (2, 2)))
        layer.axes = 1 << 0
        return layer.get_output(0)

    out = build(define).out(x=torch.tensor([[0.0, 1.0], [0.0, 3.0]]))
    # columns: softmax([0, 0]) = [0.5, 0.5]; softmax([1, 3]) = [1 / (1 + e^2), e^2 / (1 + e^2)]
    assert_near(out, [[0.5, 1 / (1 + math.e**2)], [0.5, 1 - 1 / (1 + math.e**2)]])


def _topk(build, x, op, k, axes, dynamic_k=False):
    def define(n, trt):
        layer = n.network.add_topk(n.input("x", x.dtype, tuple(x.shape)), getattr(trt.TopKOperation, op), k, axes)
        if dynamic_k:
            layer.set_input(1, n.const(k, torch.int32))
        return layer.get_output(0), layer.get_output(1)

    result = build(define).run(x=x)
    return list(result.outputs.values())


def test_topk_max_sorted_with_int32_indices(build):
    x = torch.tensor([[3.0, 1.0, 4.0, 1.5], [9.0, 2.0, 6.0, 5.0]])
    values, indices = _topk(build, x, "MAX", 2, 0b10)
    assert_exact(values, [[4.0, 3.0], [9.0, 6.0]], torch.float32)
    assert_exact(indices, [[2, 0], [0, 2]], torch.int32)


def test_topk_min_along_first_axis_dynamic_k(build):
    x = torch.tensor([[3.0, 1.0], [-1.0, 5.0], [2.0, 0.0]])
    values, indices = _topk(build, x, "MIN", 2, 0b01, dynamic_k=True)
    assert_exact(values, [[-1.0, 0.0], [2.0, 1.0]], torch.float32)
    assert_exact(indices, [[1, 2], [2, 0]], torch.int32)


def test_topk_ties_keep_lower_index_first(build):
    values, indices = _topk(build, torch.tensor([[1.0, 2.0, 2.0, 1.0]]), "MAX", 3, 0b10)
    assert_exact(indices, [[1, 2, 0]], torch.int32)


@pytest.mark.no_trt_build("k is above TopK's documented cap (the builder rejects it too)")
def test_topk_k_above_the_documented_cap_is_an_error(build):
    # add_topk itself refuses a static k of 3841; a k given as a tensor reaches the layer.
    def define(n, trt):
        layer = n.network.add_topk(n.input("x", torch.float32, (1, 3900)), trt.TopKOperation.MAX, 1, 0b10)
        layer.set_input(1, n.const(3841, torch.int32))
        return layer.get_output(0)

    with pytest.raises(ReferenceExecutionError, match="k=3841 is out of range"):
        build(define).run(x=torch.arange(3900.0).reshape(1, 3900))


@pytest.mark.no_trt_build("TopK takes no bool input")
def test_topk_of_bool_is_an_error(build):
    with pytest.raises(ReferenceExecutionError, match="TopK of bool"):
        _topk(build, torch.tensor([[True, False]]), "MAX", 1, 0b10)


@pytest.mark.parametrize(
    ("exclusive", "reverse", "expected"),
    [
        (False, False, [[1.0, 3.0, 6.0], [4.0, 9.0, 15.0]]),
        (True, False, [[0.0, 1.0, 3.0], [0.0, 4.0, 9.0]]),
        (False, True, [[6.0, 5.0, 3.0], [15.0, 11.0, 6.0]]),
        (True, True, [[5.0, 3.0, 0.0], [11.0, 6.0, 0.0]]),
    ],
)
def test_cumulative_sum(build, exclusive, reverse, expected):
    def define(n, trt):
        x = n.input("x", torch.float32, (2, 3))
        axis = n.const(-1, torch.int32)
        return n.network.add_cumulative(x, axis, trt.CumulativeOperation.SUM, exclusive, reverse).get_output(0)

    out = build(define).out(x=torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert_exact(out, expected, torch.float32)
