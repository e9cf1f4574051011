"""PT2E quantize/dequantize ops as TensorRT Q/DQ layers: INT8 and FP8, per tensor and per channel.

Scales are powers of two, so PyTorch's multiplication by 1/scale and TensorRT's division agree exactly.
"""

from __future__ import annotations

import pytest
import torch
import torch.ao.quantization.fx._decomposed  # noqa: F401
from torch import nn

import trtrepo.quantize.fp8_op  # noqa: F401
from tests.convert.harness import Fn, assert_converts, convert_module
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

qd = torch.ops.quantized_decomposed
BATCH = {0: {0: (1, 5)}}
BOUNDS = {torch.int8: (-128, 127), torch.float8_e4m3fn: (-448, 448)}


def _round_trip_fn(dtype):
    low, high = BOUNDS[dtype]

    def fn(x):
        return qd.dequantize_per_tensor(qd.quantize_per_tensor(x, 0.0625, 0, low, high, dtype),
                                        0.0625, 0, low, high, dtype)

    return fn


def test_pytorch_float8_quantize_is_refused():
    # torch rounds x / scale to an integer before the float8 cast: 0.3 -> 0, where E4M3 keeps 0.3125
    with pytest.raises(UnsupportedOpsError, match="rounds to integers first"):
        convert_module(Fn(_round_trip_fn(torch.float8_e4m3fn)), [sample(3, 8)])


def test_pytorch_float8_per_channel_quantize_is_refused():
    scales, zeros = torch.tensor([0.5] * 8), torch.zeros(8, dtype=torch.int64)

    def fn(x):
        q = qd.quantize_per_channel(x, scales, zeros, 1, -448, 448, torch.float8_e4m3fn)
        return q.to(torch.float32)

    with pytest.raises(UnsupportedOpsError, match="rounds to integers first"):
        convert_module(Fn(fn), [sample(3, 8)])


@pytest.mark.parametrize("dtype", [torch.int8])
def test_per_tensor_round_trip(dtype):
    low, high = BOUNDS[dtype]

    def fn(x):
        return qd.dequantize_per_tensor(qd.quantize_per_tensor(x, 0.0625, 0, low, high, dtype),
                                        0.0625, 0, low, high, dtype)

    assert_converts(Fn(fn), [sample(3, 8, scale=4)], dynamic=BATCH,
                    expect=["quantized_decomposed.quantize_per_tensor.default",
                            "quantized_decomposed.dequantize_per_tensor.default"])


class PerChannel(nn.Module):
    """An activation quantized per channel, and an INT8 weight dequantized per output channel."""

    def __init__(self):
        super().__init__()
        self.register_buffer("scales", torch.tensor([0.25, 0.5, 0.125, 1.0]))
        self.register_buffer("zeros", torch.zeros(4, dtype=torch.int64))
        self.register_buffer("weight", torch.randint(-127, 128, (4, 4), dtype=torch.int8))

    def forward(self, x):
        q = qd.quantize_per_channel(x, self.scales, self.zeros, 1, -128, 127, torch.int8)
        a = qd.dequantize_per_channel(q, self.scales, self.zeros, 1, -128, 127, torch.int8)
        w = qd.dequantize_per_channel(self.weight, self.scales, self.zeros, 0, -127, 127, torch.int8)
        return a @ w.t()


def test_per_channel_activation_and_weight():
    assert_converts(PerChannel(), [sample(3, 4, scale=8)], dynamic=BATCH,
                    expect=["quantized_decomposed.quantize_per_channel.default",
                            "quantized_decomposed.dequantize_per_channel.default"])


def test_e4m3_quantize_round_trip():
    def fn(x):
        q = torch.ops.trtrepo.quantize_fp8(x, 0.0625)
        return qd.dequantize_per_tensor(q, 0.0625, 0, -448, 448, torch.float8_e4m3fn)

    assert_converts(Fn(fn), [sample(3, 8, scale=4)], dynamic=BATCH, expect="trtrepo.quantize_fp8.default")


class PerChannelFP8(nn.Module):
    """A float weight quantized to FP8 per output channel, dequantized, and a matmul: the FP8 weight recipe."""

    def __init__(self, axis: int):
        super().__init__()
        self.axis = axis
        self.register_buffer("scales", torch.tensor([0.25, 0.5, 0.125, 1.0, 0.0625]))
        self.register_buffer("weight", torch.randn(5, 6) * 40)  # large enough that some values saturate

    def forward(self, x):
        weight = self.weight if self.axis == 0 else self.weight.t().contiguous()
        q = torch.ops.trtrepo.quantize_fp8_channels(weight, self.scales, self.axis)
        w = torch.ops.trtrepo.dequantize_fp8_channels(q, self.scales, self.axis)
        return x @ (w.t() if self.axis == 0 else w)


@pytest.mark.parametrize("axis", [0, 1])
def test_fp8_per_channel_weight(axis):
    assert_converts(PerChannelFP8(axis), [sample(3, 6, scale=4)], dynamic=BATCH,
                    expect=["trtrepo.quantize_fp8_channels.default", "trtrepo.dequantize_fp8_channels.default"])


def test_fp8_per_channel_matches_e4m3_rounding_and_saturation():
    # Hand-computed: 0.3 / 1 rounds to E4M3 0.3125 (not to the integer 0); 1000 / 2 saturates to 448.
    x = torch.tensor([[0.3, 1000.0], [-0.3, -1000.0]])
    q = torch.ops.trtrepo.quantize_fp8_channels(x, torch.tensor([1.0, 2.0]), 1)
    back = torch.ops.trtrepo.dequantize_fp8_channels(q, torch.tensor([1.0, 2.0]), 1)
    assert back.tolist() == [[0.3125, 896.0], [-0.3125, -896.0]]
