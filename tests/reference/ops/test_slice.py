"""SLICE (static, dynamic, sample modes, axes) and PADDING."""

from __future__ import annotations

import pytest
import torch

from trtrepo.errors import ReferenceExecutionError

from ..helpers import assert_exact

ROW = torch.tensor([0.0, 1.0, 2.0, 3.0])  # value == index


def _slice(build, x, start, size, stride, mode=None, configure=None):
    def define(n, trt):
        layer = n.network.add_slice(n.input("x", x.dtype, tuple(x.shape)), start, size, stride)
        if mode:
            layer.mode = getattr(trt.SampleMode, mode)
        if configure:
            configure(n, layer)
        return layer.get_output(0)

    return build(define).out(x=x)


def test_header_example(build):
    # NvInfer.h: input {{0,2,4},{1,3,5}}, start {1,0}, size {1,2}, stride {1,2} -> {{1,5}}
    x = torch.tensor([[0, 2, 4], [1, 3, 5]], dtype=torch.int32)
    assert_exact(_slice(build, x, (1, 0), (1, 2), (1, 2)), [[1, 5]], torch.int32)


def test_negative_stride_reverses(build):
    assert_exact(_slice(build, ROW, (3,), (4,), (-1,)), [3.0, 2.0, 1.0, 0.0], torch.float32)
    assert_exact(_slice(build, ROW, (3,), (2,), (-2,)), [3.0, 1.0], torch.float32)


def test_zero_stride_repeats(build):
    assert_exact(_slice(build, ROW, (2,), (3,), (0,)), [2.0, 2.0, 2.0], torch.float32)


def test_wrap_mode(build):
    # coordinates -2, -1, 0, 1, 2, 3, 4, 5 -> mod 4
    out = _slice(build, ROW, (-2,), (8,), (1,), "WRAP")
    assert_exact(out, [2.0, 3.0, 0.0, 1.0, 2.0, 3.0, 0.0, 1.0], torch.float32)


def test_clamp_mode(build):
    out = _slice(build, ROW, (-2,), (8,), (1,), "CLAMP")
    assert_exact(out, [0.0, 0.0, 0.0, 1.0, 2.0, 3.0, 3.0, 3.0], torch.float32)


def test_fill_mode_default_zero(build):
    out = _slice(build, ROW + 10, (-2,), (8,), (1,), "FILL")
    assert_exact(out, [0.0, 0.0, 10.0, 11.0, 12.0, 13.0, 0.0, 0.0], torch.float32)


def test_fill_mode_with_fill_value_input(build):
    def configure(n, layer):
        layer.set_input(4, n.const(-7.0, torch.float32))

    out = _slice(build, ROW, (-1,), (6,), (1,), "FILL", configure)
    assert_exact(out, [-7.0, 0.0, 1.0, 2.0, 3.0, -7.0], torch.float32)


def test_reflect_mode(build):
    # d = 4, period 6; x = -3..6 -> c = |x| mod 6 -> c >= 4 ? 6 - c : c
    out = _slice(build, ROW, (-3,), (10,), (1,), "REFLECT")
    assert_exact(out, [3.0, 2.0, 1.0, 0.0, 1.0, 2.0, 3.0, 2.0, 1.0, 0.0], torch.float32)


@pytest.mark.no_trt_build("the out-of-bounds slice is provably wrong at build time")
def test_strict_bounds_out_of_range_is_an_error(build):
    with pytest.raises(ReferenceExecutionError, match="STRICT_BOUNDS"):
        _slice(build, ROW, (2,), (4,), (1,))


def test_dynamic_start_size_stride(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (2, 4))
        layer = n.network.add_slice(x, (0, 0), (1, 1), (1, 1))
        layer.set_input(1, n.const([1, 3], torch.int32))
        layer.set_input(2, n.const([1, 2], torch.int64))
        layer.set_input(3, n.const([1, -2], torch.int32))
        return layer.get_output(0)

    x = torch.tensor([[0.0, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]])
    assert_exact(build(define).out(x=x), [[7.0, 5.0]], torch.float32)


def test_axes_attribute_slices_only_listed_axes(build):
    def configure(n, layer):
        layer.axes = (-1,)

    x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    out = _slice(build, x, (1,), (2,), (1,), configure=configure)
    assert_exact(out, [[1.0, 2.0], [4.0, 5.0]], torch.float32)


def test_axes_input(build):
    # NvInfer.h: input {{0,2,4},{1,3,5}}, start {1}, size {2}, stride {1}, axes {1} -> {{2,4},{3,5}}
    def configure(n, layer):
        layer.set_input(5, n.const([1], torch.int32))

    x = torch.tensor([[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]])
    out = _slice(build, x, (1,), (2,), (1,), configure=configure)
    assert_exact(out, [[2.0, 4.0], [3.0, 5.0]], torch.float32)


def test_padding_pads_and_crops_last_two_dims(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (1, 1, 2, 3))
        return n.network.add_padding_nd(x, (1, -1), (0, 1)).get_output(0)

    x = torch.tensor([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]])
    expected = [[[[0.0, 0.0, 0.0], [2.0, 3.0, 0.0], [5.0, 6.0, 0.0]]]]
    assert_exact(build(define).out(x=x), expected, torch.float32)
