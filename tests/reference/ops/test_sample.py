"""GRID_SAMPLE: corner and centre points, every sample mode, align_corners both ways, by hand.

Pixel coordinate of a normalised ``g`` on an axis of length L: ``(g + 1) / 2 * (L - 1)`` with
align_corners, ``((g + 1) * L - 1) / 2`` without. The grid points below are chosen so that every
coordinate is exact in binary floating point.
"""

from __future__ import annotations

import pytest
import torch

from trtrepo.errors import ReferenceExecutionError

from ..helpers import assert_exact, assert_near

SQUARE = torch.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # rows [1 2 3] [4 5 6] [7 8 9]
ROW = torch.tensor([[[[10.0, 20.0, 30.0, 40.0]]]])  # [1, 1, 1, 4]: y = 0 is row 0 either way


def _sample(build, x, grid, mode="LINEAR", sample="FILL", align=False):
    def define(n, trt):
        layer = n.network.add_grid_sample(n.input("x", x.dtype, tuple(x.shape)),
                                          n.input("grid", grid.dtype, tuple(grid.shape)))
        layer.interpolation_mode = getattr(trt.InterpolationMode, mode)
        layer.sample_mode = getattr(trt.SampleMode, sample)
        layer.align_corners = align
        return layer.get_output(0)

    return build(define).out(x=x, grid=grid)


def _points(*xy, dtype=torch.float32):
    """A ``[1, 1, len, 2]`` grid of ``(x, y)`` points."""
    return torch.tensor([[list(xy)]], dtype=dtype)


def _along_row(*xs):
    return _points(*[(x, 0.0) for x in xs])


def test_align_corners_puts_minus_one_and_one_on_the_corner_pixel_centres(build):
    grid = _points((-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0), (0.0, 0.0), (0.5, 0.0))
    out = _sample(build, SQUARE, grid, align=True)
    # x picks the column, y the row: (1, -1) is the top-right pixel; (0.5, 0) is column 1.5 of row 1.
    assert_near(out, [[[[1.0, 3.0, 7.0, 9.0, 5.0, 5.5]]]])


def test_without_align_corners_minus_one_and_one_are_the_outer_edges(build):
    grid = _points((-1.0, -1.0), (0.0, 0.0), (1.0, 1.0), (0.0, -1.0))
    out = _sample(build, SQUARE, grid, align=False)
    # (-1, -1) is pixel (-0.5, -0.5): a quarter of pixel (0, 0), the other three neighbours read 0.
    # (0, 0) is the centre pixel; (1, 1) is (2.5, 2.5): a quarter of 9; (0, -1) is row -0.5 of column 1.
    assert_near(out, [[[[0.25, 5.0, 2.25, 1.0]]]])


@pytest.mark.parametrize(
    ("sample", "align", "xs", "expected"),
    [
        # align_corners: column = 1.5 g + 1.5
        ("FILL", True, (1.5, -1.5), (10.0, 2.5)),  # columns 3.75 (a quarter of 40), -0.75 (a quarter of 10)
        ("CLAMP", True, (1.5, -2.0), (40.0, 10.0)),  # columns 3.75 -> 3, -1.5 -> 0
        ("REFLECT", True, (1.5, -2.0, 3.0), (32.5, 25.0, 10.0)),  # 3.75 -> 2.25, -1.5 -> 1.5, 6 -> 0 (twice)
        # without: column = 2 g + 1.5
        ("FILL", False, (1.25, -1.0), (0.0, 5.0)),  # columns 4 (outside), -0.5 (half of 10)
        ("CLAMP", False, (1.25, -1.0), (40.0, 10.0)),  # 4 -> 3, -0.5 -> 0
        ("REFLECT", False, (1.25, 1.5, -1.5, -1.0), (40.0, 35.0, 15.0, 10.0)),  # about -0.5 and 3.5
    ],
)
def test_sample_modes_on_a_row(build, sample, align, xs, expected):
    out = _sample(build, ROW, _along_row(*xs), sample=sample, align=align)
    assert_near(out, [[[list(expected)]]])


@pytest.mark.parametrize(
    ("sample", "expected"),
    [("FILL", (30.0, 10.0, 0.0)), ("CLAMP", (30.0, 10.0, 40.0)), ("REFLECT", (30.0, 10.0, 40.0))],
)
def test_nearest_takes_the_pixel_the_coordinate_rounds_to(build, sample, expected):
    # Without align_corners: columns 1.7 -> 2, 0.3 -> 0 and 4.1: outside (FILL), 3 (CLAMP), 2.9 -> 3 (REFLECT)
    xs = (0.1, -0.6, 1.3)
    out = _sample(build, ROW, _along_row(*xs), mode="NEAREST", sample=sample)
    assert_exact(out, [[[list(expected)]]], torch.float32)


def test_every_channel_samples_the_same_point_and_each_batch_its_own_grid(build):
    image = torch.cat([SQUARE, SQUARE * 10], dim=1)  # [1, 2, 3, 3]
    x = torch.cat([image, image + 100], dim=0)  # [2, 2, 3, 3]
    grid = torch.tensor([[[[1.0, -1.0]]], [[[-1.0, 1.0]]]])  # batch 0: top-right, batch 1: bottom-left
    out = _sample(build, x, grid, mode="NEAREST", align=True)
    assert_exact(out, [[[[3.0]], [[30.0]]], [[[107.0]], [[170.0]]]], torch.float32)


def test_half_precision_stores_the_float32_blend(build):
    out = _sample(build, ROW.half(), _along_row(-0.25, 0.5).half(), align=True)
    # columns 1.125 and 2.25: 20 + 1.25 = 21.25 and 30 + 2.5 = 32.5, both exact in half
    assert_exact(out, [[[[21.25, 32.5]]]], torch.float16)


@pytest.mark.no_trt_build("a grid whose last dim is not 2 is rejected by TensorRT too")
def test_a_grid_without_two_coordinates_is_refused(build):
    with pytest.raises(ReferenceExecutionError, match="grid"):
        _sample(build, SQUARE, torch.zeros(1, 1, 1, 3))
