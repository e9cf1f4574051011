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
from trtrepo.convert.impl import sort
from trtrepo.convert.impl.shape import normalize_dim, reshape, squeeze


def top1(ctx: ConversionContext, *, tensor: Any, dim: int, largest: bool) -> tuple[Any, Any]:
    """The extreme value along ``dim`` and its int64 index, both keeping ``dim`` with size 1."""
    return sort.topk(ctx, tensor=tensor, k=1, dim=dim, largest=largest)


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
