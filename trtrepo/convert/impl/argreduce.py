"""Reductions that also say where: max/min along a dim with indices, argmax/argmin, via TopK (k=1).

TopK reduces one of the last four dims of a tensor of rank 2 or more, so another dim is moved to the
end first and a vector gets a leading unit dim. It outputs
int32 indices (the int64 output type is not in every TensorRT 10.x), cast to PyTorch's int64. TopK
does not document which index it returns for tied values; PyTorch returns the first.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.reduce import NARROW_TYPES
from trtrepo.convert.impl.shape import normalize_dim, permute, prepend_ones, reshape, squeeze

TOPK_AXES = 4  # TopK's axis must be one of the last four dims


def top1(ctx: ConversionContext, *, tensor: Any, dim: int, largest: bool) -> tuple[Any, Any]:
    """The extreme value along ``dim`` and its int64 index, both keeping ``dim`` with size 1."""
    rank = len(tensor.shape)
    if rank == 1:  # TopK takes at least two dims
        values, indices = top1(ctx, tensor=prepend_ones(ctx, tensor=tensor, count=1), dim=1, largest=largest)
        return reshape(ctx, tensor=values, sizes=[1]), reshape(ctx, tensor=indices, sizes=[1])
    source = ctx.dtype_of(tensor)
    work = ctx.cast(tensor, torch.int32) if source in NARROW_TYPES else tensor
    order = list(range(rank))
    if dim < rank - TOPK_AXES:
        order = [d for d in range(rank) if d != dim] + [dim]
        work = permute(ctx, tensor=work, order=order)
    ops = ctx.trt.TopKOperation
    layer = ctx.network.add_topk(work, ops.MAX if largest else ops.MIN, 1, 1 << order.index(dim))
    values, indices = layer.get_output(0), layer.get_output(1)
    if order != list(range(rank)):
        inverse = sorted(range(rank), key=order.__getitem__)
        values = permute(ctx, tensor=values, order=inverse)
        indices = permute(ctx, tensor=indices, order=inverse)
    return ctx.cast(values, source), ctx.cast(indices, torch.int64)


def extreme_with_index(ctx: ConversionContext, *, tensor: Any, dim: int, keepdim: bool,
                       largest: bool) -> tuple[Any, Any]:
    """``aten.max.dim`` / ``aten.min.dim``: the values and their int64 indices along ``dim``."""
    rank = len(tensor.shape)
    if rank == 0:  # a scalar is its own maximum, at index 0
        return tensor, ctx.constant(torch.tensor(0, dtype=torch.int64))
    dim = normalize_dim(dim, rank)
    values, indices = top1(ctx, tensor=tensor, dim=dim, largest=largest)
    if keepdim:
        return values, indices
    return squeeze(ctx, tensor=values, dims=[dim]), squeeze(ctx, tensor=indices, dims=[dim])


def arg_extreme(ctx: ConversionContext, *, tensor: Any, dim: int | None, keepdim: bool, largest: bool) -> Any:
    """``aten.argmax`` / ``aten.argmin``; ``dim=None`` indexes the flattened tensor."""
    rank = len(tensor.shape)
    if dim is not None:
        return extreme_with_index(ctx, tensor=tensor, dim=dim, keepdim=keepdim, largest=largest)[1]
    flat = reshape(ctx, tensor=tensor, sizes=[-1])
    _, index = top1(ctx, tensor=flat, dim=0, largest=largest)
    return reshape(ctx, tensor=index, sizes=[1] * rank if keepdim else [])
