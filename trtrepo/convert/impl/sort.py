"""Sorting and selection: topk, sort, argsort on TensorRT's TopK layer, or by ranks where it cannot.

TopK reduces one of the last four dims (another dim is moved to the end first) of a tensor of
rank >= 2 (a vector gets a leading unit dim), takes no bool or 8-bit integers (they go through as
int32), outputs int32 indices (cast to PyTorch's int64), and caps k at ``TOPK_MAX_K`` (documented
in TensorRT's operator reference). It does not document which of several equal values comes first.

So a stable sort, or a sort along a dim longer than TopK's cap, is computed from ranks instead:
element ``i`` goes to position ``#{j: x[j] sorts strictly before x[i]} + #{j < i: x[j] == x[i]}``,
an ``n x n`` comparison per row, then an ELEMENT scatter of the values and their indices to those
(distinct) positions. NaN sorts above every number, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.creation import arange
from trtrepo.convert.impl.reduce import NARROW_TYPES, axes_mask
from trtrepo.convert.impl.segment import is_nan
from trtrepo.convert.impl.shape import normalize_dim, permute, prepend_ones, reshape, sizes_of, unsqueeze
from trtrepo.convert.impl.slicing import expand
from trtrepo.convert.impl.symbolic import is_static

TOPK_MAX_K = 3840  # TensorRT's TopK operator reference: "k must obey k <= d, k <= 3840"
TOPK_AXES = 4  # TopK's axis must be one of the last four dims


def topk(ctx: ConversionContext, *, tensor: Any, k: Any, dim: int, largest: bool) -> tuple[Any, Any]:
    """``torch.topk(tensor, k, dim, largest)``: values and int64 indices, always sorted.

    ``k`` is an int or a one-element tensor (a symbolic size); the validator keeps it under the cap.
    """
    rank = len(tensor.shape)
    if rank == 0:  # a scalar's only element, at index 0
        return tensor, ctx.constant(torch.tensor(0, dtype=torch.int64))
    dim = normalize_dim(dim, rank)
    if rank == 1:  # TopK takes at least two dims
        values, indices = topk(ctx, tensor=prepend_ones(ctx, tensor=tensor, count=1), k=k, dim=1, largest=largest)
        size = [k] if is_static(k) else [-1]
        return reshape(ctx, tensor=values, sizes=size), reshape(ctx, tensor=indices, sizes=size)
    source = ctx.dtype_of(tensor)
    work = ctx.cast(tensor, torch.int32) if source in NARROW_TYPES else tensor
    order = list(range(rank))
    if dim < rank - TOPK_AXES:
        order = [d for d in range(rank) if d != dim] + [dim]
        work = permute(ctx, tensor=work, order=order)
    ops = ctx.trt.TopKOperation
    layer = ctx.network.add_topk(work, ops.MAX if largest else ops.MIN, int(k) if is_static(k) else 1,
                                 axes_mask([order.index(dim)]))
    if not is_static(k):
        layer.set_input(1, reshape(ctx, tensor=ctx.cast(k, torch.int32), sizes=[]))
    values, indices = layer.get_output(0), layer.get_output(1)
    if order != list(range(rank)):
        inverse = sorted(range(rank), key=order.__getitem__)
        values = permute(ctx, tensor=values, order=inverse)
        indices = permute(ctx, tensor=indices, order=inverse)
    return ctx.cast(values, source), ctx.cast(indices, torch.int64)


def sort(ctx: ConversionContext, *, tensor: Any, dim: int, descending: bool, stable: bool,
         longest: int | None) -> tuple[Any, Any]:
    """``torch.sort``: values and int64 indices along ``dim``.

    ``longest`` is the dim's largest possible length (None when unbounded). An unstable sort that
    TopK can take is one TopK of the whole dim; any other is computed from ranks.
    """
    rank = len(tensor.shape)
    if rank == 0:
        return tensor, ctx.constant(torch.tensor(0, dtype=torch.int64))
    dim = normalize_dim(dim, rank)
    if not stable and longest is not None and longest <= TOPK_MAX_K:
        length = sizes_of(ctx, tensor)[dim]
        return topk(ctx, tensor=tensor, k=length, dim=dim, largest=descending)
    return _rank_sort(ctx, tensor=tensor, dim=dim, descending=descending)


def _rank_sort(ctx: ConversionContext, *, tensor: Any, dim: int, descending: bool) -> tuple[Any, Any]:
    """A stable sort: each element's rank counted by comparisons, then scattered there."""
    rank = len(tensor.shape)
    source = ctx.dtype_of(tensor)
    order = [d for d in range(rank) if d != dim] + [dim]
    inverse = sorted(range(rank), key=order.__getitem__)
    moved = permute(ctx, tensor=tensor, order=order)  # [..., n]
    keys = ctx.cast(moved, torch.int32) if source in NARROW_TYPES else moved
    mine = unsqueeze(ctx, tensor=keys, dim=rank)  # x[i] along dim -2: [..., n, 1]
    other = unsqueeze(ctx, tensor=keys, dim=rank - 1)  # x[j] along dim -1: [..., 1, n]
    ew = ctx.trt.ElementWiseOperation
    ahead = _sorts_before(ctx, other, mine, descending=descending)
    tie = _same_key(ctx, other, mine)
    n = sizes_of(ctx, moved)[rank - 1]
    positions = arange(ctx, start=0, end=n, step=1, dtype=torch.int64)
    earlier = ctx.network.add_elementwise(reshape(ctx, tensor=positions, sizes=[1, -1]),
                                          reshape(ctx, tensor=positions, sizes=[-1, 1]), ew.LESS).get_output(0)
    earlier = prepend_ones(ctx, tensor=earlier, count=rank - 1)
    tie_before = ctx.network.add_elementwise(tie, earlier, ew.AND).get_output(0)
    before = ctx.network.add_elementwise(ahead, tie_before, ew.OR).get_output(0)
    ranks = ctx.network.add_reduce(ctx.cast(before, torch.int64), ctx.trt.ReduceOperation.SUM,
                                   axes_mask([rank]), False).get_output(0)  # [..., n]
    scatter_mode = ctx.trt.ScatterMode.ELEMENT
    carried = ctx.cast(moved, torch.int32) if source in (torch.bool, torch.uint8) else moved
    layer = ctx.network.add_scatter(carried, ranks, carried, scatter_mode)
    layer.axis = rank - 1
    values = ctx.cast(layer.get_output(0), source)
    numbers = expand(ctx, tensor=prepend_ones(ctx, tensor=positions, count=rank - 1), sizes=sizes_of(ctx, moved))
    layer = ctx.network.add_scatter(numbers, ranks, numbers, scatter_mode)
    layer.axis = rank - 1
    indices = layer.get_output(0)
    return permute(ctx, tensor=values, order=inverse), permute(ctx, tensor=indices, order=inverse)


