"""NORMALIZATION (layer, instance, group), SCALE and LRN."""

from __future__ import annotations

import math

import pytest
import torch

from trtrepo.reference import UnsupportedLayerError

from ..helpers import assert_near


def _norm(build, x, scale, bias, axes, groups=1, eps=0.0, v2=False):
    def define(n, trt):
        x_in = n.input("x", x.dtype, tuple(x.shape))
        add = n.network.add_normalization_v2 if v2 else n.network.add_normalization
        layer = add(x_in, n.const(scale, x.dtype), n.const(bias, x.dtype), axes)
        layer.epsilon = eps
        layer.num_groups = groups
        return layer.get_output(0)

    return build(define).out(x=x)


def test_layer_norm_over_last_axis(build):
    # rows [1, 3] and [2, 6]: mean 2 / 4, biased std 1 / 2 -> normalised [-1, 1] both
    x = torch.tensor([[1.0, 3.0], [2.0, 6.0]])
    out = _norm(build, x, [[2.0, 1.0]], [[0.5, -0.5]], axes=0b10)
    assert_near(out, [[-1.5, 0.5], [-1.5, 0.5]])


def test_epsilon_is_added_to_variance(build):
    x = torch.tensor([[0.0, 2.0]])  # variance 1
    out = _norm(build, x, [[1.0, 1.0]], [[0.0, 0.0]], axes=0b10, eps=3.0)
    assert_near(out, [[-0.5, 0.5]])  # (x - 1) / sqrt(1 + 3)


def test_instance_norm_per_channel(build):
    x = torch.tensor([[[0.0, 4.0], [1.0, 1.0]]])  # [N=1, C=2, W=2]; channel 1 has zero variance
    out = _norm(build, x, [[[1.0], [3.0]]], [[[0.0], [7.0]]], axes=0b100, eps=1e-5)
    assert_near(out, [[[-2 / math.sqrt(4 + 1e-5), 2 / math.sqrt(4 + 1e-5)], [7.0, 7.0]]])


X4 = torch.tensor([[[1.0, 3.0], [5.0, 7.0], [0.0, 0.0], [2.0, 2.0]]])  # [N=1, C=4, W=2]


def test_group_norm_with_per_group_scale(build):
    # 2 groups of 2 channels: group 0 = {1, 3, 5, 7} (mean 4, var 5), group 1 = {0, 0, 2, 2} (mean 1, var 1)
    out = _norm(build, X4, [[[2.0], [10.0]]], [[[0.0], [1.0]]], axes=0b100, groups=2)
    s5 = math.sqrt(5)
    expected = [[[-6 / s5, -2 / s5], [2 / s5, 6 / s5], [-9.0, -9.0], [11.0, 11.0]]]
    assert_near(out, expected, rtol=1e-5)


def test_group_norm_v2_with_per_channel_scale(build):
    scale = [[[1.0], [2.0], [3.0], [4.0]]]
    out = _norm(build, X4, scale, [[[0.0], [0.0], [0.0], [0.0]]], axes=0b100, groups=2, v2=True)
    s5 = math.sqrt(5)
    expected = [[[-3 / s5, -1 / s5], [2 / s5, 6 / s5], [-3.0, -3.0], [4.0, 4.0]]]
    assert_near(out, expected, rtol=1e-5)


def _scale(build, x, mode, shift, scale, power, channel_axis=1):
    def define(n, trt):
        x_in = n.input("x", torch.float32, tuple(x.shape))
        w = [n.weights(v, torch.float32) if v is not None else trt.Weights(trt.float32) for v in (shift, scale, power)]
        return n.network.add_scale_nd(x_in, getattr(trt.ScaleMode, mode), *w, channel_axis).get_output(0)

    return build(define).out(x=x)


def test_scale_uniform_with_power(build):
    x = torch.tensor([[[[1.0, 2.0]]]])
    assert_near(_scale(build, x, "UNIFORM", [1.0], [2.0], [2.0]), [[[[9.0, 25.0]]]])


def test_scale_per_channel_without_power(build):
    x = torch.ones(1, 2, 1, 2)
    out = _scale(build, x, "CHANNEL", [0.5, -1.0], [2.0, 3.0], None)
    assert_near(out, [[[[2.5, 2.5]], [[2.0, 2.0]]]])


def test_scale_elementwise_from_channel_axis(build):
    x = torch.ones(1, 2, 1, 2)
    out = _scale(build, x, "ELEMENTWISE", None, [1.0, 2.0, 3.0, 4.0], None)
    assert_near(out, [[[[1.0, 2.0]], [[3.0, 4.0]]]])


def _lrn(build, x, window, alpha, beta, k):
    def define(n, trt):
        return n.network.add_lrn(n.input("x", x.dtype, tuple(x.shape)), window, alpha, beta, k).get_output(0)

    return build(define).out(x=x)


def test_lrn_sums_squares_over_a_centred_window_of_channels(build):
    # channels hold 0, 1, 2, 3, 4 (the operator page's example input); window 3, alpha 1, beta 1, k 0.1:
    # y_c = c / (0.1 + (1/3) * sum of squares of channels c-1..c+1, cut at the edges)
    x = torch.arange(5, dtype=torch.float32).reshape(1, 5, 1, 1).expand(1, 5, 2, 2).contiguous()
    sums = [0 + 1, 0 + 1 + 4, 1 + 4 + 9, 4 + 9 + 16, 9 + 16]
    expected = [c / (0.1 + s / 3) for c, s in enumerate(sums)]
    out = _lrn(build, x, 3, 1.0, 1.0, 0.1)
    assert_near(out, torch.tensor(expected).reshape(1, 5, 1, 1).expand(1, 5, 2, 2).contiguous())


def test_lrn_window_one_with_fractional_beta_and_half_precision(build):
    x = torch.tensor([2.0, 3.0, 1.0, 4.0]).reshape(1, 2, 2, 1).to(torch.float16)
    out = _lrn(build, x, 1, 0.5, 0.75, 2.0)
    xf = x.float()
    expected = (xf / (2.0 + 0.5 * xf**2) ** 0.75).to(torch.float16)  # window 1: each element alone, rounded once
    assert_near(out, expected, rtol=0, atol=0)


@pytest.mark.parametrize("shape", [(1, 1, 2, 2, 1)])
def test_lrn_beyond_four_dimensions_is_refused(build, shape):
    with pytest.raises(UnsupportedLayerError, match="LRN of a 5-D input is not implemented"):
        _lrn(build, torch.ones(shape), 3, 1.0, 0.75, 1.0)
