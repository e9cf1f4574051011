"""Resize converters: F.interpolate's nearest, nearest-exact, linear, bilinear, trilinear and bicubic modes."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.convert.harness import Fn, assert_converts, convert_module
from trtrepo.errors import UnsupportedOpsError

DYN_BATCH = {0: {0: (1, 4)}}
# Eager PyTorch computes sample coordinates and blend weights in float32 (e.g. a source coordinate
# near 30 carries an error near 2e-6), the reference in float64; eager float32 differs from eager
# float64 by up to ~3e-6 on these unit-scale inputs, so interpolating modes compare at atol 1e-5.
INTERPOLATION_ATOL = 1e-5
DYN_SPATIAL = {0: {0: (1, 4), 2: (8, 32)}}
SHAPES = {1: (2, 3, 12), 2: (2, 3, 12, 10), 3: (2, 2, 12, 6, 4)}
NEAREST_OPS = {"nearest": "aten.upsample_nearest{}d.vec", "nearest-exact": "aten._upsample_nearest_exact{}d.vec"}
LINEAR_OPS = {(1, "linear"): "aten.upsample_linear1d.vec", (2, "bilinear"): "aten.upsample_bilinear2d.vec",
              (3, "trilinear"): "aten.upsample_trilinear3d.vec", (2, "bicubic"): "aten.upsample_bicubic2d.vec"}


class Interpolate(nn.Module):
    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs

    def forward(self, x):
        return F.interpolate(x, **self.kwargs)


def _per_dim(value, spatial):
    return value if not isinstance(value, tuple) else value[:spatial]


NEAREST_CASES = [  # (kwargs, dynamic spatial allowed)
    ({"scale_factor": 2.0}, True),
    ({"scale_factor": 3.0}, True),
    ({"scale_factor": (2.0, 3.0, 1.0)}, True),
    ({"scale_factor": 0.5}, False),  # 12 * 0.5 is whole: coordinates agree
    ({"scale_factor": 1.5}, False),
    ({"size": (7, 13, 5)}, True),  # uneven ratios, up and down
    ({"size": (24, 3, 9)}, True),
    ({"size": (1, 1, 1)}, True),
]


@pytest.mark.parametrize("spatial", [1, 2, 3])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact"])
@pytest.mark.parametrize("kwargs, dynamic_ok", NEAREST_CASES)
def test_nearest(spatial, mode, kwargs, dynamic_ok):
    kwargs = {k: _per_dim(v, spatial) for k, v in kwargs.items()}
    assert_converts(Interpolate(mode=mode, **kwargs), [torch.randn(SHAPES[spatial])],
                    expect=NEAREST_OPS[mode].format(spatial), dynamic=DYN_SPATIAL if dynamic_ok else DYN_BATCH)


LINEAR_CASES = [
    {"scale_factor": 2.0},
    {"scale_factor": 3.0, "align_corners": True},
    {"scale_factor": 0.5},
    {"scale_factor": 1.5, "align_corners": True},
    {"size": (7, 13, 5)},
    {"size": (7, 13, 5), "align_corners": True},
    {"size": (1, 1, 1)},
    {"size": (1, 1, 1), "align_corners": True},
]


@pytest.mark.parametrize("spatial, mode", list(LINEAR_OPS))
@pytest.mark.parametrize("kwargs", LINEAR_CASES)
def test_interpolating(spatial, mode, kwargs):
    kwargs = {k: _per_dim(v, spatial) for k, v in kwargs.items()}
    align = kwargs.get("align_corners", False)
    dynamic = DYN_SPATIAL if kwargs.get("scale_factor") in (2.0, 3.0) or "size" in kwargs else DYN_BATCH
    module = Interpolate(mode=mode, align_corners=align, **{k: v for k, v in kwargs.items() if k != "align_corners"})
    assert_converts(module, [torch.randn(SHAPES[spatial])], expect=LINEAR_OPS[(spatial, mode)], dynamic=dynamic,
                    atol=INTERPOLATION_ATOL)


def test_size_from_input_shape():
    """Sizes computed from the dynamic input shape arrive as shape tensors."""
    module = Fn(lambda x: F.interpolate(x, size=(x.shape[2] * 2, 7), mode="bilinear"))
    assert_converts(module, [torch.randn(2, 3, 12, 10)], expect="aten.upsample_bilinear2d.vec", dynamic=DYN_SPATIAL)


@pytest.mark.parametrize("op, args, expect", [
    (torch.ops.aten.upsample_nearest1d.default, ([24], 2.0), "aten.upsample_nearest1d.default"),
    (torch.ops.aten.upsample_nearest2d.default, ([24, 5], 2.0, 0.5), "aten.upsample_nearest2d.default"),
    (torch.ops.aten.upsample_nearest2d.default, ([7, 13], None, None), "aten.upsample_nearest2d.default"),
    (torch.ops.aten._upsample_nearest_exact1d.default, ([7],), "aten._upsample_nearest_exact1d.default"),
    (torch.ops.aten._upsample_nearest_exact2d.default, ([7, 13],), "aten._upsample_nearest_exact2d.default"),
    (torch.ops.aten._upsample_nearest_exact2d.default, ([24, 5], 2.0, 0.5), "aten._upsample_nearest_exact2d.default"),
    (torch.ops.aten.upsample_linear1d.default, ([36], False, 3.0), "aten.upsample_linear1d.default"),
])
def test_default_overloads(op, args, expect):
    x = torch.randn(2, 3, 12, 10) if "2d" in expect else torch.randn(2, 3, 12)
    assert_converts(Fn(lambda t: op(t, *args)), [x], expect=expect, dynamic=DYN_BATCH, atol=INTERPOLATION_ATOL)


def test_trilinear_3d_default():
    op = torch.ops.aten.upsample_trilinear3d.default
    assert_converts(Fn(lambda t: op(t, [5, 12, 8], True)), [torch.randn(1, 2, 4, 6, 4)],
                    expect="aten.upsample_trilinear3d.default", dynamic=DYN_BATCH, atol=INTERPOLATION_ATOL)


@pytest.mark.parametrize("op", [torch.ops.aten.upsample_nearest3d.default, torch.ops.aten._upsample_nearest_exact3d.default])
def test_nearest3d_default(op):
    expect = "aten." + op._schema.name.split("::")[-1] + ".default"
    assert_converts(Fn(lambda t: op(t, [8, 12, 5], 2.0, 2.0, None)), [torch.randn(1, 2, 4, 6, 4)],
                    expect=expect, dynamic=DYN_BATCH)


# ---- scale factors whose output length is floor(in x scale), not in x scale ----------------------

FRACTIONAL_SHAPES = {1: (2, 3, 7), 2: (2, 3, 7, 5), 3: (1, 2, 7, 5, 4)}
EVERY_MODE = [(spatial, "nearest") for spatial in (1, 2, 3)] + [(spatial, "nearest-exact") for spatial in (1, 2, 3)] \
    + list(LINEAR_OPS)


def _fractional(spatial, mode, scale, dynamic):
    op = NEAREST_OPS[mode].format(spatial) if mode.startswith("nearest") else LINEAR_OPS[(spatial, mode)]
    assert_converts(Interpolate(mode=mode, scale_factor=scale), [torch.randn(FRACTIONAL_SHAPES[spatial])], expect=op,
                    dynamic=dynamic, atol=INTERPOLATION_ATOL)


@pytest.mark.parametrize("spatial, mode", EVERY_MODE)
@pytest.mark.parametrize("scale", [1.5, 0.3, 1.1, 2.1], ids=["7x1.5=10.5", "5x0.3=1.5", "kept_7x1.1", "doubled_5x2.1"])
def test_fractional_scale(spatial, mode, scale):
    # PyTorch maps by 1/scale; a length it keeps (7 x 1.1 -> 7) or doubles (5 x 2.1 -> 10) takes its shortcuts.
    _fractional(spatial, mode, scale, DYN_BATCH)


@pytest.mark.parametrize("spatial, mode", EVERY_MODE)
@pytest.mark.parametrize("scale", [0.75, 1.25, 2.25])
def test_fractional_scale_of_dynamic_dims(spatial, mode, scale):
    # Every spatial dim runs over 3..11: 3 x 1.25 keeps the length, 3 x 2.25 doubles it, 7 x 2.25 = 15.75.
    rank = len(FRACTIONAL_SHAPES[spatial])
    _fractional(spatial, mode, scale, {0: {d: (3, 11) for d in range(rank - spatial, rank)}})


def test_default_overload_with_disagreeing_scale():
    """The output size says 7 of 12, the scale says 0.5: PyTorch maps by 2 (and clamps), not by 12/7."""
    module = Fn(lambda t: torch.ops.aten.upsample_nearest1d.default(t, [7], 0.5))
    assert_converts(module, [torch.randn(1, 2, 12)], expect="aten.upsample_nearest1d.default", dynamic=DYN_BATCH)


def test_default_overload_with_one_scale_given():
    """scales_h given (11 x 1.5 -> 16), scales_w not (12 -> 5): h maps by 1/scale, w by in/out."""
    module = Fn(lambda t: torch.ops.aten.upsample_nearest2d.default(t, [16, 5], 1.5, None))
    assert_converts(module, [torch.randn(1, 2, 11, 12)], expect="aten.upsample_nearest2d.default", dynamic=DYN_BATCH)


def test_inexact_scale_of_dynamic_dim_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="not a multiple of 2"):
        convert_module(Interpolate(scale_factor=0.3, mode="bilinear"), [torch.randn(1, 2, 12, 12)], dynamic=DYN_SPATIAL)


def test_integer_input_is_rejected():
    module = Fn(lambda x: torch.ops.aten.upsample_nearest2d.vec(x, None, [2.0, 2.0]))
    with pytest.raises(UnsupportedOpsError, match="non-floating-point input"):
        convert_module(module, [torch.randint(0, 9, (1, 2, 4, 4), dtype=torch.uint8)])
