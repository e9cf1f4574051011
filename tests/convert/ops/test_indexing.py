"""gather, index_select, advanced indexing (index.Tensor), embedding, cumsum."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.convert.harness import Fn, Fn2, assert_converts

# ---- gather / index_select -----------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather(dim):
    x = torch.randn(3, 4, 5)
    index = torch.randint(0, 3, (3, 4, 5))
    assert_converts(Fn2(lambda x, i: torch.gather(x, dim, i)), [x, index], expect="aten.gather.default")


def test_gather_smaller_index_dynamic():
    x, index = torch.randn(4, 6), torch.randint(0, 6, (4, 2))
    assert_converts(Fn2(lambda x, i: torch.gather(x, 1, i)), [x, index], expect="aten.gather.default",
                    dynamic={0: {0: (1, 8, "b")}, 1: {0: (1, 8, "b")}})


def test_gather_int_data():
    x, index = torch.arange(12, dtype=torch.int32).reshape(3, 4), torch.tensor([[3, 0], [1, 1], [2, 3]])
    assert_converts(Fn2(lambda x, i: x.gather(1, i)), [x, index], expect="aten.gather.default")


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select_runtime(dim):
    x, index = torch.randn(4, 5, 6), torch.tensor([2, 1, 0, 3, 3])
    assert_converts(Fn2(lambda x, i: x.index_select(dim, i)), [x, index], expect="aten.index_select.default")


def test_index_select_dynamic():
    x, index = torch.randn(2, 5), torch.tensor([1, 0, 1])
    assert_converts(Fn2(lambda x, i: x.index_select(1, i)), [x, index], expect="aten.index_select.default",
                    dynamic={0: {1: (2, 9)}})


def test_index_select_constant_index():
    class Select(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("idx", torch.tensor([3, 0, 2]))

        def forward(self, x):
            return x.index_select(1, self.idx)

    assert_converts(Select(), [torch.randn(2, 4)], expect="aten.index_select.default", dynamic={0: {0: (1, 8)}})


# ---- advanced indexing -----------------------------------------------------------------------------

@pytest.mark.parametrize("index", [
    lambda x, i: x[i],
    lambda x, i: x[:, i],
    lambda x, i: x[..., i],
    lambda x, i: x[i, i],  # adjacent, leading
    lambda x, i: x[:, i, i],  # adjacent, after a full dim: result stays in place
    lambda x, i: x[i, :, i],  # separated: result dims go first
    lambda x, i: x[i, :, i[0]],  # broadcasting index shapes
], ids=["first", "second", "last", "two_leading", "two_adjacent", "two_separated", "broadcast"])
def test_index_tensor(index):
    x, i = torch.randn(4, 5, 6), torch.tensor([[0, -1, 3], [2, 1, -4]])
    assert_converts(Fn2(index), [x, i], expect="aten.index.Tensor")


def test_index_tensor_dynamic():
    x, i = torch.randn(3, 5, 6), torch.tensor([[0, 4], [-1, 2]])
    assert_converts(Fn2(lambda x, i: x[:, i, i]), [x, i], expect="aten.index.Tensor",
                    dynamic={0: {0: (1, 8)}, 1: {0: (1, 4)}})


def test_index_tensor_on_dynamic_dim():
    # The indexed dim is dynamic, so -1 is wrapped by run-time arithmetic on its length.
    x, i = torch.randn(6, 3), torch.tensor([0, -1, 2])
    assert_converts(Fn2(lambda x, i: x[i]), [x, i], expect="aten.index.Tensor", dynamic={0: {0: (3, 9)}})


@pytest.mark.parametrize("index", [lambda x: x[:, [2, 0, -1]], lambda x: x[[0, -1, 1]]], ids=["static_dim", "dynamic_dim"])
def test_index_tensor_constant_list(index):
    assert_converts(Fn(index), [torch.randn(3, 4)], expect="aten.index.Tensor", dynamic={0: {0: (2, 8)}})


def test_index_tensor_int_data():
    x = torch.arange(20, dtype=torch.int64).reshape(4, 5)
    assert_converts(Fn2(lambda x, i: x[i, i + 1]), [x, torch.tensor([0, 2, 3])], expect="aten.index.Tensor")


# Boolean-mask indexing (x[x > 0]), once rejected here, converts now: tests/convert/ops/test_selection.py.


# ---- embedding -------------------------------------------------------------------------------------

def test_embedding_dynamic_sequence():
    class Embed(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 4, padding_idx=0)

        def forward(self, tokens):
            return self.emb(tokens)

    tokens = torch.tensor([[1, 5, 9, 0], [3, 3, 2, 7]])
    assert_converts(Embed(), [tokens], expect="aten.embedding.default", dynamic={0: {0: (1, 4), 1: (2, 16)}})


def test_embedding_runtime_weight_int32_indices():
    w, i = torch.randn(6, 3), torch.tensor([5, 0, 2], dtype=torch.int32)
    assert_converts(Fn2(lambda w, i: nn.functional.embedding(i, w)), [w, i], expect="aten.embedding.default")


# ---- cumsum ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_float(dim):
    assert_converts(Fn(lambda x: torch.cumsum(x, dim)), [torch.randn(3, 4, 5)], expect="aten.cumsum.default",
                    dynamic={0: {0: (1, 8), 2: (2, 7)}})


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.bool])
def test_cumsum_integer_promotes_to_int64(dtype):
    x = torch.randint(0, 3, (3, 6)).to(dtype)
    assert_converts(Fn(lambda x: x.cumsum(1)), [x], expect="aten.cumsum.default", dynamic={0: {1: (2, 9)}})


def test_cumsum_dtype_argument():
    x = torch.randint(0, 5, (4, 3), dtype=torch.int32)
    assert_converts(Fn(lambda x: x.cumsum(0, dtype=torch.float32)), [x], expect="aten.cumsum.default")


def test_cumsum_position_ids_from_mask():
    # Position ids from an attention mask, a common use: cumsum(mask) * mask - 1.
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]])
    assert_converts(Fn(lambda m: (m.cumsum(-1) * m) - 1), [mask], expect="aten.cumsum.default",
                    dynamic={0: {1: (2, 12)}})
