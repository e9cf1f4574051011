"""Writing into a tensor: scatter, scatter_reduce/scatter_add, slice/select_scatter, copy.

``torch.scatter`` is TensorRT's ELEMENT scatter (ONNX ScatterElements), whose index and updates
have one shape: ``src`` (which PyTorch lets be larger) is first cut to the index's shape. Scatters
that combine duplicates are built from one-hot masks (``impl/segment.py``): TensorRT's scatter
writes each update once. ``slice_scatter`` and ``select_scatter`` gather ``src`` back along the dim
and select it where the slice lies, which works for any dtype and for run-time sizes.
Advanced-index writes (``index_put``) are in ``impl/index_put.py``.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import segment
from trtrepo.convert.impl.creation import arange, full, typed_constant
from trtrepo.convert.impl.shape import normalize_dim, permute, reshape, sizes_of, unsqueeze
from trtrepo.convert.impl.slicing import expand, slice_layer
from trtrepo.convert.impl.symbolic import int_op, is_static

# Types TensorRT's scatter layer does not take: carried through it as int32 (a lossless round trip).
CARRIED_TYPES = (torch.bool, torch.uint8)


def scatter(ctx: ConversionContext, *, tensor: Any, dim: int, index: Any, src: Any) -> Any:
    """``tensor.scatter(dim, index, src)``; ``src`` is an ITensor or a Python scalar (``scatter.value``).

    PyTorch leaves duplicate indices undefined, and so does TensorRT.
    """
    if len(tensor.shape) == 0:  # TensorRT scatters rank >= 1: a 0-d tensor goes through as [1]
        out = scatter(ctx, tensor=_vector_of(ctx, tensor), dim=0, index=_vector_of(ctx, index),
                      src=_vector_of(ctx, src))
        return reshape(ctx, tensor=out, sizes=[])
    dtype = ctx.dtype_of(tensor)
    dim = normalize_dim(dim, len(tensor.shape))
    updates = _updates(ctx, src=src, index=index, dtype=dtype)
    carry = torch.int32 if dtype in CARRIED_TYPES else dtype
    layer = ctx.network.add_scatter(ctx.cast(tensor, carry), ctx.cast(index, torch.int64), ctx.cast(updates, carry),
                                    ctx.trt.ScatterMode.ELEMENT)
    layer.axis = dim
    return ctx.cast(layer.get_output(0), dtype)


def _vector_of(ctx: ConversionContext, value: Any) -> Any:
    """A 0-d ITensor as a one-element vector; Python scalars and other tensors unchanged."""
    if ctx.is_tensor(value) and len(value.shape) == 0:
        return reshape(ctx, tensor=value, sizes=[1])
    return value


def _updates(ctx: ConversionContext, *, src: Any, index: Any, dtype: torch.dtype) -> Any:
    """The values written at ``index``: ``src`` cut to the index's shape (or a scalar filled to it)."""
    sizes = sizes_of(ctx, index)
    if not ctx.is_tensor(src):
        return full(ctx, sizes=sizes, value=src, dtype=dtype)
    src = ctx.cast(src, dtype)
    if tuple(src.shape) == tuple(index.shape) and all(d >= 0 for d in index.shape):
        return src
    return slice_layer(ctx, tensor=src, start=[0] * len(sizes), size=sizes, stride=[1] * len(sizes))


