"""Padding converters: constant (any dims, negative = crop, non-zero value), reflect, replicate, circular."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.convert.harness import Fn, assert_converts

DYN_BATCH = {0: {0: (1, 4)}}


class Pad(nn.Module):
    def __init__(self, pads, mode="constant", value=None):
        super().__init__()
        self.pads, self.mode, self.value = pads, mode, value

    def forward(self, x):
        if self.mode == "constant":
            return F.pad(x, self.pads, value=self.value or 0.0)
        return F.pad(x, self.pads, mode=self.mode)


@pytest.mark.parametrize("pads, value", [
    ((1, 2), None),
    ((1, 2, 0, 3), 1.5),
    ((2, 1, -1, 3), -2.0),  # negative pad crops
    ((-1, -2), None),
    ((1, 1, 2, 0, 1, 1), 0.5),  # three dims
    ((1, 0, 1, 0, 1, 0, 1, 0), 3.0),  # every dim, the batch included
])
def test_constant_pad(pads, value):
    assert_converts(Pad(pads, value=value), [torch.randn(2, 3, 6, 7)], expect="aten.pad.default", dynamic=DYN_BATCH)


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_constant_pad_integer(dtype):
    x = torch.randint(-5, 5, (2, 3, 6), dtype=dtype)
    assert_converts(Fn(lambda t: F.pad(t, (2, 1), value=7)), [x], expect="aten.pad.default", dynamic=DYN_BATCH)


def test_constant_pad_dynamic_spatial():
    assert_converts(Pad((1, 2, 3, -1), value=2.0), [torch.randn(2, 3, 10, 12)], expect="aten.pad.default",
                    dynamic={0: {0: (1, 4), 2: (8, 32), 3: (2, 16)}})


def test_constant_pad_nd():
    module = Fn(lambda t: torch.ops.aten.constant_pad_nd.default(t, [1, -2, 2, 1], 0.25))
    assert_converts(module, [torch.randn(2, 3, 10, 7)], expect="aten.constant_pad_nd.default",
                    dynamic={0: {0: (1, 4), 2: (8, 32)}})


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pads", [
    ((2, 3, 9), (2, 3)),
    ((2, 3, 6, 7), (1, 2, 3, 0)),
    ((2, 2, 5, 6, 7), (1, 2, 2, 1, 0, 3)),
    ((3, 6, 7), (2, 1, 1, 2)),  # unbatched
])
def test_pad_modes(mode, shape, pads):
    assert_converts(Pad(pads, mode=mode), [torch.randn(shape)], expect="aten.pad.default", dynamic=DYN_BATCH)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_pad_modes_dynamic_spatial(mode):
    assert_converts(Pad((2, 3, 1, 4), mode=mode), [torch.randn(2, 3, 10, 12)], expect="aten.pad.default",
                    dynamic={0: {0: (1, 4), 2: (8, 32)}})


@pytest.mark.parametrize("op, pads, shape", [
    (torch.ops.aten.reflection_pad1d.default, [2, 3], (2, 3, 9)),
    (torch.ops.aten.reflection_pad2d.default, [1, 2, 3, 0], (2, 3, 6, 7)),
    (torch.ops.aten.reflection_pad3d.default, [1, 2, 2, 1, 0, 3], (2, 2, 5, 6, 7)),
    (torch.ops.aten.replication_pad1d.default, [2, 3], (2, 3, 9)),
    (torch.ops.aten.replication_pad2d.default, [1, 2, 3, 0], (2, 3, 6, 7)),
    (torch.ops.aten.replication_pad3d.default, [1, 2, 2, 1, 0, 3], (2, 2, 5, 6, 7)),
    (torch.ops.aten._pad_circular.default, [1, 2, 3, 0], (2, 3, 6, 7)),
])
def test_pad_aten_overloads(op, pads, shape):
    name = "aten." + op._schema.name.split("::")[-1] + ".default"
    assert_converts(Fn(lambda t: op(t, pads)), [torch.randn(shape)], expect=name, dynamic={0: {0: (1, 4), 2: (5, 12)}})


def test_zero_pad_module():
    assert_converts(nn.ZeroPad2d((1, 2, 3, 4)), [torch.randn(2, 3, 6, 7)], expect="aten.pad.default",
                    dynamic=DYN_BATCH)
