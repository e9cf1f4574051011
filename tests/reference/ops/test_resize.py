"""RESIZE: nearest (roundings), linear and cubic, coordinate transformations, shape sources."""

from __future__ import annotations

import pytest
import torch

from ..helpers import assert_exact, assert_near

ROW = torch.tensor([[[1.0, 2.0, 3.0]]])  # [1, 1, 3]


def _resize(build, x, mode="NEAREST", shape=None, scales=None, transform=None, rounding=None, configure=None):
    def define(n, trt):
        layer = n.network.add_resize(n.input("x", x.dtype, tuple(x.shape)))
        layer.resize_mode = getattr(trt.InterpolationMode, mode)
        if shape is not None:
            layer.shape = shape
        if scales is not None:
            layer.scales = scales
        if transform:
            layer.coordinate_transformation = getattr(trt.ResizeCoordinateTransformation, transform)
        if rounding:
            layer.nearest_rounding = getattr(trt.ResizeRoundMode, rounding)
        if configure:
            configure(n, trt, layer)
        return layer.get_output(0)

    return build(define).out(x=x)


def test_nearest_upsample_by_scales(build):
    out = _resize(build, ROW, scales=[1.0, 1.0, 2.0])
    assert_exact(out, [[[1.0, 1.0, 2.0, 2.0, 3.0, 3.0]]], torch.float32)


@pytest.mark.parametrize(
    ("transform", "rounding", "expected"),
    [
        ("ASYMMETRIC", "FLOOR", [1.0, 2.0]),  # coordinates 0, 1.5
        ("ASYMMETRIC", "CEIL", [1.0, 3.0]),
        ("ASYMMETRIC", "HALF_UP", [1.0, 3.0]),
        ("ASYMMETRIC", "HALF_DOWN", [1.0, 2.0]),
        ("HALF_PIXEL", "FLOOR", [1.0, 2.0]),  # coordinates 0.25, 1.75
        ("HALF_PIXEL", "HALF_UP", [1.0, 3.0]),
        ("ALIGN_CORNERS", "FLOOR", [1.0, 3.0]),  # coordinates 0, 2
    ],
)
def test_nearest_downsample_roundings(build, transform, rounding, expected):
    out = _resize(build, ROW, shape=(1, 1, 2), transform=transform, rounding=rounding)
    assert_exact(out, [[expected]], torch.float32)


def test_linear_align_corners(build):
    out = _resize(build, ROW, "LINEAR", shape=(1, 1, 5), transform="ALIGN_CORNERS")
    assert_near(out, [[[1.0, 1.5, 2.0, 2.5, 3.0]]])


def test_linear_half_pixel_clamps_at_the_edges(build):
    x = torch.tensor([[[1.0, 3.0]]])
    out = _resize(build, x, "LINEAR", shape=(1, 1, 4), transform="HALF_PIXEL")
    assert_near(out, [[[1.0, 1.5, 2.5, 3.0]]])  # coordinates -0.25, 0.25, 0.75, 1.25


def test_linear_asymmetric(build):
    x = torch.tensor([[[1.0, 3.0]]])
    out = _resize(build, x, "LINEAR", scales=[1.0, 1.0, 2.0], transform="ASYMMETRIC")
    assert_near(out, [[[1.0, 2.0, 3.0, 3.0]]])


def test_bilinear_2d(build):
    x = torch.tensor([[[[0.0, 2.0], [4.0, 6.0]]]])
    out = _resize(build, x, "LINEAR", shape=(1, 1, 3, 3), transform="ALIGN_CORNERS")
    assert_near(out, [[[[0.0, 1.0, 2.0], [2.0, 3.0, 4.0], [4.0, 5.0, 6.0]]]])


def test_single_pixel_selector_upper(build):
    def upper(n, trt, layer):
        layer.selector_for_single_pixel = trt.ResizeSelector.UPPER

    x = torch.tensor([[[1.0, 3.0]]])
    formula = _resize(build, x, "LINEAR", shape=(1, 1, 1), transform="HALF_PIXEL")
    assert_near(formula, [[[2.0]]])  # coordinate (0 + 0.5) * 2 - 0.5 = 0.5
    assert_near(_resize(build, x, "LINEAR", shape=(1, 1, 1), transform="HALF_PIXEL", configure=upper), [[[1.0]]])


def test_dynamic_output_shape_input(build):
    def dynamic(n, trt, layer):
        layer.set_input(1, n.const([1, 1, 6], torch.int32))

    out = _resize(build, ROW, configure=dynamic)
    assert_exact(out, [[[1.0, 1.0, 2.0, 2.0, 3.0, 3.0]]], torch.float32)


CUBIC_X = torch.tensor([[[[0.0, 1.0, 0.0, 0.0]]]])
# A = -0.75: W(0) = 1, W(1) = W(2) = 0, W(0.5) = 0.59375, W(1.5) = -0.09375; coordinates o / 2
CUBIC_CLAMPED = [0.0, 0.59375, 1.0, 0.59375, 0.0, -0.09375, 0.0, 0.0]
CUBIC_EXCLUDED = [0.0, 0.59375 / 1.09375, 1.0, 0.59375, 0.0, -0.09375 / 1.09375, 0.0, 0.0]


@pytest.mark.parametrize(("exclude", "expected"), [(False, CUBIC_CLAMPED), (True, CUBIC_EXCLUDED)])
def test_cubic(build, exclude, expected):
    def configure(n, trt, layer):
        layer.cubic_coeff = -0.75
        layer.exclude_outside = exclude

    out = _resize(build, CUBIC_X, "CUBIC", shape=(1, 1, 1, 8), transform="ASYMMETRIC", configure=configure)
    assert_near(out, [[[expected]]])