def scatter_reduce(ctx: ConversionContext, *, tensor: Any, dim: int, index: Any, src: Any, reduce: str,
                   include_self: bool) -> Any:
    """``tensor.scatter_reduce(dim, index, src, reduce, include_self=...)`` for every PyTorch reduce.

    The index's dim ``dim`` becomes a mask axis over the target positions; the other dims of index
    may be shorter than the tensor's, so the per-position results are padded to its shape, and
    positions that receive nothing keep the tensor's value.
    """
    if len(tensor.shape) == 0:
        out = scatter_reduce(ctx, tensor=_vector_of(ctx, tensor), dim=0, index=_vector_of(ctx, index),
                             src=_vector_of(ctx, src), reduce=reduce, include_self=include_self)
        return reshape(ctx, tensor=out, sizes=[])
    dtype = ctx.dtype_of(tensor)
    rank = len(tensor.shape)
    dim = normalize_dim(dim, rank)
    updates = _updates(ctx, src=src, index=index, dtype=dtype)
    order = [d for d in range(rank) if d != dim] + [dim]
    inverse = sorted(range(rank), key=order.__getitem__)
    length = sizes_of(ctx, tensor)[dim]
    mask = segment.one_hot(ctx, index=permute(ctx, tensor=index, order=order), length=length)  # [..., J, L]
    moved = unsqueeze(ctx, tensor=permute(ctx, tensor=updates, order=order), dim=rank)  # [..., J, 1]
    combined = segment.masked_reduce(ctx, values=moved, mask=mask, axis=rank - 1, reduce=reduce)  # [..., L]
    hits = segment.count(ctx, mask=mask, axis=rank - 1)
    combined, hits = (_pad_to(ctx, permute(ctx, tensor=t, order=inverse), tensor) for t in (combined, hits))
    return _combine(ctx, tensor=tensor, combined=combined, hits=hits, reduce=reduce, include_self=include_self)


def _pad_to(ctx: ConversionContext, part: Any, like: Any) -> Any:
    """``part`` (no larger than ``like`` in any dim) padded with zeros to ``like``'s shape."""
    if tuple(part.shape) == tuple(like.shape) and all(d >= 0 for d in like.shape):
        return part
    sizes = sizes_of(ctx, like)
    return slice_layer(ctx, tensor=part, start=[0] * len(sizes), size=sizes, stride=[1] * len(sizes), mode="FILL")


def _combine(ctx: ConversionContext, *, tensor: Any, combined: Any, hits: Any, reduce: str,
             include_self: bool) -> Any:
    """The tensor's value where nothing was scattered, else the reduction (with it, if ``include_self``)."""
    dtype = ctx.dtype_of(tensor)
    ew = ctx.trt.ElementWiseOperation
    rank = len(tensor.shape)
    value = combined
    if include_self and reduce != "mean":
        op = {"sum": ew.SUM, "prod": ew.PROD, "amax": ew.MAX, "amin": ew.MIN}[reduce]
        value = ctx.network.add_elementwise(tensor, combined, op).get_output(0)
    elif reduce == "mean":
        total = ctx.network.add_elementwise(tensor, combined, ew.SUM).get_output(0) if include_self else combined
        one = ctx.constant(torch.ones((1,) * rank, dtype=torch.int32))
        # A position that receives nothing keeps its value (below); dividing it by 1 avoids 0 / 0.
        divisor = ctx.network.add_elementwise(hits, one, ew.SUM if include_self else ew.MAX).get_output(0)
        # Like PyTorch, integers divide with floor rounding.
        op = ew.DIV if dtype.is_floating_point else ew.FLOOR_DIV
        value = ctx.network.add_elementwise(total, ctx.cast(divisor, dtype), op).get_output(0)
    zero = ctx.constant(torch.zeros((1,) * rank, dtype=torch.int32))
    received = ctx.network.add_elementwise(hits, zero, ew.GREATER).get_output(0)
    return ctx.network.add_select(received, value, tensor).get_output(0)


