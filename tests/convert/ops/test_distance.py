"""_cdist_forward (torch.cdist) and _pdist_forward (F.pdist): every p, both p = 2 algorithms, dynamic sizes.

PyTorch's CPU kernels take float32 (and float64, which TensorRT has no type for): those are the
inputs tested; an fp16/bf16 engine computes them in its own float type like any other op.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from tests.convert.harness import Fn, Fn2, assert_converts
from tests.convert.samples import sample

CDIST, PDIST = "aten._cdist_forward.default", "aten._pdist_forward.default"
NORMS = [0.0, 1.0, 2.0, 3.0, 0.5, math.inf]
NORM_IDS = ["p0", "p1", "p2", "p3", "p0.5", "inf"]


def cdist_forward(p, mode):
    """A module calling the op torch.cdist decomposes into, with the compute mode given directly."""
    return Fn2(lambda x, y: torch.ops.aten._cdist_forward(x, y, p, mode))


# ---- cdist -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", NORMS, ids=NORM_IDS)
def test_cdist_every_norm(p):
    assert_converts(Fn2(lambda x, y: torch.cdist(x, y, p=p)), [sample(2, 5, 4), sample(2, 7, 4, seed=1)],
                    expect=CDIST)


def test_cdist_p0_counts_equal_coordinates_as_zero():
    x = torch.tensor([[1.0, 2.0, 3.0], [0.0, 2.0, 5.0]])
    y = torch.tensor([[1.0, 0.0, 3.0], [0.0, 2.0, 5.0]])
    assert_converts(Fn2(lambda x, y: torch.cdist(x, y, p=0)), [x, y], expect=CDIST)


@pytest.mark.parametrize(("x_shape", "y_shape"), [
    ((5, 4), (7, 4)),
    ((5, 4), (3, 7, 4)),
    ((2, 1, 5, 3), (3, 6, 3)),
], ids=["2d", "batch_broadcast", "4d_broadcast"])
def test_cdist_batch_dims_broadcast(x_shape, y_shape):
    assert_converts(Fn2(torch.cdist), [sample(*x_shape), sample(*y_shape, seed=1)], expect=CDIST)


@pytest.mark.parametrize("p", [1.0, 2.0, math.inf], ids=["p1", "p2", "inf"])
def test_cdist_dynamic(p):
    # torch.cdist itself picks its p = 2 algorithm by size, so export needs the point ranges <= 25.
    x, y = sample(3, 6, 4), sample(3, 9, 4, seed=1)
    assert_converts(Fn2(lambda x, y: torch.cdist(x, y, p=p)), [x, y], expect=CDIST,
                    dynamic={0: {0: (1, 5, "b"), 1: (2, 25), 2: (1, 8, "m")}, 1: {0: (1, 5, "b"), 1: (2, 25),
                                                                                2: (1, 8, "m")}})


@pytest.mark.parametrize(("mode", "points"), [
    (None, 30),  # use_mm_for_euclid_dist_if_necessary, more than 25 points: mm
    (0, 8),  # the same mode spelled 0, few points: direct
    (1, 8),  # use_mm_for_euclid_dist: mm whatever the size
    (2, 30),  # donot_use_mm_for_euclid_dist: direct whatever the size
], ids=["default_many", "default_few", "use_mm", "never_mm"])
def test_cdist_compute_modes(mode, points):
    assert_converts(cdist_forward(2.0, mode), [sample(points, 5), sample(6, 5, seed=1)], expect=CDIST)


def test_cdist_p2_algorithm_is_chosen_at_run_time_when_the_size_is_dynamic():
    # 2..40 points: the shape points 2 and 40 take the direct and the mm algorithm, as PyTorch does.
    assert_converts(cdist_forward(2.0, None), [sample(20, 4), sample(7, 4, seed=1)], expect=CDIST,
                    dynamic={0: {0: (2, 40)}})


def test_cdist_mm_keeps_pytorchs_rounding_for_coincident_points():
    # |a|^2 + |b|^2 - 2ab cancels where points coincide: PyTorch's mm result is not the direct 0,
    # and the converter reproduces PyTorch's, not the exact distance.
    x = sample(6, 16, scale=10.0)
    mm = torch.ops.aten._cdist_forward(x, x, 2.0, 1)
    assert mm.diagonal().max() > 0, "the rounding this test is about"
    assert_converts(cdist_forward(2.0, 1), [x, x.clone()], expect=CDIST)


@pytest.mark.parametrize("p", [2.0, math.inf], ids=["p2", "inf"])
def test_cdist_of_points_without_coordinates_is_zero(p):
    assert_converts(Fn2(lambda x, y: torch.cdist(x, y, p=p)), [torch.zeros(3, 0), torch.zeros(4, 0)], expect=CDIST)


# ---- pdist -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("p", NORMS, ids=NORM_IDS)
def test_pdist_every_norm(p):
    assert_converts(Fn(lambda x: F.pdist(x, p=p)), [sample(6, 3)], expect=PDIST)


@pytest.mark.parametrize("rows", [1, 2, 7], ids=["one_row", "two_rows", "seven_rows"])
def test_pdist_pairs_are_row_major(rows):
    assert_converts(Fn(F.pdist), [sample(rows, 4)], expect=PDIST)


@pytest.mark.parametrize("bounds", [(3, 40), (3, 2000)], ids=["small", "large"])
def test_pdist_dynamic_rows_find_their_pairs_at_run_time(bounds):
    # A run-time row count gives the pairs (i, j) by arithmetic on their index; at 2000 rows that
    # is 1,999,000 pairs, each compared with eager PyTorch's.
    assert_converts(Fn(lambda x: F.pdist(x, p=1.0)), [sample(6, 3)], expect=PDIST, dynamic={0: {0: bounds}})


def test_pdist_dynamic_features():
    assert_converts(Fn(F.pdist), [sample(5, 3)], expect=PDIST, dynamic={0: {1: (1, 9)}})
