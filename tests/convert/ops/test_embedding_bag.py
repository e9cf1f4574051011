"""_embedding_bag / embedding_bag.padding_idx (nn.EmbeddingBag, F.embedding_bag).

sum, mean and max; offsets with empty bags, include_last_offset, per-sample weights, padding_idx,
2-D input (fixed-length bags), int32 and int64 indices, dynamic index and bag counts.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.convert.harness import Fn2, Fn3, assert_converts
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

BAG = "aten._embedding_bag.default"
PADDED = "aten.embedding_bag.padding_idx"
MODES = ["sum", "mean", "max"]
INDICES = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
OFFSETS = torch.tensor([0, 3, 3, 7])  # bags of 3, 0, 4 and 3 indices


class Bags(nn.Module):
    """An ``nn.EmbeddingBag`` of 10 rows of 4 features."""

    def __init__(self, mode: str, **options: object) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(10, 4, mode=mode, **options)
        with torch.no_grad():
            self.bag.weight.copy_(sample(10, 4, seed=7))

    def forward(self, indices: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.bag(indices, offsets)


@pytest.mark.parametrize("mode", MODES)
def test_offsets_with_an_empty_bag(mode):
    assert_converts(Bags(mode), [INDICES, OFFSETS], expect=PADDED)


@pytest.mark.parametrize("mode", MODES)
def test_include_last_offset_ends_the_last_bag(mode):
    # CSR offsets: the last one is len(indices), as PyTorch documents it must be (with a smaller one
    # PyTorch's own modes disagree on the last bag: mean divides by the length up to len(indices)).
    assert_converts(Bags(mode, include_last_offset=True), [INDICES, torch.tensor([0, 3, 3, 10])], expect=PADDED)


@pytest.mark.parametrize("mode", MODES)
def test_padding_idx_neither_adds_nor_counts(mode):
    indices = torch.tensor([5, 5, 1, 5, 2, 5, 5])  # bag 0: only padding; bag 2: padding and one row
    assert_converts(Bags(mode, padding_idx=5), [indices, torch.tensor([0, 2, 5])], expect=PADDED)


@pytest.mark.parametrize("mode", MODES)
def test_int32_indices_and_offsets(mode):
    assert_converts(Bags(mode), [INDICES.int(), OFFSETS.int()], expect=PADDED)


def test_per_sample_weights_scale_the_rows_of_a_sum():
    weight = sample(10, 4, seed=7)
    fn = Fn3(lambda i, o, w: F.embedding_bag(i, weight, o, mode="sum", per_sample_weights=w))
    assert_converts(fn, [INDICES, OFFSETS, sample(10, seed=1)], expect=PADDED)


@pytest.mark.parametrize("mode", MODES)
def test_fixed_length_bags_of_a_2d_input(mode):
    weight = sample(10, 4, seed=7)
    fn = Fn2(lambda i, w: F.embedding_bag(i, weight, mode=mode) + w)
    assert_converts(fn, [INDICES.reshape(2, 5), sample(2, 4, seed=2)], expect=PADDED)


class BagsOfLengths(Bags):
    """Bags given by their lengths: offsets are their exclusive running sum (0 first, never falling)."""

    def forward(self, indices: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.bag(indices, torch.cumsum(lengths, 0) - lengths)


@pytest.mark.parametrize("mode", MODES)
def test_dynamic_index_and_bag_counts(mode):
    # Drawn lengths are 0..3 for up to 5 bags, so the offsets stay within the 12+ indices.
    lengths = torch.tensor([3, 0, 2, 1, 3])
    assert_converts(BagsOfLengths(mode), [torch.cat([INDICES, INDICES[:4]]), lengths],
                    expect=[PADDED, "aten.cumsum.default"], dynamic={0: {0: (12, 24)}, 1: {0: (1, 5)}})


@pytest.mark.parametrize("mode", MODES)
def test_the_op_embedding_bag_padding_idx_decomposes_into(mode):
    weight = sample(10, 4, seed=7)
    code = MODES.index(mode)
    fn = Fn2(lambda i, o: torch.ops.aten._embedding_bag(weight, i, o, False, code, False, None, False, 1)[0])
    assert_converts(fn, [INDICES, OFFSETS], expect=BAG)


def test_max_indices_output_is_refused():
    weight = sample(10, 4, seed=7)
    fn = Fn2(lambda i, o: torch.ops.aten._embedding_bag(weight, i, o, False, 2, False, None, False, -1)[3])
    with pytest.raises(UnsupportedOpsError, match="max-indices output is used"):
        assert_converts(fn, [INDICES, OFFSETS], expect=BAG)


@pytest.mark.parametrize("mode", MODES)
def test_half_weights(mode):
    # The engine sums in float32 and rounds once; PyTorch may round along the way: one fp16 step.
    bags = Bags(mode).half()
    assert_converts(bags, [INDICES, OFFSETS], expect=PADDED, rtol=2**-10, atol=1e-5)
