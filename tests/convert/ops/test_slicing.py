"""slice/select/narrow, split/chunk/unbind, cat/stack, repeat, flip, roll: static and dynamic dims."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.convert.harness import Fn, Fn2, assert_converts, spec_for
from trtrepo.capture import capture
from trtrepo.convert.registry import REGISTRY

BATCH = {0: {0: (1, 8)}}
SEQ = {0: {1: (4, 9)}}  # torch.export guards the sliced length against the bounds: keep it >= 4


@pytest.mark.parametrize("index", [
    lambda x: x[:, 1:],
    lambda x: x[:, -2:],
    lambda x: x[:, :-1],
    lambda x: x[:, 1:100],
    lambda x: x[:, ::2],
    lambda x: x[:, 1::3],
    lambda x: x[:, -4:-1:2],
    lambda x: x[:, 7:],  # empty: start past the end
], ids=["start", "neg_start", "neg_end", "huge_end", "step", "start_step", "neg_both_step", "empty"])
def test_slice_static(index):
    assert_converts(Fn(index), [torch.randn(2, 6, 3)], expect="aten.slice.Tensor")


@pytest.mark.parametrize("index", [
    lambda x: x[:, 1:],
    lambda x: x[:, -2:],
    lambda x: x[:, :-1],
    lambda x: x[:, ::2],
    lambda x: x[:, 1:3],
    lambda x: x[:, -3::2],
], ids=["start", "neg_start", "neg_end", "step", "window", "neg_start_step"])
def test_slice_dynamic_dim(index):
    # The sliced dim itself is dynamic (2..9): bounds are resolved against the run-time length.
    assert_converts(Fn(index), [torch.randn(2, 6, 3)], expect="aten.slice.Tensor", dynamic=SEQ)


def test_slice_other_dim_dynamic():
    assert_converts(Fn(lambda x: x[..., 1:3]), [torch.randn(2, 6, 4)], expect="aten.slice.Tensor", dynamic=BATCH)


def test_slice_to_symbolic_end():
    # x[:, :y.shape[1]]: the end is a symbolic size.
    x, y = torch.randn(2, 10), torch.randn(2, 4)
    assert_converts(Fn2(lambda x, y: x[:, : y.shape[1]] + y), [x, y], expect="aten.slice.Tensor",
                    dynamic={1: {1: (2, 9)}})


def test_slice_int():
    x = torch.arange(24, dtype=torch.int32).reshape(4, 6)
    assert_converts(Fn(lambda x: x[1:, ::2]), [x], expect="aten.slice.Tensor")


def test_narrow_lowers_to_slice():
    # narrow is an aliasing composite op: torch.export always turns it into slice.
    assert_converts(Fn(lambda x: x.narrow(1, 1, 3)), [torch.randn(2, 6)], expect="aten.slice.Tensor", dynamic=BATCH)


@pytest.mark.parametrize("dim,index", [(0, 1), (1, -1), (-1, 0), (2, -2)])
def test_select_static(dim, index):
    assert_converts(Fn(lambda x: x.select(dim, index)), [torch.randn(2, 3, 4)], expect="aten.select.int")


@pytest.mark.parametrize("index", [0, 1, -1, -2])
def test_select_on_dynamic_dim(index):
    assert_converts(Fn(lambda x: x[:, index]), [torch.randn(2, 6, 3)], expect="aten.select.int", dynamic=SEQ)


def test_select_1d_to_0d():
    assert_converts(Fn(lambda x: x[2] * x), [torch.randn(5)], expect="aten.select.int")


@pytest.mark.parametrize("size,dim", [(2, 1), (4, -1), (3, 0)])
def test_split(size, dim):
    x = torch.randn(5, 7)
    assert_converts(Fn(lambda x: x.split(size, dim)), [x], expect="aten.split.Tensor")


def test_split_other_dim_dynamic():
    assert_converts(Fn(lambda x: x.split(2, 1)), [torch.randn(3, 5)], expect="aten.split.Tensor", dynamic=BATCH)


def test_chunk_lowers_to_split():
    assert_converts(Fn(lambda x: x.chunk(3, -1)), [torch.randn(2, 8)], expect="aten.split.Tensor", dynamic=BATCH)


@pytest.mark.parametrize("op,args", [(torch.ops.aten.split.Tensor, (2,)), (torch.ops.aten.unbind.int, ())])
def test_rejects_splitting_a_dynamic_dim(op, args):
    # The number of outputs would depend on the run-time size; the validator sees only the FX node.
    spec = spec_for([torch.randn(4, 3)], 1, BATCH)
    graph = capture(spec, Fn(lambda x: x + 1)).graph_module.graph
    x = next(n for n in graph.nodes if n.op == "placeholder")
    entry = REGISTRY.get(op)
    assert "dynamic dim" in entry.rejection(graph.call_function(op, (x, *args, 0)))
    assert entry.rejection(graph.call_function(op, (x, *args, 1))) is None


@pytest.mark.parametrize("sizes,dim", [([1, 2, 4], 1), ([3, 2], 0)])
def test_split_with_sizes(sizes, dim):
    x = torch.randn(5, 7)
    assert_converts(Fn(lambda x: x.split(sizes, dim)), [x], expect="aten.split_with_sizes.default")


def test_split_with_sizes_other_dim_dynamic():
    assert_converts(Fn(lambda x: x.split([1, 3], -1)), [torch.randn(2, 4)], expect="aten.split_with_sizes.default",
                    dynamic=BATCH)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind(dim):
    assert_converts(Fn(lambda x: x.unbind(dim)), [torch.randn(2, 3, 4)], expect="aten.unbind.int")


def test_unbind_other_dim_dynamic():
    assert_converts(Fn(lambda x: x.unbind(1)), [torch.randn(2, 3)], expect="aten.unbind.int", dynamic=BATCH)


@pytest.mark.parametrize("dim", [0, 1, -1, -2])
def test_cat(dim):
    x = torch.randn(2, 3, 4)
    assert_converts(Fn(lambda x: torch.cat([x, x * 2, x + 1], dim)), [x], expect="aten.cat.default")


@pytest.mark.parametrize("other", [torch.int32, torch.int64, torch.bool, torch.float32])
def test_cat_promotes_dtypes(other):
    x, y = torch.randn(2, 3), (torch.randn(2, 3) * 4).to(other)
    assert_converts(Fn2(lambda x, y: torch.cat([y, x], -1)), [x, y], expect="aten.cat.default")


def test_cat_int_and_bool():
    x, y = torch.randint(0, 9, (2, 3), dtype=torch.int32), torch.randn(2, 2) > 0
    assert_converts(Fn2(lambda x, y: torch.cat([x, y], 1)), [x, y], expect="aten.cat.default")


def test_cat_with_weight_dynamic():
    class CatWeight(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("w", torch.randn(1, 4))

        def forward(self, x):
            return torch.cat([self.w.expand(x.shape[0], 4), x], dim=-1)

    assert_converts(CatWeight(), [torch.randn(3, 2)], expect="aten.cat.default", dynamic=BATCH)


def test_cat_along_dynamic_dims():
    x, y = torch.randn(2, 3), torch.randn(4, 3)
    assert_converts(Fn2(lambda x, y: torch.cat([x, y])), [x, y], expect="aten.cat.default",
                    dynamic={0: {0: (1, 6)}, 1: {0: (1, 5)}})


@pytest.mark.parametrize("dim", [0, 1, -1, 2])
def test_stack(dim):
    x = torch.randn(2, 3)
    assert_converts(Fn(lambda x: torch.stack([x, x * 3], dim)), [x], expect="aten.stack.default", dynamic=BATCH)


def test_stack_int():
    x = torch.arange(6, dtype=torch.int64).reshape(2, 3)
    assert_converts(Fn(lambda x: torch.stack([x, x + 1, x], 1)), [x], expect="aten.stack.default")


@pytest.mark.parametrize("repeats", [(2, 3), (1, 1), (2, 1, 2), (3,)], ids=["both", "none", "new_dim", "tile"])
def test_repeat(repeats):
    x = torch.randn(2, 3)
    fn = (lambda x: x.tile(repeats)) if len(repeats) == 1 else (lambda x: x.repeat(*repeats))
    assert_converts(Fn(fn), [x], expect="aten.repeat.default", dynamic=BATCH)


def test_repeat_int():
    x = torch.arange(6, dtype=torch.int32).reshape(2, 3)
    assert_converts(Fn(lambda x: x.repeat(2, 2)), [x], expect="aten.repeat.default")


@pytest.mark.parametrize("dims", [(0,), (1, -1), (0, 1, 2)])
def test_flip(dims):
    assert_converts(Fn(lambda x: x.flip(dims)), [torch.randn(3, 4, 5)], expect="aten.flip.default",
                    dynamic={0: {0: (1, 8), 2: (2, 7)}})


def test_flip_bool():
    assert_converts(Fn(lambda x: x.flip(1)), [torch.randn(3, 4) > 0], expect="aten.flip.default")


@pytest.mark.parametrize("shifts,dims", [(1, 1), (-2, 0), (7, -1), ((1, -3), (0, 2))])
def test_roll(shifts, dims):
    assert_converts(Fn(lambda x: torch.roll(x, shifts, dims)), [torch.randn(3, 4, 5)], expect="aten.roll.default")


def test_roll_dynamic_dim():
    assert_converts(Fn(lambda x: torch.roll(x, 3, 0)), [torch.randn(5, 2)], expect="aten.roll.default",
                    dynamic={0: {0: (1, 8)}})


def test_roll_flattened():
    assert_converts(Fn(lambda x: torch.roll(x, 2)), [torch.randn(3, 4)], expect="aten.roll.default", dynamic=BATCH)

