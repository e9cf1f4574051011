"""Shapes as TensorRT sees them: static dims where known, int64 shape tensors where dynamic.

A size that torch.export leaves symbolic (``sym_size``) is carried through the network as a
one-element int64 tensor, so reshapes follow the runtime shape instead of a value frozen at export.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext


def normalize_dim(dim: int, rank: int) -> int:
    """A non-negative axis for a possibly negative ``dim``."""
    if not -max(rank, 1) <= dim < max(rank, 1):
        raise ValueError(f"dimension {dim} is out of range for a tensor of rank {rank}")
    return dim % max(rank, 1)


def shape_of(ctx: ConversionContext, tensor: Any) -> Any:
    """The runtime shape of ``tensor`` as a 1-D int64 tensor."""
    return ctx.cast(ctx.network.add_shape(tensor).get_output(0), torch.int64)


def dim_size(ctx: ConversionContext, *, tensor: Any, dim: int) -> Any:
    """Size of one dim: an int when static, else a one-element int64 tensor."""
    dim = normalize_dim(dim, len(tensor.shape))
    static = tensor.shape[dim]
    if static >= 0:
        return int(static)
    return _pick(ctx, shape_of(ctx, tensor), dim)


def sizes_of(ctx: ConversionContext, tensor: Any) -> list[int | Any]:
    """Every dim's size: ints where static, one-element int64 tensors where dynamic (one shape layer)."""
    shape = None
    sizes: list[int | Any] = []
    for dim, static in enumerate(tensor.shape):
        if static >= 0:
            sizes.append(int(static))
            continue
        if shape is None:
            shape = shape_of(ctx, tensor)
        sizes.append(_pick(ctx, shape, dim))
    return sizes


def _pick(ctx: ConversionContext, shape: Any, dim: int) -> Any:
    """Element ``dim`` of a 1-D shape tensor, as a one-element 1-D tensor."""
    index = ctx.constant(torch.tensor([dim], dtype=torch.int32))
    return ctx.network.add_gather(shape, index, 0).get_output(0)


def size_tensor(ctx: ConversionContext, sizes: Sequence[int | Any]) -> Any:
    """A 1-D int64 shape tensor from a mix of ints and one-element int64 tensors."""
    parts = []
    pending: list[int] = []
    for size in sizes:
        if ctx.is_tensor(size):
            if pending:
                parts.append(ctx.constant(torch.tensor(pending, dtype=torch.int64)))
                pending = []
            parts.append(as_1d_int64(ctx, size))
        else:
            pending.append(int(size))
    if pending:
        parts.append(ctx.constant(torch.tensor(pending, dtype=torch.int64)))
    if len(parts) == 1:
        return parts[0]
    layer = ctx.network.add_concatenation(parts)
    layer.axis = 0
    return layer.get_output(0)


def as_1d_int64(ctx: ConversionContext, value: Any) -> Any:
    """A scalar tensor reshaped to ``[1]`` and cast to int64, ready to concatenate into a shape."""
    value = ctx.cast(value, torch.int64)
    if len(value.shape) == 1:
        return value
    layer = ctx.network.add_shuffle(value)
    layer.reshape_dims = (1,)
    return layer.get_output(0)


def reshape(ctx: ConversionContext, *, tensor: Any, sizes: Sequence[int | Any]) -> Any:
    """``tensor.view(sizes)``: static reshape dims when all sizes are ints, else a shape tensor.

    A single run-time size among static ones becomes TensorRT's ``-1`` (inferred from the volume),
    which keeps the reshape static; that needs no other ``-1`` and no zero-length dim.
    """
    sizes = list(sizes)
    dynamic = [i for i, s in enumerate(sizes) if ctx.is_tensor(s)]
    if len(dynamic) == 1 and all(int(s) > 0 for i, s in enumerate(sizes) if i != dynamic[0]):
        sizes[dynamic[0]] = -1
    layer = ctx.network.add_shuffle(tensor)
    layer.zero_is_placeholder = False  # a literal 0 means an empty dim in PyTorch, not "copy"
    if all(not ctx.is_tensor(s) for s in sizes):
        layer.reshape_dims = tuple(int(s) for s in sizes)
    else:
        layer.set_input(1, size_tensor(ctx, sizes))  # -1 is resolved by TensorRT at runtime
    return layer.get_output(0)


def permute(ctx: ConversionContext, *, tensor: Any, order: Sequence[int]) -> Any:
    """``tensor.permute(order)`` as a shuffle's first transpose."""
    rank = len(tensor.shape)
    layer = ctx.network.add_shuffle(tensor)
    layer.first_transpose = tuple(normalize_dim(d, rank) for d in order)
    return layer.get_output(0)


def prepend_ones(ctx: ConversionContext, *, tensor: Any, count: int) -> Any:
    """``tensor`` with ``count`` leading dims of size 1 (TensorRT broadcasts only equal ranks)."""
    if count <= 0:
        return tensor
    layer = ctx.network.add_shuffle(tensor)
    if all(d >= 0 for d in tensor.shape):
        layer.zero_is_placeholder = False  # a static 0 is an empty dim, not "copy the dim at this index"
        layer.reshape_dims = (1,) * count + tuple(tensor.shape)
    else:
        ones = ctx.constant(torch.ones(count, dtype=torch.int64))
        concat = ctx.network.add_concatenation([ones, shape_of(ctx, tensor)])
        concat.axis = 0
        layer.set_input(1, concat.get_output(0))
    return layer.get_output(0)


def flatten(ctx: ConversionContext, *, tensor: Any, start: int, end: int) -> Any:
    """``torch.flatten(tensor, start, end)`` with runtime sizes where dims are dynamic."""
    rank = len(tensor.shape)
    start, end = normalize_dim(start, rank), normalize_dim(end, rank)
    own = sizes_of(ctx, tensor)
    return reshape(ctx, tensor=tensor, sizes=own[:start] + [-1] + own[end + 1:])


def unsqueeze(ctx: ConversionContext, *, tensor: Any, dim: int) -> Any:
    """``tensor.unsqueeze(dim)``: a reshape appending a unit dim, then a transpose moving it to ``dim``.

    Zero placeholders copy the input dims, so the reshape stays static even when dims are dynamic.
    """
    rank = len(tensor.shape)
    dim = normalize_dim(dim, rank + 1)
    layer = ctx.network.add_shuffle(tensor)
    if all(d >= 0 for d in tensor.shape):
        shape = list(tensor.shape)
        layer.zero_is_placeholder = False  # a static 0 is an empty dim
        layer.reshape_dims = tuple(shape[:dim] + [1] + shape[dim:])
        return layer.get_output(0)
    layer.zero_is_placeholder = True
    layer.reshape_dims = (0,) * rank + (1,)
    layer.second_transpose = tuple(range(dim)) + (rank,) + tuple(range(dim, rank))
    return layer.get_output(0)


def squeeze(ctx: ConversionContext, *, tensor: Any, dims: Sequence[int]) -> Any:
    """``tensor.squeeze(dims)``: drops the listed dims that are statically 1.

    torch.export treats a dynamic dim as never 1, so like the exported program, a dynamic dim is kept.
    """
    rank = len(tensor.shape)
    drop = {normalize_dim(d, rank) for d in dims if tensor.shape[normalize_dim(d, rank)] == 1}
    if not drop:
        return tensor
    sizes = sizes_of(ctx, tensor)
    return reshape(ctx, tensor=tensor, sizes=[s for d, s in enumerate(sizes) if d not in drop])
