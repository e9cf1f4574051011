"""Helpers shared by the spatial families (convolution, pooling, resize, padding).

TensorRT's convolution and pooling layers want 2-d or 3-d windows over a batched input, so 1-d ops
borrow a trailing unit dim and unbatched inputs a leading one. Lengths that depend on a dynamic dim
are computed as one-element int64 shape tensors, never frozen at their export-time value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import as_1d_int64, dim_size, flatten, prepend_ones, reshape, size_tensor

Size = Any  # an int, or a one-element int64 ITensor when the size is only known at run time


def per_dim(values: Sequence[int] | int, spatial: int) -> tuple[int, ...]:
    """PyTorch allows one value for all spatial dims; TensorRT wants one per dim."""
    if isinstance(values, int):
        return (values,) * spatial
    values = tuple(int(v) for v in values)
    return values * spatial if len(values) == 1 else values


def sizes_of(ctx: ConversionContext, tensor: Any) -> list[Size]:
    """Every dim of ``tensor``: ints where static, one-element int64 tensors where dynamic."""
    return [dim_size(ctx, tensor=tensor, dim=d) for d in range(len(tensor.shape))]


def append_unit_dim(ctx: ConversionContext, tensor: Any) -> Any:
    """``tensor.unsqueeze(-1)``: how a 1-d op borrows TensorRT's 2-d layers."""
    return reshape(ctx, tensor=tensor, sizes=sizes_of(ctx, tensor) + [1])


def drop_last_dim(ctx: ConversionContext, tensor: Any) -> Any:
    """``tensor.squeeze(-1)`` of a trailing unit dim added by :func:`append_unit_dim`."""
    rank = len(tensor.shape)
    return flatten(ctx, tensor=tensor, start=rank - 2, end=rank - 1)


def add_batch_dim(ctx: ConversionContext, tensor: Any) -> Any:
    """``tensor.unsqueeze(0)``: TensorRT pools and convolves only batched ``[N, C, *spatial]`` inputs."""
    return prepend_ones(ctx, tensor=tensor, count=1)


def drop_batch_dim(ctx: ConversionContext, tensor: Any) -> Any:
    """``tensor.squeeze(0)`` of a leading unit dim added by :func:`add_batch_dim`."""
    return flatten(ctx, tensor=tensor, start=0, end=1)


def affine_size(ctx: ConversionContext, size: Size, *, offset: int = 0, divisor: int = 1, scale: int = 1) -> Size:
    """``floor((size * scale + offset) / divisor)``, statically when ``size`` is an int."""
    if not ctx.is_tensor(size):
        return (int(size) * scale + offset) // divisor
    ops = ctx.trt.ElementWiseOperation
    value = as_1d_int64(ctx, size)
    for op, operand, skip in ((ops.PROD, scale, 1), (ops.SUM, offset, 0), (ops.FLOOR_DIV, divisor, 1)):
        if operand != skip:
            constant = ctx.constant(torch.tensor([operand], dtype=torch.int64))
            value = ctx.network.add_elementwise(value, constant, op).get_output(0)
    return value


def slice_axes(ctx: ConversionContext, tensor: Any, *, starts: Mapping[int, int], sizes: Mapping[int, Size],
               strides: Mapping[int, int] | None = None, mode: str = "STRICT_BOUNDS",
               fill: float | int | None = None) -> Any:
    """An ISliceLayer over some axes, the others taken whole (their sizes may be dynamic).

    ``starts`` may be negative and windows may run past the input: ``mode`` (a ``trt.SampleMode``
    name) says what is read there (FILL: ``fill``, CLAMP: the edge, REFLECT, WRAP).
    """
    strides = strides or {}
    rank = len(tensor.shape)
    all_sizes = [sizes[d] if d in sizes else dim_size(ctx, tensor=tensor, dim=d) for d in range(rank)]
    start = tuple(int(starts.get(d, 0)) for d in range(rank))
    stride = tuple(int(strides.get(d, 1)) for d in range(rank))
    static = [0 if ctx.is_tensor(s) else int(s) for s in all_sizes]
    layer = ctx.network.add_slice(tensor, start, tuple(static), stride)
    if any(ctx.is_tensor(s) for s in all_sizes):
        layer.set_input(2, size_tensor(ctx, all_sizes))
    layer.mode = getattr(ctx.trt.SampleMode, mode)
    if mode == "FILL" and fill:
        value = torch.tensor(fill, dtype=ctx.dtype_of(tensor))
        layer.set_input(4, ctx.constant(value, dtype=value.dtype))
    return layer.get_output(0)


def concat(ctx: ConversionContext, tensors: Sequence[Any], axis: int) -> Any:
    """Concatenate along ``axis`` (a single tensor passes through)."""
    if len(tensors) == 1:
        return tensors[0]
    layer = ctx.network.add_concatenation(list(tensors))
    layer.axis = axis
    return layer.get_output(0)


def reduce_axes(ctx: ConversionContext, tensor: Any, *, axes: Sequence[int], op: str) -> Any:
    """Reduce (``trt.ReduceOperation`` name) over ``axes``, keeping them as size 1."""
    mask = 0
    for axis in axes:
        mask |= 1 << axis
    return ctx.network.add_reduce(tensor, getattr(ctx.trt.ReduceOperation, op), mask, True).get_output(0)
