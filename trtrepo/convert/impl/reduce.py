"""Reductions (sum, mean, prod, amax/amin, any/all) on TensorRT's reduce layer, with PyTorch's dtypes.

PyTorch's rules that TensorRT does not share are applied here: an empty or absent ``dim`` list means
every dim, a 0-d tensor reduces to itself, sums and products of integers and bools accumulate in
int64, and the reduce layer (which takes no bool or uint8) gets such inputs as int32.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import normalize_dim, squeeze

# Types IReduceLayer and ITopKLayer refuse; they are carried as int32 through the layer.
NARROW_TYPES = (torch.bool, torch.uint8, torch.int8)


def reduce_dims(dims: int | Sequence[int] | None, rank: int) -> list[int]:
    """Sorted non-negative dims; ``None`` or ``[]`` means every dim, as in ``aten.sum.dim_IntList``."""
    if dims is None:
        return list(range(rank))
    if isinstance(dims, int):
        dims = [dims]
    if len(dims) == 0:
        return list(range(rank))
    return sorted({normalize_dim(d, rank) for d in dims})


def axes_mask(dims: Sequence[int]) -> int:
    """TensorRT's axes bitmask (bit i = dim i)."""
    mask = 0
    for d in dims:
        mask |= 1 << d
    return mask


def reduce(ctx: ConversionContext, *, tensor: Any, op: Any, dims: int | Sequence[int] | None,
           keepdim: bool) -> Any:
    """One reduce layer over ``dims`` (None or empty: all dims); a 0-d tensor is its own reduction."""
    rank = len(tensor.shape)
    axes = reduce_dims(dims, rank)
    if rank == 0:
        return tensor
    return ctx.network.add_reduce(tensor, op, axes_mask(axes), keepdim).get_output(0)


def accumulate(ctx: ConversionContext, *, tensor: Any, dims: int | Sequence[int] | None, keepdim: bool,
               dtype: torch.dtype | None, product: bool = False) -> Any:
    """``aten.sum`` / ``aten.prod``: integers and bools accumulate in int64 unless ``dtype`` says otherwise."""
    source = ctx.dtype_of(tensor)
    if dtype is None:
        dtype = source if source.is_floating_point else torch.int64
    ops = ctx.trt.ReduceOperation
    return reduce(ctx, tensor=ctx.cast(tensor, dtype), op=ops.PROD if product else ops.SUM,
                  dims=dims, keepdim=keepdim)


def mean(ctx: ConversionContext, *, tensor: Any, dims: int | Sequence[int] | None, keepdim: bool,
         dtype: torch.dtype | None = None) -> Any:
    """``aten.mean``: the average over ``dims`` (PyTorch allows only float results)."""
    if dtype is not None:
        tensor = ctx.cast(tensor, dtype)
    return reduce(ctx, tensor=tensor, op=ctx.trt.ReduceOperation.AVG, dims=dims, keepdim=keepdim)


def extreme(ctx: ConversionContext, *, tensor: Any, dims: int | Sequence[int] | None, keepdim: bool,
            largest: bool) -> Any:
    """``aten.amax`` / ``aten.amin`` (and ``max``/``min`` of a whole tensor), in the input's dtype."""
    source = ctx.dtype_of(tensor)
    work = ctx.cast(tensor, torch.int32) if source in NARROW_TYPES else tensor
    ops = ctx.trt.ReduceOperation
    out = reduce(ctx, tensor=work, op=ops.MAX if largest else ops.MIN, dims=dims, keepdim=keepdim)
    return ctx.cast(out, source)


def logical(ctx: ConversionContext, *, tensor: Any, dims: int | Sequence[int] | None, keepdim: bool,
            every: bool) -> Any:
    """``aten.all`` (``every``) / ``aten.any`` as a reduction of 0/1 int32 flags.

    ``any`` sums the flags rather than taking their maximum so that an empty reduction gives False
    (the maximum of nothing is the integer minimum, which is non-zero); ``all`` takes the minimum,
    whose empty value (the integer maximum) is correctly True. PyTorch gives uint8 for uint8
    inputs; the result stays bool here, because TensorRT holds uint8 only at the network's edge:
    an output leaves in eager PyTorch's dtype (the interpreter casts it there).
    """
    flags = ctx.cast(ctx.cast(tensor, torch.bool), torch.int32)
    ops = ctx.trt.ReduceOperation
    out = reduce(ctx, tensor=flags, op=ops.MIN if every else ops.SUM, dims=dims, keepdim=keepdim)
    return ctx.cast(out, torch.bool)


def log_sum_exp(ctx: ConversionContext, *, tensor: Any, dims: Sequence[int], keepdim: bool) -> Any:
    """``aten.logsumexp``: ``max + log(sum(exp(x - max)))``, with an infinite max kept out of ``x - max``.

    Where the maximum is infinite PyTorch subtracts 0 instead, so a row of ``-inf`` gives ``-inf``
    and a row holding ``+inf`` gives ``+inf`` rather than NaN.
    """
    ew, unary = ctx.trt.ElementWiseOperation, ctx.trt.UnaryOperation
    if not ctx.dtype_of(tensor).is_floating_point:
        tensor = ctx.cast(tensor, torch.float32)
    if len(tensor.shape) == 0:
        return tensor
    peak = reduce(ctx, tensor=tensor, op=ctx.trt.ReduceOperation.MAX, dims=dims, keepdim=True)
    infinite = ctx.network.add_unary(peak, unary.ISINF).get_output(0)
    zero = ctx.scalar(0.0, peak)
    shift = ctx.network.add_select(infinite, zero, peak).get_output(0)
    centred = ctx.network.add_elementwise(tensor, shift, ew.SUB).get_output(0)
    exp = ctx.network.add_unary(centred, unary.EXP).get_output(0)
    total = reduce(ctx, tensor=exp, op=ctx.trt.ReduceOperation.SUM, dims=dims, keepdim=True)
    log = ctx.network.add_unary(total, unary.LOG).get_output(0)
    out = ctx.network.add_elementwise(log, shift, ew.SUM).get_output(0)
    return out if keepdim else squeeze(ctx, tensor=out, dims=reduce_dims(dims, len(tensor.shape)))
