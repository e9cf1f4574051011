"""POOLING: MAX, AVERAGE (padding counted or not), MAX_AVERAGE_BLEND, padding modes."""

from __future__ import annotations

import torch

from ..helpers import assert_exact

X = torch.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def _pool(build, kind, window=(2, 2), configure=None, x=X):
    def define(n, trt):
        layer = n.network.add_pooling_nd(n.input("x", x.dtype, tuple(x.shape)), getattr(trt.PoolingType, kind), window)
        if configure:
            configure(trt, layer)
        return layer.get_output(0)

    return build(define).out(x=x)


def test_max_and_average(build):
    assert_exact(_pool(build, "MAX"), [[[[5.0, 6.0], [8.0, 9.0]]]], torch.float32)
    assert_exact(_pool(build, "AVERAGE"), [[[[3.0, 4.0], [6.0, 7.0]]]], torch.float32)


def _padded(exclude: bool):
    def configure(trt, layer):
        layer.padding_nd = (1, 1)
        layer.stride_nd = (2, 2)
        layer.average_count_excludes_padding = exclude

    return configure


def test_average_count_excludes_padding_by_default_semantics(build):
    # windows of the padded 5x5 input: {1}, {2, 3}, {4, 7}, {5, 6, 8, 9}
    assert_exact(_pool(build, "AVERAGE", configure=_padded(True)), [[[[1.0, 2.5], [5.5, 7.0]]]], torch.float32)


def test_average_count_includes_padding(build):
    assert_exact(_pool(build, "AVERAGE", configure=_padded(False)), [[[[0.25, 1.25], [2.75, 7.0]]]], torch.float32)


def test_max_ignores_padding(build):
    assert_exact(_pool(build, "MAX", configure=_padded(True), x=-X), [[[[-1.0, -2.0], [-4.0, -5.0]]]], torch.float32)


def test_explicit_round_up_adds_partial_windows(build):
    def configure(trt, layer):
        layer.stride_nd = (2, 2)
        layer.padding_mode = trt.PaddingMode.EXPLICIT_ROUND_UP
        layer.average_count_excludes_padding = False

    # the overhang past the input is not counted even when padding is
    assert_exact(_pool(build, "AVERAGE", configure=configure), [[[[3.0, 4.5], [7.5, 9.0]]]], torch.float32)
    assert_exact(_pool(build, "MAX", configure=configure), [[[[5.0, 6.0], [8.0, 9.0]]]], torch.float32)


def test_same_upper(build):
    def configure(trt, layer):
        layer.padding_mode = trt.PaddingMode.SAME_UPPER

    # P = 1 per axis, all of it after the data: windows start at 0, 1, 2
    assert_exact(
        _pool(build, "MAX", configure=configure), [[[[5.0, 6.0, 6.0], [8.0, 9.0, 9.0], [8.0, 9.0, 9.0]]]], torch.float32
    )


def test_max_average_blend(build):
    def configure(trt, layer):
        layer.blend_factor = 0.25

    # 0.75 * max + 0.25 * average
    assert_exact(_pool(build, "MAX_AVERAGE_BLEND", configure=configure), [[[[4.5, 5.5], [7.5, 8.5]]]], torch.float32)


def test_3d_max_pooling(build):
    x = torch.arange(8.0).reshape(1, 1, 2, 2, 2)
    assert_exact(_pool(build, "MAX", window=(2, 2, 2), x=x), [[[[[7.0]]]]], torch.float32)


def test_half_average(build):
    out = _pool(build, "AVERAGE", x=X.half())
    assert_exact(out, torch.tensor([[[[3.0, 4.0], [6.0, 7.0]]]], dtype=torch.float16))
