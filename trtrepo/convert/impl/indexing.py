"""Indexing with index tensors: gather, index_select, embedding, advanced indexing, cumsum.

TensorRT's gather requires indices in ``[0, size)``. ``torch.gather``, ``index_select`` and
``embedding`` reject negative indices themselves, but advanced indexing (``x[idx]``) counts them from
the end: its index tensors are wrapped first (at build time for constants, by a few elementwise
layers for run-time indices).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import normalize_dim, permute, prepend_ones, reshape, sizes_of, unsqueeze
from trtrepo.convert.impl.symbolic import is_static


def wrap_indices(ctx: ConversionContext, *, index: Any, size: Any) -> Any:
    """``index`` with negative entries counted from the end of a dim of length ``size`` (an ITensor)."""
    if isinstance(index, torch.Tensor):
        if not bool((index < 0).any()):
            return ctx.constant(index)
        if is_static(size):
            return ctx.constant(torch.where(index < 0, index + int(size), index))
        index = ctx.constant(index)
    dtype = ctx.dtype_of(index)
    rank = len(index.shape)
    ew = ctx.trt.ElementWiseOperation
    zero = ctx.constant(torch.zeros((1,) * rank, dtype=dtype))
    negative = ctx.cast(ctx.network.add_elementwise(index, zero, ew.LESS).get_output(0), dtype)
    if is_static(size):
        length = ctx.constant(torch.full((1,) * rank, int(size), dtype=dtype))
    else:
        length = reshape(ctx, tensor=ctx.cast(size, dtype), sizes=[1] * rank)
    shift = ctx.network.add_elementwise(negative, length, ew.PROD).get_output(0)
    return ctx.network.add_elementwise(index, shift, ew.SUM).get_output(0)


def gather_elements(ctx: ConversionContext, *, tensor: Any, dim: int, index: Any) -> Any:
    """``torch.gather(tensor, dim, index)``: TensorRT's ELEMENT gather (ONNX GatherElements)."""
    layer = ctx.network.add_gather_v2(tensor, index, ctx.trt.GatherMode.ELEMENT)
    layer.axis = normalize_dim(dim, len(tensor.shape))
    return layer.get_output(0)


def index_select(ctx: ConversionContext, *, tensor: Any, dim: int, index: Any) -> Any:
    """``tensor.index_select(dim, index)`` for a 1-D (or 0-d, kept as one element) index."""
    dim = normalize_dim(dim, len(tensor.shape))
    if len(index.shape) == 0:
        index = reshape(ctx, tensor=index, sizes=[1])
    return ctx.network.add_gather(tensor, index, dim).get_output(0)


def embedding(ctx: ConversionContext, *, weight: Any, indices: Any) -> Any:
    """``F.embedding(indices, weight)``: rows of ``weight`` gathered along dim 0."""
    return ctx.network.add_gather(weight, indices, 0).get_output(0)


def advanced_index(ctx: ConversionContext, *, tensor: Any, indices: Sequence[Any]) -> Any:
    """``tensor[indices]`` (``aten.index.Tensor``) with integer index tensors; None keeps a dim whole.

    One index tensor is a plain gather on its dim. Several are broadcast together and stacked into
    coordinates for an ND gather over the indexed dims moved to the front; as in PyTorch, the
    result dims then stand where the indexed dims stood when those were adjacent, else in front.
    """
    positions = [i for i, index in enumerate(indices) if index is not None]
    sizes = sizes_of(ctx, tensor)
    wrapped = [wrap_indices(ctx, index=indices[p], size=sizes[p]) for p in positions]
    if len(positions) == 1:
        return ctx.network.add_gather(tensor, wrapped[0], positions[0]).get_output(0)
    coords = stack_last(ctx, broadcast_together(ctx, [ctx.cast(w, torch.int64) for w in wrapped]))
    rank = len(tensor.shape)
    rest = [d for d in range(rank) if d not in positions]
    moved = permute(ctx, tensor=tensor, order=positions + rest)
    out = ctx.network.add_gather_v2(moved, coords, ctx.trt.GatherMode.ND).get_output(0)
    batch = len(coords.shape) - 1
    first = positions[0]
    adjacent = positions == list(range(first, first + len(positions)))
    if not adjacent or first == 0:
        return out
    order = [batch + i for i in range(first)] + list(range(batch)) + list(range(batch + first, len(out.shape)))
    return permute(ctx, tensor=out, order=order)


def broadcast_together(ctx: ConversionContext, tensors: list[Any]) -> list[Any]:
    """Index tensors broadcast to their common shape (each plus a zero tensor of that shape)."""
    rank = max(len(t.shape) for t in tensors)
    aligned = [prepend_ones(ctx, tensor=t, count=rank - len(t.shape)) for t in tensors]
    if len(aligned) == 1:
        return aligned
    ew = ctx.trt.ElementWiseOperation
    zero_scalar = ctx.constant(torch.zeros((1,) * rank, dtype=torch.int64))
    zero = None
    for t in aligned:
        part = ctx.network.add_elementwise(t, zero_scalar, ew.PROD).get_output(0)
        zero = part if zero is None else ctx.network.add_elementwise(zero, part, ew.SUM).get_output(0)
    return [ctx.network.add_elementwise(t, zero, ew.SUM).get_output(0) for t in aligned]


def stack_last(ctx: ConversionContext, tensors: list[Any]) -> Any:
    """Tensors of one shape stacked along a new last dim (coordinates for an ND gather or scatter)."""
    rank = len(tensors[0].shape)
    layer = ctx.network.add_concatenation([unsqueeze(ctx, tensor=t, dim=rank) for t in tensors])
    layer.axis = rank
    return layer.get_output(0)


def cumsum(ctx: ConversionContext, *, tensor: Any, dim: int, dtype: torch.dtype | None) -> Any:
    """``torch.cumsum(tensor, dim, dtype=dtype)`` on TensorRT's cumulative layer.

    Like PyTorch, integer and bool inputs sum in int64 unless a dtype is given.
    """
    source = ctx.dtype_of(tensor)
    dtype = dtype or (source if source.is_floating_point else torch.int64)
    tensor = ctx.cast(tensor, dtype)
    if len(tensor.shape) == 0:  # the layer needs rank >= 1
        flat = cumsum(ctx, tensor=reshape(ctx, tensor=tensor, sizes=[1]), dim=0, dtype=dtype)
        return reshape(ctx, tensor=flat, sizes=[])
    axis = ctx.constant(torch.tensor(normalize_dim(dim, len(tensor.shape)), dtype=torch.int32))
    layer = ctx.network.add_cumulative(tensor, axis, ctx.trt.CumulativeOperation.SUM, False, False)
    return layer.get_output(0)
