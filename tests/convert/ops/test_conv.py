"""Convolution converters: 1-d/2-d/3-d, grouped, depthwise, dilated, strided, transposed."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.convert.harness import assert_converts, convert_module
from trtrepo.errors import UnsupportedOpsError

CONV = "aten.convolution.default"
DYN_BATCH = {0: {0: (1, 4)}}


def _seeded(module: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    for p in module.parameters():
        nn.init.uniform_(p, -0.5, 0.5)
    return module


@pytest.mark.parametrize("kwargs", [
    {},
    {"stride": 2, "padding": 1},
    {"dilation": 2, "padding": 2},
    {"groups": 3},
    {"bias": False, "padding": "same"},
    {"padding": "same", "kernel_size": 4},  # even kernel: asymmetric padding via a pad op
    {"padding_mode": "reflect", "padding": 1},
    {"padding_mode": "circular", "padding": 2},
])
def test_conv1d(kwargs):
    kwargs = {"kernel_size": 3, **kwargs}
    module = _seeded(nn.Conv1d(6, 9, **kwargs))
    assert_converts(module, [torch.randn(2, 6, 20)], expect=CONV, dynamic={0: {0: (1, 4), 2: (8, 32)}})


@pytest.mark.parametrize("kwargs", [
    {},
    {"stride": 2, "padding": 1},
    {"stride": (2, 1), "padding": (0, 2), "kernel_size": (3, 5)},
    {"dilation": (2, 3), "padding": 1},
    {"groups": 2},
    {"groups": 6, "out_channels": 12},  # depthwise with multiplier 2
    {"bias": False},
    {"padding": "same", "kernel_size": 4},
    {"padding_mode": "replicate", "padding": 1},
])
def test_conv2d(kwargs):
    kwargs = {"in_channels": 6, "out_channels": 8, "kernel_size": 3, **kwargs}
    module = _seeded(nn.Conv2d(**kwargs))
    assert_converts(module, [torch.randn(2, 6, 10, 12)], expect=CONV, dynamic=DYN_BATCH)


def test_conv2d_dynamic_spatial():
    module = _seeded(nn.Conv2d(3, 4, 3, stride=2, padding=1))
    assert_converts(module, [torch.randn(2, 3, 10, 12)], expect=CONV, dynamic={0: {0: (1, 4), 2: (8, 32), 3: (5, 20)}})


@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "groups": 2}, {"dilation": 2, "bias": False}])
def test_conv3d(kwargs):
    module = _seeded(nn.Conv3d(4, 6, 3, **kwargs))
    assert_converts(module, [torch.randn(2, 4, 7, 8, 9)], expect=CONV, dynamic={0: {0: (1, 4), 2: (6, 12)}})


@pytest.mark.parametrize("kwargs", [
    {},
    {"stride": 2},
    {"stride": 2, "padding": 1, "output_padding": 1},
    {"stride": 3, "padding": 1, "output_padding": 2},  # output_padding > padding: zero-extended, late bias
    {"stride": 3, "output_padding": 1, "bias": False},
    {"dilation": 2, "padding": 2},
    {"stride": 2, "dilation": 2, "output_padding": 1},  # strided and dilated: kernel spread out
    {"groups": 2, "stride": 2},
])
def test_conv_transpose1d(kwargs):
    module = _seeded(nn.ConvTranspose1d(4, 6, 3, **kwargs))
    assert_converts(module, [torch.randn(2, 4, 10)], expect=CONV, dynamic={0: {0: (1, 4), 2: (5, 20)}})


@pytest.mark.parametrize("kwargs", [
    {},
    {"stride": 2, "padding": 1, "output_padding": 1},
    {"stride": (2, 3), "padding": (0, 1), "output_padding": (1, 2)},
    {"stride": 2, "output_padding": 1},  # output_padding > padding
    {"dilation": (1, 2), "stride": 2, "padding": 1},
    {"groups": 2, "bias": False},
    {"groups": 4, "out_channels": 4},  # depthwise
    {"kernel_size": 4, "stride": 2, "padding": 1},  # the usual 2x upsampler
])
def test_conv_transpose2d(kwargs):
    kwargs = {"in_channels": 4, "out_channels": 6, "kernel_size": 3, **kwargs}
    module = _seeded(nn.ConvTranspose2d(**kwargs))
    assert_converts(module, [torch.randn(2, 4, 7, 8)], expect=CONV, dynamic={0: {0: (1, 4), 3: (4, 16)}})


@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "output_padding": 1}, {"stride": 2, "output_padding": 1}])
def test_conv_transpose3d(kwargs):
    module = _seeded(nn.ConvTranspose3d(3, 4, 3, **kwargs))
    assert_converts(module, [torch.randn(2, 3, 4, 5, 6)], expect=CONV, dynamic=DYN_BATCH)


class Functional(nn.Module):
    def __init__(self, fn, weight, bias=None):
        super().__init__()
        self.fn = fn
        self.weight = nn.Parameter(weight)
        self.bias = None if bias is None else nn.Parameter(bias)

    def forward(self, x):
        return self.fn(x, self.weight, self.bias)


def test_conv_with_folded_weight():
    """A kernel computed from weights (here scaled) is folded into a constant before conversion."""
    torch.manual_seed(0)
    module = Functional(lambda x, w, b: F.conv2d(x, w * 0.5, b, padding=1), torch.randn(5, 3, 3, 3), torch.randn(5))
    assert_converts(module, [torch.randn(2, 3, 6, 6)], expect=CONV, dynamic=DYN_BATCH)


def test_unbatched_conv2d():
    module = _seeded(nn.Conv2d(3, 4, 3, padding=1))
    assert_converts(module, [torch.randn(3, 6, 7)], expect=CONV)


def test_integer_conv_is_rejected():
    class IntConv(nn.Module):
        def forward(self, x):
            w = torch.ones(2, 3, 1, 1, dtype=torch.int64)
            return torch.ops.aten.convolution.default(x, w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)

    with pytest.raises(UnsupportedOpsError, match="non-floating-point input"):
        convert_module(IntConv(), [torch.randint(0, 5, (1, 3, 4, 4))])
