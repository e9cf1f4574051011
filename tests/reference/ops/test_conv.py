"""CONVOLUTION and DECONVOLUTION with hand-summed windows."""

from __future__ import annotations

import torch

from ..helpers import assert_exact

X = torch.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
ONES = torch.ones(1, 1, 2, 2)


def _conv(build, x, kernel, bias=None, configure=None, kernel_as_input=False):
    maps = kernel.shape[0]

    def define(n, trt):
        x_in = n.input("x", x.dtype, tuple(x.shape))
        empty = trt.Weights(n.dtype(x.dtype))
        k = empty if kernel_as_input else n.weights(kernel)
        b = empty if bias is None or kernel_as_input else n.weights(bias)
        layer = n.network.add_convolution_nd(x_in, maps, tuple(kernel.shape[2:]), k, b)
        if kernel_as_input:
            layer.set_input(1, n.const(kernel))
            if bias is not None:
                layer.set_input(2, n.const(bias))
        if configure:
            configure(trt, layer)
        return layer.get_output(0)

    return build(define).out(x=x)


def test_plain_conv_with_bias(build):
    out = _conv(build, X, ONES, torch.tensor([10.0]))
    assert_exact(out, [[[[22.0, 26.0], [34.0, 38.0]]]], torch.float32)


def test_padding_and_stride(build):
    def configure(trt, layer):
        layer.padding_nd = (1, 1)
        layer.stride_nd = (2, 2)

    assert_exact(_conv(build, X, ONES, configure=configure), [[[[1.0, 5.0], [11.0, 28.0]]]], torch.float32)


def test_dilation(build):
    def configure(trt, layer):
        layer.dilation_nd = (2, 2)

    assert_exact(_conv(build, X, ONES, configure=configure), [[[[20.0]]]], torch.float32)  # 1 + 3 + 7 + 9


def test_groups(build):
    x = torch.cat([X, -X], dim=1)
    kernel = torch.stack([torch.ones(1, 2, 2), 2 * torch.ones(1, 2, 2)])  # [2 maps, 1 channel/group, 2, 2]

    def configure(trt, layer):
        layer.num_groups = 2

    expected = [[[[12.0, 16.0], [24.0, 28.0]], [[-24.0, -32.0], [-48.0, -56.0]]]]
    assert_exact(_conv(build, x, kernel, configure=configure), expected, torch.float32)


def test_same_upper_and_same_lower(build):
    def mode(name):
        def configure(trt, layer):
            layer.padding_mode = getattr(trt.PaddingMode, name)

        return configure

    upper = [[[[12.0, 16.0, 9.0], [24.0, 28.0, 15.0], [15.0, 17.0, 9.0]]]]
    lower = [[[[1.0, 3.0, 5.0], [5.0, 12.0, 16.0], [11.0, 24.0, 28.0]]]]
    assert_exact(_conv(build, X, ONES, configure=mode("SAME_UPPER")), upper, torch.float32)
    assert_exact(_conv(build, X, ONES, configure=mode("SAME_LOWER")), lower, torch.float32)


def test_explicit_round_up_includes_partial_window(build):
    def configure(trt, layer):
        layer.stride_nd = (2, 2)
        layer.padding_mode = trt.PaddingMode.EXPLICIT_ROUND_UP

    assert_exact(_conv(build, X, ONES, configure=configure), [[[[12.0, 9.0], [15.0, 9.0]]]], torch.float32)


def test_kernel_and_bias_as_tensor_inputs(build):
    kernel = torch.tensor([[[[1.0, 0.0], [0.0, -1.0]]]])
    out = _conv(build, X, kernel, torch.tensor([0.5]), kernel_as_input=True)
    assert_exact(out, [[[[-3.5, -3.5], [-3.5, -3.5]]]], torch.float32)  # x[i, j] - x[i+1, j+1] + 0.5


def test_half_conv(build):
    out = _conv(build, X.half(), ONES.half(), torch.tensor([10.0]).half())
    assert_exact(out, torch.tensor([[[[22.0, 26.0], [34.0, 38.0]]]], dtype=torch.float16))


def test_bfloat16_conv_reads_bfloat16_kernel_weights(build):
    kernel = torch.tensor([[[[0.5, 0.0], [0.0, 0.25]]]])  # x[i, j] / 2 + x[i+1, j+1] / 4
    out = _conv(build, X.bfloat16(), kernel.bfloat16())
    assert_exact(out, torch.tensor([[[[1.75, 2.5], [4.0, 4.75]]]], dtype=torch.bfloat16))


def _deconv(build, x, kernel, maps, configure=None):
    def define(n, trt):
        x_in = n.input("x", torch.float32, tuple(x.shape))
        layer = n.network.add_deconvolution_nd(
            x_in, maps, tuple(kernel.shape[2:]), n.weights(kernel), trt.Weights(trt.float32)
        )
        if configure:
            configure(trt, layer)
        return layer.get_output(0)

    return build(define).out(x=x)


D = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])


def test_deconv_stride_2_replicates_blocks(build):
    def configure(trt, layer):
        layer.stride_nd = (2, 2)

    expected = [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [3.0, 3.0, 4.0, 4.0], [3.0, 3.0, 4.0, 4.0]]]]
    assert_exact(_deconv(build, D, ONES, 1, configure), expected, torch.float32)


def test_deconv_overlapping_and_trimmed(build):
    full = [[[[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]]]]
    assert_exact(_deconv(build, D, ONES, 1), full, torch.float32)

    def configure(trt, layer):
        layer.pre_padding = (1, 1)

    assert_exact(_deconv(build, D, ONES, 1, configure), [[[[10.0, 6.0], [7.0, 4.0]]]], torch.float32)


def test_deconv_same_upper_and_lower(build):
    x = torch.tensor([[[[1.0, 2.0]]]])
    kernel = torch.ones(1, 1, 1, 3)  # full output [1, 1, 3, 2, 2]

    def mode(name):
        def configure(trt, layer):
            layer.stride_nd = (1, 2)
            layer.padding_mode = getattr(trt.PaddingMode, name)

        return configure

    assert_exact(_deconv(build, x, kernel, 1, mode("SAME_UPPER")), [[[[1.0, 1.0, 3.0, 2.0]]]], torch.float32)
    assert_exact(_deconv(build, x, kernel, 1, mode("SAME_LOWER")), [[[[1.0, 3.0, 2.0, 2.0]]]], torch.float32)


def test_deconv_kernel_as_tensor_input(build):
    def define(n, trt):
        x_in = n.input("x", torch.float32, (1, 1, 2, 2))
        empty = trt.Weights(trt.float32)
        layer = n.network.add_deconvolution_nd(x_in, 1, (2, 2), empty, empty)
        layer.set_input(1, n.const(ONES))
        layer.set_input(2, n.const([100.0], torch.float32))
        layer.stride_nd = (2, 2)
        return layer.get_output(0)

    expected = torch.tensor([[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [3.0, 3.0, 4.0, 4.0], [3.0, 3.0, 4.0, 4.0]])
    assert_exact(build(define).out(x=D), (expected + 100).reshape(1, 1, 4, 4))


def test_deconv_groups(build):
    x = torch.cat([D, 10 * D], dim=1)
    kernel = torch.tensor([2.0, 3.0]).reshape(2, 1, 1, 1)  # [C_in=2, maps/groups=1, 1, 1]

    def configure(trt, layer):
        layer.num_groups = 2

    expected = [[[[2.0, 4.0], [6.0, 8.0]], [[30.0, 60.0], [90.0, 120.0]]]]
    assert_exact(_deconv(build, x, kernel, 2, configure), expected, torch.float32)
