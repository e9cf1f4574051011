"""Slicing, selecting, splitting and tiling on TensorRT's slice layer.

One slice layer covers many ops: a strided window (``slice``), a reversal (negative stride, ``flip``),
a broadcast (stride 0, ``expand``), a tiling (WRAP mode, ``repeat`` and ``roll``). Start, size and
stride are per-dim lists mixing ints and one-element int64 tensors; they become static layer
attributes when all ints, and shape tensors otherwise, so dynamic dims are never frozen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import normalize_dim, prepend_ones, reshape, size_tensor, sizes_of, unsqueeze
from trtrepo.convert.impl.symbolic import ceil_div, int_op, is_static

# PyTorch spells "to the end" as INT64_MAX; anything this large is past the end of any real dim.
_HUGE = 2**62


def slice_layer(ctx: ConversionContext, *, tensor: Any, start: Sequence[Any], size: Sequence[Any],
                stride: Sequence[Any], mode: str | None = None) -> Any:
    """A slice layer; each of start/size/stride lists one int or one-element tensor per dim."""
    static = [[int(v) if is_static(v) else 0 for v in values] for values in (start, size, stride)]
    layer = ctx.network.add_slice(tensor, *static)
    for index, values in ((1, start), (2, size), (3, stride)):
        if not all(is_static(v) for v in values):
            layer.set_input(index, size_tensor(ctx, list(values)))
    if mode is not None:
        layer.mode = getattr(ctx.trt.SampleMode, mode)
    return layer.get_output(0)


def slice_dim(ctx: ConversionContext, *, tensor: Any, dim: int, start: Any, end: Any, step: int) -> Any:
    """``tensor[..., start:end:step, ...]`` on ``dim`` with PyTorch's clamping of out-of-range bounds.

    Negative int bounds count from the end; a tensor bound (a symbolic size) is taken as non-negative,
    as torch.export guarantees for the sizes it traces.
    """
    rank = len(tensor.shape)
    dim = normalize_dim(dim, rank)
    from_start = start is None or (is_static(start) and int(start) == 0)
    if step == 1 and from_start and _reaches_end(end, tensor.shape[dim]):
        return tensor  # the whole dim (``x[:, 0:]``, which indexing emits often): no layer
    sizes = sizes_of(ctx, tensor)
    length = sizes[dim]
    first = _bound(ctx, 0 if start is None else start, length)
    last = _bound(ctx, _HUGE if end is None else end, length)
    count = int_op(ctx, "max", ceil_div(ctx, int_op(ctx, "sub", last, first), int(step)), 0)
    starts: list[Any] = [0] * rank
    strides: list[Any] = [1] * rank
    starts[dim], sizes[dim], strides[dim] = first, count, int(step)
    return slice_layer(ctx, tensor=tensor, start=starts, size=sizes, stride=strides)


def _reaches_end(end: Any, length: int) -> bool:
    """True when a static ``end`` is at or past the end of a dim of (static or -1) ``length``."""
    if end is None:
        return True
    return is_static(end) and (int(end) >= _HUGE or (length >= 0 and int(end) >= length))


def _bound(ctx: ConversionContext, value: Any, length: Any) -> Any:
    """A slice bound resolved against the dim's length: negative counts from the end, then clamped."""
    if not is_static(value):
        return int_op(ctx, "min", value, length)
    value = int(value)
    if value >= _HUGE:
        return length
    if value < 0:
        return int_op(ctx, "max", int_op(ctx, "add", value, length), 0)
    if value == 0:
        return 0
    return int_op(ctx, "min", value, length)


def select(ctx: ConversionContext, *, tensor: Any, dim: int, index: Any) -> Any:
    """``tensor.select(dim, index)``: a gather with a 0-d index, which drops the dim."""
    dim = normalize_dim(dim, len(tensor.shape))
    if is_static(index) and int(index) < 0:
        index = int_op(ctx, "add", int(index), sizes_of(ctx, tensor)[dim])
    if is_static(index):
        scalar = ctx.constant(torch.tensor(int(index), dtype=torch.int64))
    else:
        scalar = reshape(ctx, tensor=ctx.cast(index, torch.int64), sizes=[])
    return ctx.network.add_gather(tensor, scalar, dim).get_output(0)


def split(ctx: ConversionContext, *, tensor: Any, sizes: Sequence[Any], dim: int) -> tuple[Any, ...]:
    """``torch.split(tensor, sizes, dim)`` with explicit sizes (ints or symbolic sizes)."""
    parts = []
    offset: Any = 0
    for size in sizes:
        end = int_op(ctx, "add", offset, size)
        parts.append(slice_dim(ctx, tensor=tensor, dim=dim, start=offset, end=end, step=1))
        offset = end
    return tuple(parts)


def chunk_sizes(length: int, split_size: int) -> list[int]:
    """The sizes ``torch.split(t, split_size)`` produces for a dim of static ``length``."""
    if length == 0:
        return [0]
    return [min(split_size, length - start) for start in range(0, length, split_size)]


def unbind(ctx: ConversionContext, *, tensor: Any, dim: int) -> tuple[Any, ...]:
    """``tensor.unbind(dim)`` over a static dim: one select per index."""
    dim = normalize_dim(dim, len(tensor.shape))
    return tuple(select(ctx, tensor=tensor, dim=dim, index=i) for i in range(int(tensor.shape[dim])))


