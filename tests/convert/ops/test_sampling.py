"""grid_sampler_2d (F.grid_sample on 4-D inputs): every mode and padding, align_corners both ways.

Grids are drawn from N(0, 0.8): most points fall inside [-1, 1], enough fall outside to exercise
the padding mode. Nearest rounds halves to even in PyTorch; a drawn grid hits no exact half.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from tests.convert.harness import Fn2, assert_converts
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

GRID_SAMPLER = "aten.grid_sampler_2d.default"
PADDINGS = ["zeros", "border", "reflection"]


def grid_sample(mode="bilinear", padding_mode="zeros", align_corners=False):
    return Fn2(lambda x, g: F.grid_sample(x, g, mode=mode, padding_mode=padding_mode, align_corners=align_corners))


@pytest.mark.parametrize("align_corners", [False, True], ids=["edges", "centres"])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_every_mode_and_padding(mode, padding_mode, align_corners):
    x, grid = sample(2, 3, 5, 6), sample(2, 4, 7, 2, seed=1, scale=0.8)
    assert_converts(grid_sample(mode, padding_mode, align_corners), [x, grid], expect=GRID_SAMPLER)


def test_far_outside_points_reflect_more_than_once():
    x, grid = sample(1, 2, 4, 5), sample(1, 3, 6, 2, seed=2, scale=3.0)
    assert_converts(grid_sample("bilinear", "reflection", False), [x, grid], expect=GRID_SAMPLER)


def test_corner_and_centre_points():
    x = torch.arange(12.0).reshape(1, 1, 3, 4)
    grid = torch.tensor([[[[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [0.0, 0.0]]]])
    for align in (False, True):
        assert_converts(grid_sample("bilinear", "zeros", align), [x, grid], expect=GRID_SAMPLER)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_dynamic_batch_input_and_output_sizes(mode):
    x, grid = sample(2, 3, 5, 6), sample(2, 4, 7, 2, seed=1, scale=0.8)
    assert_converts(grid_sample(mode, "border", True), [x, grid], expect=GRID_SAMPLER,
                    dynamic={0: {0: (1, 4, "b"), 2: (2, 9), 3: (1, 8)}, 1: {0: (1, 4, "b"), 1: (1, 6), 2: (2, 9)}})


# One step of the type: the engine rounds a float32 blend once, PyTorch may round along the way.
@pytest.mark.parametrize(("dtype", "rtol"), [(torch.float16, 2**-10), (torch.bfloat16, 2**-7)], ids=["fp16", "bf16"])
def test_half_types(dtype, rtol):
    # Grid points on multiples of 1/8 and a 4 x 8 input keep every coordinate and blend weight exact
    # in both float types.
    x = sample(1, 2, 4, 8).to(dtype)
    grid = (torch.randint(-10, 11, (1, 3, 5, 2), generator=torch.Generator().manual_seed(3)) / 8).to(dtype)
    assert_converts(grid_sample("bilinear", "zeros", False), [x, grid], expect=GRID_SAMPLER, rtol=rtol, atol=1e-5)


def test_bicubic_is_refused_with_the_reason():
    x, grid = sample(1, 1, 4, 4), sample(1, 2, 2, 2, seed=1, scale=0.5)
    with pytest.raises(UnsupportedOpsError, match="bicubic interpolation"):
        assert_converts(grid_sample("bicubic"), [x, grid], expect=GRID_SAMPLER)
