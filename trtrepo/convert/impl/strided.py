"""Views with their own strides: ``diagonal`` and ``as_strided``, as slices and gathers.

A diagonal of dims ``(d1, d2)`` is, once they are moved last and flattened together, the elements
``start, start + (n2 + 1), ...``: one strided slice, with run-time sizes where dims are dynamic.
``as_strided`` reads element ``offset + sum(i_k * stride_k)`` of its input's storage; the positions
are read by one gather from the flattened input. For an input of static shape they are computed at
build time: its storage is laid out by its own strides, so each storage address is mapped back to
the input element that holds it, and an address that no element holds (memory of a larger tensor
the input is a view of) cannot be read, which the validator says. An input with dynamic dims must
be contiguous and own all of its storage; the positions, which may then depend on symbolic sizes
and strides, are computed at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.creation import arange, linspace
from trtrepo.convert.impl.shape import normalize_dim, permute, reshape, sizes_of
from trtrepo.convert.impl.slicing import expand, slice_layer
from trtrepo.convert.impl.symbolic import int_op, size_value


def diagonal(ctx: ConversionContext, *, tensor: Any, offset: int, dim1: int, dim2: int) -> Any:
    """``torch.diagonal(tensor, offset, dim1, dim2)``: the other dims in order, then the diagonal."""
    g = _Diagonal.of(ctx, tensor=tensor, offset=offset, dim1=dim1, dim2=dim2)
    keep = len(g.sizes) - 2
    return slice_layer(ctx, tensor=g.flat, start=[0] * keep + [g.start], size=g.sizes[:-2] + [g.length],
                       stride=[1] * keep + [int_op(ctx, "add", g.sizes[-1], 1)])


def diagonal_scatter(ctx: ConversionContext, *, tensor: Any, src: Any, offset: int, dim1: int, dim2: int) -> Any:
    """``torch.diagonal_scatter``: ``src`` (shaped like the diagonal) written over it, by an ELEMENT
    scatter into the flattened ``(dim1, dim2)`` plane at the diagonal's (distinct) positions."""
    g = _Diagonal.of(ctx, tensor=tensor, offset=offset, dim1=dim1, dim2=dim2)
    keep = len(g.sizes) - 2
    ew = ctx.trt.ElementWiseOperation
    steps = arange(ctx, start=0, end=g.length, step=1, dtype=torch.int64)
    stride = size_value(ctx, int_op(ctx, "add", g.sizes[-1], 1))
    index = ctx.network.add_elementwise(steps, stride, ew.PROD).get_output(0)
    index = ctx.network.add_elementwise(index, size_value(ctx, g.start), ew.SUM).get_output(0)
    index = expand(ctx, tensor=reshape(ctx, tensor=index, sizes=[1] * keep + [-1]), sizes=g.sizes[:-2] + [g.length])
    written = write_elements(ctx, tensor=g.flat, index=index, updates=src, axis=keep)
    written = reshape(ctx, tensor=written, sizes=g.sizes)
    return permute(ctx, tensor=written, order=sorted(range(len(g.order)), key=g.order.__getitem__))


@dataclass(frozen=True)
class _Diagonal:
    """Where a diagonal lies once ``(dim1, dim2)`` are moved last and flattened together."""

    order: list[int]  # the permutation that moved them last
    sizes: list[Any]  # the moved tensor's sizes
    flat: Any  # the moved tensor, its last two dims flattened
    length: Any  # the diagonal's length
    start: Any  # its first element's position in the flattened plane

    @classmethod
    def of(cls, ctx: ConversionContext, *, tensor: Any, offset: int, dim1: int, dim2: int) -> _Diagonal:
        rank = len(tensor.shape)
        dim1, dim2 = normalize_dim(dim1, rank), normalize_dim(dim2, rank)
        order = [d for d in range(rank) if d not in (dim1, dim2)] + [dim1, dim2]
        moved = permute(ctx, tensor=tensor, order=order)
        sizes = sizes_of(ctx, moved)
        rows, cols = sizes[-2], sizes[-1]
        row0, col0 = max(0, -offset), max(0, offset)
        length = int_op(ctx, "max", int_op(ctx, "min", int_op(ctx, "sub", rows, row0),
                                           int_op(ctx, "sub", cols, col0)), 0)
        flat = reshape(ctx, tensor=moved, sizes=sizes[:-2] + [int_op(ctx, "mul", rows, cols)])
        # With no element the start may lie past the end: start at 0 then (nothing is read anyway).
        start = int_op(ctx, "mul", int_op(ctx, "min", length, 1),
                       int_op(ctx, "add", int_op(ctx, "mul", row0, cols), col0))
        return cls(order, sizes, flat, length, start)


def write_elements(ctx: ConversionContext, *, tensor: Any, index: Any, updates: Any, axis: int) -> Any:
    """An ELEMENT scatter of ``updates`` (cast to ``tensor``'s dtype) at distinct ``index`` along ``axis``;
    bool and uint8, which the layer does not take, go through as int32."""
    dtype = ctx.dtype_of(tensor)
    carry = torch.int32 if dtype in (torch.bool, torch.uint8) else dtype
    layer = ctx.network.add_scatter(ctx.cast(tensor, carry), ctx.cast(index, torch.int64),
                                    ctx.cast(ctx.cast(updates, dtype), carry), ctx.trt.ScatterMode.ELEMENT)
    layer.axis = axis
    return ctx.cast(layer.get_output(0), dtype)