def expand(ctx: ConversionContext, *, tensor: Any, sizes: Sequence[Any]) -> Any:
    """``tensor.expand(sizes)``: a stride-0 slice over the broadcast dims (``-1`` keeps a dim).

    A dim can only grow from a static 1; a dynamic input dim keeps its own run-time size, which
    torch.export guarantees equals the requested one.
    """
    tensor = prepend_ones(ctx, tensor=tensor, count=len(sizes) - len(tensor.shape))
    own = sizes_of(ctx, tensor)
    out: list[Any] = []
    strides: list[int] = []
    for dim, target in enumerate(sizes):
        grows = tensor.shape[dim] == 1 and not (is_static(target) and int(target) in (-1, 1))
        out.append(target if grows else own[dim])
        strides.append(0 if grows else 1)
    if all(strides):
        return tensor
    return slice_layer(ctx, tensor=tensor, start=[0] * len(sizes), size=out, stride=strides)


def flip(ctx: ConversionContext, *, tensor: Any, dims: Sequence[int]) -> Any:
    """``tensor.flip(dims)``: a slice starting at the last element with stride -1 on each flipped dim."""
    rank = len(tensor.shape)
    flipped = {normalize_dim(d, rank) for d in dims}
    if not flipped:
        return tensor
    sizes = sizes_of(ctx, tensor)
    starts = [int_op(ctx, "sub", sizes[d], 1) if d in flipped else 0 for d in range(rank)]
    strides = [-1 if d in flipped else 1 for d in range(rank)]
    return slice_layer(ctx, tensor=tensor, start=starts, size=sizes, stride=strides)


def repeat(ctx: ConversionContext, *, tensor: Any, repeats: Sequence[Any]) -> Any:
    """``tensor.repeat(repeats)``: a WRAP-mode slice ``repeats`` times longer, reading indices mod size."""
    tensor = prepend_ones(ctx, tensor=tensor, count=len(repeats) - len(tensor.shape))
    if all(is_static(r) and int(r) == 1 for r in repeats):
        return tensor
    sizes = [int_op(ctx, "mul", s, r) for s, r in zip(sizes_of(ctx, tensor), repeats, strict=True)]
    rank = len(repeats)
    return slice_layer(ctx, tensor=tensor, start=[0] * rank, size=sizes, stride=[1] * rank, mode="WRAP")


def roll(ctx: ConversionContext, *, tensor: Any, shifts: Sequence[Any], dims: Sequence[int]) -> Any:
    """``torch.roll``: a WRAP-mode slice starting ``-shift`` (mod size) into each rolled dim.

    Without dims PyTorch rolls the flattened tensor and restores the shape.
    """
    if not dims:
        sizes = sizes_of(ctx, tensor)
        flat = reshape(ctx, tensor=tensor, sizes=[-1])
        return reshape(ctx, tensor=roll(ctx, tensor=flat, shifts=shifts, dims=[0]), sizes=sizes)
    rank = len(tensor.shape)
    sizes = sizes_of(ctx, tensor)
    starts: list[Any] = [0] * rank
    for shift, dim in zip(shifts, dims, strict=True):
        dim = normalize_dim(dim, rank)
        starts[dim] = int_op(ctx, "mod", int_op(ctx, "sub", starts[dim], shift), sizes[dim])
    return slice_layer(ctx, tensor=tensor, start=starts, size=sizes, stride=[1] * rank, mode="WRAP")


def cat(ctx: ConversionContext, *, tensors: Sequence[Any], dim: int) -> Any:
    """``torch.cat`` with PyTorch's type promotion across the inputs.

    PyTorch skips legacy empty 1-D tensors (shape ``[0]``) in a cat of higher-rank tensors.
    """
    dtype = _result_type(ctx, tensors)
    # A weight becomes a constant in the promoted dtype at once, rather than a constant and a cast.
    items = [ctx.cast(t, dtype) if ctx.is_tensor(t) else ctx.constant(t, dtype) for t in tensors]
    rank = max(len(t.shape) for t in items)
    items = [t for t in items if not (rank > 1 and tuple(t.shape) == (0,))]
    if len(items) == 1:
        return items[0]
    layer = ctx.network.add_concatenation(items)
    layer.axis = normalize_dim(dim, rank)
    return layer.get_output(0)


def _result_type(ctx: ConversionContext, tensors: Sequence[Any]) -> torch.dtype:
    dtype = None
    for t in tensors:
        current = ctx.dtype_of(t) if ctx.is_tensor(t) else t.dtype
        dtype = current if dtype is None else torch.promote_types(dtype, current)
    assert dtype is not None, "cat of no tensors"
    return dtype


def stack(ctx: ConversionContext, *, tensors: Sequence[Any], dim: int) -> Any:
    """``torch.stack``: each input gains a unit dim at ``dim``, then they are concatenated there."""
    rank = len(tensors[0].shape) + 1
    dim = normalize_dim(dim, rank)
    expanded = [unsqueeze(ctx, tensor=t, dim=dim) for t in tensors]
    return cat(ctx, tensors=expanded, dim=dim)