def _sorts_before(ctx: ConversionContext, a: Any, b: Any, *, descending: bool) -> Any:
    """Whether ``a`` sorts strictly before ``b`` (NaN counts as the largest value)."""
    ew = ctx.trt.ElementWiseOperation
    strictly = ctx.network.add_elementwise(a, b, ew.GREATER if descending else ew.LESS).get_output(0)
    if not ctx.dtype_of(a).is_floating_point:
        return strictly
    nan_a, nan_b = is_nan(ctx, a), is_nan(ctx, b)
    # Ascending: a number sorts before NaN; descending: NaN sorts before a number.
    first, second = (nan_a, nan_b) if descending else (nan_b, nan_a)
    not_second = ctx.network.add_unary(second, ctx.trt.UnaryOperation.NOT).get_output(0)
    nan_rule = ctx.network.add_elementwise(first, not_second, ew.AND).get_output(0)
    return ctx.network.add_elementwise(strictly, nan_rule, ew.OR).get_output(0)


def _same_key(ctx: ConversionContext, a: Any, b: Any) -> Any:
    """Whether ``a`` and ``b`` tie (equal, or both NaN)."""
    ew = ctx.trt.ElementWiseOperation
    equal = ctx.network.add_elementwise(a, b, ew.EQUAL).get_output(0)
    if not ctx.dtype_of(a).is_floating_point:
        return equal
    both = ctx.network.add_elementwise(is_nan(ctx, a), is_nan(ctx, b), ew.AND).get_output(0)
    return ctx.network.add_elementwise(equal, both, ew.OR).get_output(0)

