"""index_put: plain writes (ND scatter), accumulating writes (duplicates summed), boolean masks.

The harness redraws integer inputs at the min and max shape points, so a test whose index must stay
duplicate-free (a plain write, whose winner PyTorch and TensorRT leave undefined) keeps it in a
buffer; tests of combining writes take random indices, duplicates included.
"""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, Fn2, Fn3, WithIndex, assert_converts, convert_module
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

PUT = "aten.index_put.default"
# torch.index_put takes no None in its indices; the ATen op (what x[:, i] = v records) does.
index_put = torch.ops.aten.index_put.default
TYPES = [torch.float32, torch.float16, torch.bfloat16, torch.int32, torch.int64]
BATCH = {0: {0: (2, 7)}}


def _exact(shape, dtype, seed=0):
    """Small integers in ``dtype``: sums and products of a few stay exact in every float type."""
    return sample(*shape, dtype=dtype, seed=seed, low=-4, high=4) if not dtype.is_floating_point else \
        sample(*shape, dtype=torch.int32, seed=seed, low=-4, high=4).to(dtype)


# ---- index_put: plain writes ---------------------------------------------------------------------

@pytest.mark.parametrize(("fn", "values"), [
    (lambda x, i, v: torch.index_put(x, (i,), v), (4, 3)),  # broadcast over the indexed rows
    (lambda x, i, v: index_put(x, [None, i // 2], v), (5, 3, 3)),
    (lambda x, i, v: torch.index_put(x, (i, i % 4), v), (3, 3)),
    (lambda x, i, v: index_put(x, [None, i % 4, i % 3], v), (5, 3)),  # adjacent, after a whole dim
    (lambda x, i, v: index_put(x, [i, None, i.flip(0) % 3], v), (3, 4)),  # separated: batch first
    (lambda x, i, v: torch.index_put(x, (i - 5,), v), (3, 4, 3)),  # negative indices count from the end
    (lambda x, i, v: torch.index_put(x, (i[0],), v), (4, 3)),  # a 0-d index
], ids=["rows", "none_then_index", "two", "adjacent_inner", "separated", "negative", "scalar_index"])
def test_index_put(fn, values):
    module = WithIndex(lambda x, i, v: fn(x, i, v), torch.tensor([4, 0, 2]))
    assert_converts(module, [sample(5, 4, 3), sample(*values, seed=1)], expect=PUT)


@pytest.mark.parametrize("dtype", TYPES + [torch.bool])
def test_index_put_dtypes(dtype):
    module = WithIndex(lambda x, i, v: torch.index_put(x, (i,), v), torch.tensor([3, 1]))
    assert_converts(module, [sample(4, 3, dtype=dtype), sample(2, 3, dtype=dtype, seed=1)], expect=PUT)


def test_index_put_setitem_dynamic():
    def write(x, i, v):
        x = x.clone()
        x[:, i] = v
        return x

    module = WithIndex(write, torch.tensor([2, 0]))
    assert_converts(module, [sample(3, 4), sample(3, 2, seed=1)], expect=PUT,
                    dynamic={0: {0: (1, 6, "b")}, 1: {0: (1, 6, "b")}})


def test_index_put_scalar_value_run_time_index():
    # The index is an input (its redraws may repeat an index, which writes the same value: defined).
    assert_converts(Fn2(lambda x, i: torch.index_put(x, (i,), torch.tensor(7.0))), [sample(5, 2), torch.tensor([3, 0])],
                    expect=PUT, dynamic={0: {0: (4, 8)}})


# ---- index_put: accumulate -----------------------------------------------------------------------

def test_index_put_accumulate_duplicates_give_eager_sums():
    x, v = torch.zeros(4, 2), torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    index = torch.tensor([2, 0, 2, 2])  # row 2 three times
    assert_converts(Fn3(lambda x, i, v: torch.index_put(x, (i,), v, accumulate=True)), [x, index, v], expect=PUT)


@pytest.mark.parametrize("dtype", TYPES)
def test_index_put_accumulate_dtypes(dtype):
    x, v = _exact((5, 3), dtype), _exact((6, 3), dtype, seed=1)
    index = sample(6, dtype=torch.int64, seed=2, low=-5, high=4)  # duplicates and negative indices
    assert_converts(Fn3(lambda x, i, v: torch.index_put(x, (i,), v, accumulate=True)), [x, index, v], expect=PUT)


@pytest.mark.parametrize(("fn", "values"), [
    (lambda x, i, v: torch.index_put(x, (i, i.flip(0) % 4), v, accumulate=True), (6, 3)),
    (lambda x, i, v: index_put(x, [None, i % 4], v, True), (5, 6, 3)),
    (lambda x, i, v: index_put(x, [i, None, i % 3], v, True), (6, 4)),
    (lambda x, i, v: torch.index_put(x, (i,), v, accumulate=True), (3,)),  # broadcast: every row gets v
], ids=["two_indices", "none_then_index", "separated", "broadcast_values"])
def test_index_put_accumulate_layouts(fn, values):
    index = sample(6, dtype=torch.int64, seed=3, low=0, high=4)
    assert_converts(Fn3(fn), [sample(5, 4, 3), index, sample(*values, seed=1)], expect=PUT)


def test_index_put_accumulate_dynamic():
    fn = Fn3(lambda x, i, v: torch.index_put(x, (i,), v, accumulate=True))
    assert_converts(fn, [sample(5, 3), sample(6, dtype=torch.int64, low=0, high=4), sample(6, 3, seed=1)], expect=PUT,
                    dynamic={0: {0: (5, 9)}, 1: {0: (1, 10, "j")}, 2: {0: (1, 10, "j")}})


def test_index_put_accumulate_infinities_and_nan_stay_with_their_rows():
    # A multiply by zero would spread inf/NaN to every row; each must reach only its own target.
    inf, nan = float("inf"), float("nan")
    v = torch.tensor([[inf, 1.0], [-inf, 2.0], [inf, nan], [1.0, -inf]])
    index = torch.tensor([0, 0, 1, 3])
    fn = Fn3(lambda x, i, v: torch.nan_to_num(torch.index_put(x, (i,), v, accumulate=True), nan=7.0))
    assert_converts(fn, [torch.ones(4, 2), index, v], expect=PUT)


# ---- index_put: boolean masks --------------------------------------------------------------------

@pytest.mark.parametrize(("fn", "rows", "value"), [
    (lambda x, m, v: torch.index_put(x, (m,), v), False, ()),
    (lambda x, m, v: torch.index_put(x, (m,), v), True, (3,)),  # one row value for every selected row
    (lambda x, m, v: index_put(x, [None, m[0]], v), False, (4, 1)),  # a mask on dim 1, a value per row
    (lambda x, m, v: torch.index_put(x, (m,), v, accumulate=True), True, (3,)),
], ids=["scalar", "row", "inner_mask", "accumulate"])
def test_index_put_bool_mask(fn, rows, value):
    mask = sample(4, 3, dtype=torch.bool, seed=1)
    assert_converts(Fn3(fn), [sample(4, 3), mask[:, 0] if rows else mask, sample(*value, seed=2)], expect=PUT)


def test_masked_setitem_dynamic():
    def write(x):
        x = x.clone()
        x[x > 0] = 0.5
        return x

    assert_converts(Fn(write), [sample(3, 4)], expect=PUT, dynamic={0: {0: (1, 6)}})


def test_bool_mask_with_values_per_element_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="boolean mask"):
        x = torch.tensor([[1.0, -1.0, 2.0], [-3.0, 4.0, -5.0]])  # three selected elements, three values
        convert_module(Fn2(lambda x, v: torch.index_put(x, (x > 0,), v)), [x, sample(3)])


def test_accumulate_on_bool_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="accumulate=True on a bool"):
        convert_module(Fn2(lambda x, i: torch.index_put(x, (i,), torch.tensor(True), accumulate=True)),
                       [sample(3, 2, dtype=torch.bool), torch.tensor([0, 2])])


# ---- ops that lower to index_put -------------------------------------------------------------------

def test_index_add_duplicates_dynamic():
    # index_add (an MoE combine step) lowers to index_put(accumulate=True).
    fn = Fn3(lambda x, i, v: x.index_add(0, i, v, alpha=2.0))
    assert_converts(fn, [sample(4, 3), torch.tensor([3, 0, 3, 1, 3]), sample(5, 3, seed=1)], expect=PUT,
                    dynamic={1: {0: (1, 9, "j")}, 2: {0: (1, 9, "j")}})


def test_index_copy_and_index_fill():
    module = WithIndex(lambda x, i, v: (x.index_copy(1, i, v), x.index_fill(0, i % 3, -1.0)), torch.tensor([2, 0]))
    assert_converts(module, [sample(3, 4), sample(3, 2, seed=1)], expect=PUT)