def unfold(ctx: ConversionContext, *, tensor: Any, dim: int, size: int, step: int) -> Any:
    """``tensor.unfold(dim, size, step)``: windows of ``size`` every ``step`` along ``dim``, as one gather.

    The ``(n - size) // step + 1`` windows replace ``dim`` and their elements form a new last dim.
    """
    rank = len(tensor.shape)
    if rank == 0:  # a 0-d tensor unfolds into one window of its one element
        return reshape(ctx, tensor=tensor, sizes=[1])
    dim = normalize_dim(dim, rank)
    length = sizes_of(ctx, tensor)[dim]
    count = int_op(ctx, "add", int_op(ctx, "floordiv", int_op(ctx, "sub", length, size), step), 1)
    starts = linspace(ctx, length=count, start=0, step=step, dtype=torch.int64)
    offsets = ctx.constant(torch.arange(size, dtype=torch.int64).reshape(1, size))
    index = ctx.network.add_elementwise(reshape(ctx, tensor=starts, sizes=[-1, 1]), offsets,
                                        ctx.trt.ElementWiseOperation.SUM).get_output(0)  # [count, size]
    gathered = ctx.network.add_gather(tensor, index, dim).get_output(0)
    return permute(ctx, tensor=gathered, order=list(range(dim + 1)) + list(range(dim + 2, rank + 1)) + [dim + 1])


def strided_positions(source: torch.Tensor, size: Sequence[int], stride: Sequence[int],
                      offset: int | None) -> torch.Tensor | None:
    """For ``source.as_strided(size, stride, offset)``, the row-major position in ``source`` of every
    element read (shape ``size``), or None when one of them reads storage no element of ``source``
    holds. ``source`` is a (fake) tensor: only its shape, strides and storage offset are used.
    """
    own = addresses(list(source.shape), list(source.stride()), int(source.storage_offset()))
    start = int(source.storage_offset()) if offset is None else int(offset)
    wanted = addresses(list(size), list(stride), start)
    if own.numel() == 0:
        return None if wanted.numel() else wanted
    where = torch.full((int(own.max()) + 1,), -1, dtype=torch.int64)
    where[own.reshape(-1)] = torch.arange(own.numel())
    if wanted.numel() == 0:
        return wanted
    if int(wanted.min()) < 0 or int(wanted.max()) >= where.numel():
        return None
    positions = where[wanted]
    return None if bool((positions < 0).any()) else positions


def addresses(size: list[int], stride: list[int], start: int) -> torch.Tensor:
    """``start + sum(i_k * stride_k)`` over every index of ``size``, shaped ``size``."""
    total = torch.full(size, start, dtype=torch.int64)
    for k, (n, s) in enumerate(zip(size, stride, strict=True)):
        shape = [1] * len(size)
        shape[k] = n
        total = total + (torch.arange(n, dtype=torch.int64) * s).reshape(shape)
    return total


def as_strided(ctx: ConversionContext, *, tensor: Any, positions: torch.Tensor | Any) -> Any:
    """The elements of ``tensor`` at row-major ``positions`` (a constant from :func:`strided_positions`,
    or an ITensor from :func:`contiguous_positions`)."""
    flat = reshape(ctx, tensor=tensor, sizes=[-1])
    index = ctx.constant(positions) if isinstance(positions, torch.Tensor) else positions
    return ctx.network.add_gather(flat, index, 0).get_output(0)


def contiguous_positions(ctx: ConversionContext, *, size: Sequence[Any], stride: Sequence[Any], offset: Any) -> Any:
    """``offset + sum(i_k * stride_k)`` over every index of ``size`` at run time (sizes and strides
    may be symbolic): the positions read from an input whose storage is its own row-major elements."""
    rank = len(size)
    ew = ctx.trt.ElementWiseOperation
    total = ctx.constant(torch.full((1,) * max(rank, 1), int(offset or 0), dtype=torch.int64))
    if not rank:
        return reshape(ctx, tensor=total, sizes=[])
    for k in range(rank):
        steps = arange(ctx, start=0, end=size[k], step=1, dtype=torch.int64)
        steps = ctx.network.add_elementwise(steps, size_value(ctx, stride[k]), ew.PROD).get_output(0)
        shape: list[Any] = [1] * rank
        shape[k] = -1
        total = ctx.network.add_elementwise(total, reshape(ctx, tensor=steps, sizes=shape), ew.SUM).get_output(0)
    return total


def as_strided_scatter(ctx: ConversionContext, *, tensor: Any, src: Any, positions: torch.Tensor) -> Any:
    """``torch.as_strided_scatter``: ``src`` written at the (distinct, constant) row-major ``positions``
    of ``tensor`` that ``as_strided`` would read."""
    sizes = sizes_of(ctx, tensor)
    flat = reshape(ctx, tensor=tensor, sizes=[-1])
    written = write_elements(ctx, tensor=flat, index=ctx.constant(positions.reshape(-1)),
                             updates=reshape(ctx, tensor=src, sizes=[-1]), axis=0)
    return reshape(ctx, tensor=written, sizes=sizes)
