"""diagonal, unfold, as_strided (diagonal views, sliding windows, strided inputs), and writes through
them: diagonal_scatter, as_strided_scatter (what fill_diagonal_ lowers to)."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, Fn2, assert_converts, convert_module
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

DIAG = "aten.diagonal.default"
STRIDED = "aten.as_strided.default"


# ---- diagonal ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("offset", "dim1", "dim2"), [(0, 0, 1), (1, 0, 1), (-2, 0, 1), (2, 1, 0), (7, 0, 1)],
                         ids=["main", "above", "below", "swapped_dims", "past_the_end"])
def test_diagonal_matrix(offset, dim1, dim2):
    assert_converts(Fn(lambda x: torch.diagonal(x, offset, dim1, dim2)), [sample(4, 6)], expect=DIAG)


@pytest.mark.parametrize(("offset", "dim1", "dim2"), [(0, -1, 0), (1, 1, 2), (-1, 2, 1)])
def test_diagonal_batched(offset, dim1, dim2):
    assert_converts(Fn(lambda x: torch.diagonal(x, offset, dim1, dim2)), [sample(3, 4, 5)], expect=DIAG,
                    dynamic={0: {0: (1, 6)}})


@pytest.mark.parametrize("dtype", [torch.float16, torch.int64, torch.bool])
def test_diagonal_dtypes(dtype):
    assert_converts(Fn(lambda x: x.diagonal(-1)), [sample(5, 5, dtype=dtype)], expect=DIAG)


def test_diagonal_of_dynamic_dims():
    # The diagonal's length follows the run-time sizes: min(rows - 1, cols) with offset -1.
    assert_converts(Fn(lambda x: x.diagonal(-1)), [sample(9, 6)], expect=DIAG, dynamic={0: {0: (8, 12)}})
    assert_converts(Fn(lambda x: torch.diagonal(x, 0, 1, 2)), [sample(2, 5, 5)], expect=DIAG,
                    dynamic={0: {1: (2, 8, "n"), 2: (2, 8, "n")}})


# ---- as_strided ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("size", "stride", "offset"), [
    ((4,), (8,), None),  # the main diagonal of a 4 x 7: every 8th element
    ((5, 3), (1, 1), None),  # sliding windows of 3 over a vector
    ((3, 2, 2), (7, 1, 7), 2),  # overlapping 2 x 2 patches, from an offset
    ((2, 3), (0, 1), 1),  # a zero stride repeats a row
], ids=["diagonal", "windows", "patches", "repeat"])
def test_as_strided(size, stride, offset):
    assert_converts(Fn(lambda x: x.as_strided(size, stride, offset)), [sample(4, 7)], expect=STRIDED)


def test_as_strided_of_a_transposed_input_reads_its_storage():
    # x.t() keeps x's storage: the addresses map back to the transposed elements that hold them.
    assert_converts(Fn(lambda x: x.t().as_strided((3, 2), (1, 5))), [sample(3, 5)], expect=STRIDED)


@pytest.mark.parametrize("dtype", [torch.int32, torch.bool])
def test_as_strided_dtypes(dtype):
    assert_converts(Fn(lambda x: x.as_strided((4, 2), (2, 1))), [sample(3, 4, dtype=dtype)], expect=STRIDED)


def test_as_strided_sliding_windows_of_dynamic_length():
    # Windows of 3 with step 2 over a vector of run-time length n: (n - 3) // 2 + 1 of them.
    fn = Fn(lambda x: x.as_strided(((x.shape[0] - 3) // 2 + 1, 3), (2, 1)))
    assert_converts(fn, [sample(9)], expect=STRIDED, dynamic={0: {0: (5, 15)}})


def test_as_strided_with_a_dynamic_batch():
    fn = Fn(lambda x: x.as_strided((x.shape[0], 3), (x.shape[1], 2)))
    assert_converts(fn, [sample(4, 6)], expect=STRIDED, dynamic={0: {0: (2, 8)}})


def test_as_strided_past_its_input_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="reading storage that no element of its input holds"):
        convert_module(Fn(lambda x: x[:, :2].as_strided((2, 3), (4, 1))), [sample(3, 4)])


# ---- unfold ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("dim", "size", "step"), [(1, 3, 1), (1, 2, 2), (0, 4, 3), (-1, 5, 1)])
def test_unfold(dim, size, step):
    assert_converts(Fn(lambda x: x.unfold(dim, size, step)), [sample(5, 6)], expect="aten.unfold.default")


def test_unfold_dynamic_length():
    # Sliding windows of 4 every 2 over a run-time length: (n - 4) // 2 + 1 of them.
    assert_converts(Fn(lambda x: x.unfold(1, 4, 2)), [sample(2, 9)], expect="aten.unfold.default",
                    dynamic={0: {0: (1, 4), 1: (6, 16)}})


@pytest.mark.parametrize("dtype", [torch.int64, torch.bool])
def test_unfold_dtypes(dtype):
    assert_converts(Fn(lambda x: x.unfold(0, 2, 1)), [sample(5, dtype=dtype)], expect="aten.unfold.default")


# ---- diagonal_scatter / as_strided_scatter ------------------------------------------------------------

@pytest.mark.parametrize(("offset", "dim1", "dim2", "src"), [(0, 0, 1, (4,)), (2, 0, 1, (4,)), (-1, 1, 0, (4,)),
                                                             (1, 1, 2, (3, 4))])
def test_diagonal_scatter(offset, dim1, dim2, src):
    x = sample(4, 6) if len(src) == 1 else sample(3, 4, 5)
    assert_converts(Fn2(lambda x, s: torch.diagonal_scatter(x, s, offset, dim1, dim2)), [x, sample(*src, seed=1)],
                    expect="aten.diagonal_scatter.default")


def test_diagonal_scatter_dynamic():
    fn = Fn(lambda x: torch.diagonal_scatter(x, x.diagonal(0, 1, 2) * 2, 0, 1, 2))
    assert_converts(fn, [sample(2, 5, 5)], expect="aten.diagonal_scatter.default",
                    dynamic={0: {0: (1, 4), 1: (2, 8, "n"), 2: (2, 8, "n")}})


@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.bool])
def test_fill_diagonal(dtype):
    assert_converts(Fn(lambda x: x.clone().fill_diagonal_(1)), [sample(4, 5, dtype=dtype)],
                    expect="aten.as_strided_scatter.default")


def test_as_strided_scatter():
    # No dynamic variant: torch.export (2.x) fails on as_strided_scatter over a dynamic dim, and
    # fill_diagonal_ specializes its dims, before any converter is involved.
    fn = Fn2(lambda x, s: torch.as_strided_scatter(x, s, (2, 3), (1, 4), 1))
    assert_converts(fn, [sample(3, 4), sample(2, 3, seed=1)], expect="aten.as_strided_scatter.default")


def test_as_strided_scatter_writing_an_element_twice_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="writing one element twice"):
        convert_module(Fn2(lambda x, s: torch.as_strided_scatter(x, s, (2, 3), (1, 1))), [sample(3, 4), sample(2, 3)])
