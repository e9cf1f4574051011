"""QUANTIZE/DEQUANTIZE: INT8 round-half-even and saturation, per-channel axis, FP8 E4M3 rounding.

Expected values are worked out by hand in the comments (x / scale, rounded, clamped, times scale).
"""

from __future__ import annotations

import numpy as np
import torch

from ..helpers import assert_exact


def _round_trip(build, x, scale, qtype, axis=None):
    def define(n, trt):
        value = n.input("x", torch.float32, tuple(x.shape))
        s = n.const(np.asarray(scale, dtype=np.float32))
        q = n.network.add_quantize(value, s, getattr(trt.DataType, qtype))
        dq = n.network.add_dequantize(q.get_output(0), s, trt.DataType.FLOAT)
        if axis is not None:
            q.axis = dq.axis = axis
        return dq.get_output(0)

    return build(define).out(x=x)


def test_int8_rounds_half_to_even_and_saturates(build):
    # x / 0.5 = 0.5, 1.5, -0.5, 2.5, 200, -200, -127.8 -> 0, 2, -0, 2, 127, -128, -128 -> times 0.5
    x = torch.tensor([0.25, 0.75, -0.25, 1.25, 100.0, -100.0, -63.9])
    assert_exact(_round_trip(build, x, 0.5, "INT8"), [0.0, 1.0, -0.0, 1.0, 63.5, -64.0, -64.0], torch.float32)


def test_int8_per_channel_scales_follow_the_axis(build):
    # column scales 1 and 2: [[1, 0.5], [3, -1.5]] -> [[1, 0], [3, -2]] -> [[1, 0], [3, -4]]
    x = torch.tensor([[1.0, 1.0], [3.0, -3.0]])
    assert_exact(_round_trip(build, x, [1.0, 2.0], "INT8", axis=1), [[1.0, 0.0], [3.0, -4.0]], torch.float32)


def test_fp8_rounds_to_nearest_e4m3_and_saturates_at_448(build):
    # near 1 E4M3 steps by 1/8: 1.0625 ties to 1.0 (even), 1.1875 to 1.25; 0.3 is 9.6 steps of 1/32 -> 10;
    # beyond 448 saturates
    x = torch.tensor([1.0625, 1.1875, 0.3, 500.0, -1000.0])
    assert_exact(_round_trip(build, x, 1.0, "FP8"), [1.0, 1.25, 0.3125, 448.0, -448.0], torch.float32)


def test_fp8_scale_divides_first(build):
    # 600 / 2 = 300: in [256, 512) E4M3 steps by 32, 300 -> 288; times 2 -> 576
    assert_exact(_round_trip(build, torch.tensor([600.0]), 2.0, "FP8"), [576.0], torch.float32)