def slice_scatter(ctx: ConversionContext, *, tensor: Any, src: Any, dim: int, start: Any, step: int) -> Any:
    """``torch.slice_scatter(tensor, src, dim, start, end, step)``: ``src`` written over the slice.

    ``src`` has exactly the slice's shape, so its length along ``dim`` is the slice's length and
    ``end`` is not needed. Position ``p`` of the dim lies in the slice when ``p - first`` is a
    non-negative multiple of ``step`` below ``step * len``; it then takes ``src``'s entry
    ``(p - first) // step``.
    """
    rank = len(tensor.shape)
    dim = normalize_dim(dim, rank)
    dtype = ctx.dtype_of(tensor)
    sizes = sizes_of(ctx, tensor)
    first = _slice_start(ctx, start, sizes[dim])
    count = sizes_of(ctx, src)[dim]
    ew = ctx.trt.ElementWiseOperation
    offset = _minus(ctx, arange(ctx, start=0, end=sizes[dim], step=1, dtype=torch.int64), first)
    slot = ctx.network.add_elementwise(offset, _vector(ctx, step), ew.FLOOR_DIV).get_output(0)
    back = ctx.network.add_elementwise(slot, _vector(ctx, step), ew.PROD).get_output(0)
    aligned = ctx.network.add_elementwise(back, offset, ew.EQUAL).get_output(0)
    after = ctx.network.add_elementwise(offset, _vector(ctx, -1), ew.GREATER).get_output(0)
    before_end = ctx.network.add_elementwise(slot, _vector(ctx, count), ew.LESS).get_output(0)
    inside = ctx.network.add_elementwise(ctx.network.add_elementwise(aligned, after, ew.AND).get_output(0),
                                         before_end, ew.AND).get_output(0)
    last = int_op(ctx, "max", int_op(ctx, "sub", count, 1), 0)
    slot = ctx.network.add_elementwise(ctx.network.add_elementwise(slot, _vector(ctx, 0), ew.MAX).get_output(0),
                                       _vector(ctx, last), ew.MIN).get_output(0)
    spread = ctx.network.add_gather(ctx.cast(src, dtype), slot, dim).get_output(0)  # src along the whole dim
    shape = [1] * rank
    shape[dim] = -1
    inside = reshape(ctx, tensor=inside, sizes=shape)
    inside = expand(ctx, tensor=inside, sizes=sizes)
    return ctx.network.add_select(inside, spread, tensor).get_output(0)


def select_scatter(ctx: ConversionContext, *, tensor: Any, src: Any, dim: int, index: Any) -> Any:
    """``torch.select_scatter(tensor, src, dim, index)``: ``src`` written at ``index`` of ``dim``."""
    dim = normalize_dim(dim, len(tensor.shape))
    if is_static(index) and int(index) < 0:
        index = int_op(ctx, "add", int(index), sizes_of(ctx, tensor)[dim])
    return slice_scatter(ctx, tensor=tensor, src=unsqueeze(ctx, tensor=src, dim=dim), dim=dim, start=index, step=1)


def copy(ctx: ConversionContext, *, tensor: Any, src: Any) -> Any:
    """``aten.copy(tensor, src)``: ``src`` broadcast to ``tensor``'s shape in ``tensor``'s dtype."""
    src = ctx.cast(src, ctx.dtype_of(tensor))
    return expand(ctx, tensor=src, sizes=sizes_of(ctx, tensor))


def _slice_start(ctx: ConversionContext, start: Any, length: Any) -> Any:
    """A slice's first position: negative counts from the end, then clamped into ``[0, length]``."""
    if start is None:
        return 0
    if not is_static(start):
        return int_op(ctx, "min", start, length)
    if int(start) < 0:
        return int_op(ctx, "max", int_op(ctx, "add", int(start), length), 0)
    return int_op(ctx, "min", int(start), length)


def _vector(ctx: ConversionContext, value: Any) -> Any:
    """A size (int or one-element tensor) as a one-element int64 vector."""
    if ctx.is_tensor(value):
        return reshape(ctx, tensor=ctx.cast(value, torch.int64), sizes=[1])
    return typed_constant(ctx, torch.tensor([int(value)]), torch.int64)


def _minus(ctx: ConversionContext, values: Any, amount: Any) -> Any:
    if is_static(amount) and int(amount) == 0:
        return values
    return ctx.network.add_elementwise(values, _vector(ctx, amount), ctx.trt.ElementWiseOperation.SUB).get_output(0)
