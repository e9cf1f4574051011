"""sort, argsort, topk, histc, and a mixture-of-experts router built from them.

TopK does not document which of equal values it returns first, so tests of the TopK path draw
distinct floats; ties are the stable sort's business (ranks, exact by construction).
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.convert.harness import Fn, Fn2, assert_converts, convert_module
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

TOPK = "aten.topk.default"
FLOATS = [torch.float32, torch.float16, torch.bfloat16]


def _distinct(*shape, dtype=torch.float32, seed=0):
    """A random permutation of ``0 .. n-1`` (exact in every type with enough mantissa), minus an offset."""
    generator = torch.Generator().manual_seed(seed)
    count = 1
    for n in shape:
        count *= n
    return (torch.randperm(count, generator=generator).reshape(shape) - count // 2).to(dtype)


# ---- topk --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("k", "dim", "largest"), [(2, -1, True), (3, 0, False), (1, 1, True), (4, 2, False)])
def test_topk(k, dim, largest):
    fn = Fn(lambda x: torch.topk(x, k, dim, largest=largest))
    assert_converts(fn, [sample(4, 5, 6)], expect=TOPK, dynamic={0: {0: (4, 8)} if dim != 0 else {1: (1, 8)}})


@pytest.mark.parametrize("dtype", FLOATS + [torch.int32, torch.int64, torch.uint8, torch.int8])
def test_topk_dtypes(dtype):
    assert_converts(Fn(lambda x: torch.topk(x, 3)), [_distinct(3, 7, dtype=dtype) + (60 if dtype == torch.uint8 else 0)],
                    expect=TOPK)


def test_topk_vector_and_a_dim_before_the_last_four():
    assert_converts(Fn(lambda x: torch.topk(x, 2)), [sample(9)], expect=TOPK)
    assert_converts(Fn(lambda x: torch.topk(x, 2, dim=0)), [sample(3, 2, 2, 2, 2)], expect=TOPK)


def test_topk_k_from_a_dynamic_size():
    assert_converts(Fn(lambda x: torch.topk(x, x.shape[0], dim=1)), [sample(3, 8)], expect=TOPK,
                    dynamic={0: {0: (1, 8)}})


def test_topk_unsorted_returns_the_same_set():
    # sorted=False allows any order; TopK's is sorted, so sorting both sides compares the sets.
    def fn(x):
        values, indices = torch.topk(x, 3, sorted=False)
        return values.sort().values, indices.sort().values

    assert_converts(Fn(fn), [sample(4, 6)], expect=[TOPK, "aten.sort.default"])


def test_topk_above_tensorrt_cap_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="k above 3840"):
        convert_module(Fn(lambda x: torch.topk(x, 3841)), [sample(1, 4000)])


# ---- sort / argsort --------------------------------------------------------------------------------

@pytest.mark.parametrize(("dim", "descending"), [(-1, False), (0, True), (1, False)])
def test_sort(dim, descending):
    fn = Fn(lambda x: torch.sort(x, dim, descending))
    assert_converts(fn, [sample(4, 5, 3)], expect="aten.sort.default", dynamic={0: {2: (1, 6)}})


@pytest.mark.parametrize("dtype", FLOATS + [torch.int32, torch.int64, torch.bool])
@pytest.mark.parametrize("descending", [False, True])
def test_sort_stable_with_ties(dtype, descending):
    # Few distinct values, so most elements tie: stable order keeps equal elements as they came.
    x = sample(3, 9, dtype=torch.int64, low=0, high=1 if dtype == torch.bool else 3).to(dtype)
    fn = Fn(lambda x: torch.sort(x, dim=-1, stable=True, descending=descending))
    assert_converts(fn, [x], expect="aten.sort.stable", dynamic={0: {1: (1, 12)}})


def test_sort_stable_along_first_dim():
    x = sample(7, 3, dtype=torch.int32, low=0, high=2)
    assert_converts(Fn(lambda x: torch.sort(x, dim=0, stable=True)), [x], expect="aten.sort.stable",
                    dynamic={0: {0: (1, 9)}})


@pytest.mark.parametrize("descending", [False, True])
def test_sort_stable_puts_nan_above_every_number(descending):
    nan = float("nan")
    x = torch.tensor([[1.0, nan, -2.0, 1.0, nan, float("inf")], [nan, 0.0, -0.0, 3.0, float("-inf"), 3.0]])
    fn = Fn(lambda x: torch.sort(x, stable=True, descending=descending).indices)
    assert_converts(fn, [x], expect="aten.sort.stable")


def test_sort_longer_than_topk_cap_uses_ranks():
    assert_converts(Fn(lambda x: torch.sort(x, descending=True)), [_distinct(1, 3900)], expect="aten.sort.default")


@pytest.mark.parametrize("stable", [False, True])
def test_argsort(stable):
    x = _distinct(4, 6)
    assert_converts(Fn(lambda x: torch.argsort(x, dim=1, descending=True, stable=stable)), [x],
                    expect="aten.argsort.stable", dynamic={0: {0: (1, 6)}})  # torch.argsort(stable=...) records .stable


def test_argsort_default():
    assert_converts(Fn(lambda x: torch.argsort(x, 0)), [sample(5, 3)], expect="aten.argsort.default")


def test_sort_of_0d():
    assert_converts(Fn(lambda x: torch.sort(x)), [sample()], expect="aten.sort.default")


# ---- histc -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("bins", "low", "high"), [(4, -1.0, 1.0), (7, -2, 3), (3, 0.5, 0.75)])
def test_histc(bins, low, high):
    x = torch.cat([sample(20), torch.tensor([low, high, -5.0, 5.0])])  # both ends, and values outside
    assert_converts(Fn(lambda x: torch.histc(x, bins, low, high)), [x], expect="aten.histc.default",
                    dynamic={0: {0: (1, 40)}})


def test_histc_range_from_the_data():
    assert_converts(Fn(lambda x: torch.histc(x, 6)), [sample(3, 5)], expect="aten.histc.default",
                    dynamic={0: {0: (1, 6)}})


def test_histc_of_equal_values_widens_the_range():
    assert_converts(Fn(lambda x: torch.histc(x * 0 + 2, 4)), [sample(5)], expect="aten.histc.default")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_histc_half_types(dtype):
    x = sample(30, dtype=dtype)
    assert_converts(Fn(lambda x: torch.histc(x, 5, -2, 2)), [x], expect="aten.histc.default")


def test_histc_with_run_time_range_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="range computed at run time"):
        convert_module(Fn(lambda x: torch.histc(x, 4, 0, x.shape[0])), [sample(5)], dynamic={0: {0: (2, 8)}})


# ---- a mixture-of-experts router ----------------------------------------------------------------------

class Router(nn.Module):
    """Top-2 routing over 4 experts: weights from a softmax, per-expert load by histc, and each
    token's gated sum dispatched back with index_put(accumulate=True), as MoE layers do."""

    def __init__(self, hidden: int = 8, experts: int = 4):
        super().__init__()
        self.gate = nn.Linear(hidden, experts, bias=False)
        self.experts = nn.Parameter(torch.randn(experts, hidden, hidden) / hidden ** 0.5)
        self.count = experts

    def forward(self, tokens):
        probs = torch.softmax(self.gate(tokens), dim=-1)
        weights, chosen = torch.topk(probs, 2, dim=-1)  # [T, 2]
        weights = weights / weights.sum(-1, keepdim=True)
        load = torch.histc(chosen.float(), bins=self.count, min=0, max=self.count - 1)
        flat = chosen.reshape(-1)  # [T * 2]
        owner = torch.arange(tokens.shape[0]).repeat_interleave(2)
        outputs = torch.einsum("th,thd->td", tokens[owner], self.experts[flat]) * weights.reshape(-1, 1)
        mixed = torch.zeros_like(tokens).index_put((owner,), outputs, accumulate=True)
        return mixed, load, chosen


def test_moe_router():
    assert_converts(Router().eval(), [sample(6, 8)], expect=[TOPK, "aten.histc.default", "aten.index_put.default"],
                    dynamic={0: {0: (2, 12)}})


def test_moe_router_dispatch_by_sort():
    # Tokens grouped by expert (a stable argsort), as a dispatcher orders them before the expert calls.
    def fn(scores, tokens):
        _, chosen = torch.topk(torch.softmax(scores, -1), 1)
        order = torch.argsort(chosen.reshape(-1), stable=True)
        return tokens[order], torch.histc(chosen.float(), 3, 0, 2)

    assert_converts(Fn2(fn), [sample(7, 3), sample(7, 4, seed=1)],
                    expect=[TOPK, "aten.argsort.stable", "aten.histc.default"])
