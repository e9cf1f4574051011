"""Selections whose length depends on the data: nonzero, masked_select, boolean-mask indexing.

TensorRT's INonZeroLayer makes the one data-dependent size: the subscripts of the true (non-zero)
elements of its input as a ``[rank, count]`` matrix, columns in row-major order (NvInfer.h). Every
op here is built on it: ``nonzero`` is that matrix transposed; a boolean mask used as an index is
the same subscripts as integer indices, one row per masked dim (what PyTorch itself does, and what
``x[mask.nonzero(as_tuple=True)]`` means); ``masked_select`` gathers the masked elements of the
broadcast tensor with those subscripts. A mask known at build time (a buffer) needs no NonZero
layer at all: its subscripts are computed by PyTorch then, and the result's length is static.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import permute, prepend_ones, reshape, sizes_of
from trtrepo.convert.impl.slicing import expand, slice_layer


def truth(ctx: ConversionContext, tensor: Any) -> Any:
    """``tensor != 0`` as bool (NaN counts as non-zero, as in PyTorch); a bool tensor as it is.

    INonZeroLayer takes only some input types (no int64); a comparison first takes any.
    """
    if ctx.dtype_of(tensor) == torch.bool:
        return tensor
    zero = ctx.scalar(0, tensor)
    ew = ctx.trt.ElementWiseOperation
    equal = ctx.network.add_elementwise(tensor, zero, ew.EQUAL).get_output(0)
    return ctx.network.add_unary(equal, ctx.trt.UnaryOperation.NOT).get_output(0)


def subscripts(ctx: ConversionContext, *, mask: Any) -> Any:
    """The int64 ``[rank, count]`` subscripts of the true elements of ``mask`` (any dtype), row-major.

    A 0-d mask is seen as one element: its subscripts have no rows (``[0, count]``, count 0 or 1).
    """
    rank = len(mask.shape)
    flat = reshape(ctx, tensor=mask, sizes=[1]) if rank == 0 else mask
    layer = ctx.network.add_non_zero(truth(ctx, flat))
    layer.indices_type = ctx.trt.int64
    found = layer.get_output(0)
    if rank:
        return found
    count = sizes_of(ctx, found)[1]
    return slice_layer(ctx, tensor=found, start=[0, 0], size=[0, count], stride=[1, 1])


def nonzero(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``torch.nonzero(tensor)``: int64 ``[count, rank]``, one row per non-zero element in row-major order."""
    return permute(ctx, tensor=subscripts(ctx, mask=tensor), order=[1, 0])


def mask_indices(ctx: ConversionContext, *, mask: Any) -> list[Any]:
    """``mask.nonzero(as_tuple=True)``: one int64 ``[count]`` index per dim of ``mask``.

    A mask known at build time (a torch tensor) gives its indices as torch tensors, computed now.
    """
    if isinstance(mask, torch.Tensor):
        return [row.contiguous() for row in torch.nonzero(mask).t()]
    rows = subscripts(ctx, mask=mask)
    picks = []
    for row in range(len(mask.shape)):
        index = ctx.constant(torch.tensor(row, dtype=torch.int64))
        picks.append(ctx.network.add_gather(rows, index, 0).get_output(0))
    return picks


def expand_masks(ctx: ConversionContext, indices: Sequence[Any]) -> list[Any]:
    """``aten.index.Tensor`` indices with each boolean mask replaced by its integer indices.

    A mask covers as many dims as it has: ``x[:, m]`` with a 2-d ``m`` indexes dims 1 and 2 with
    ``m``'s two subscript rows, which is how PyTorch reads a mask index; integer indices and
    ``None`` (a whole dim) are kept as they are.
    """
    expanded: list[Any] = []
    for index in indices:
        if index is not None and _dtype(ctx, index) == torch.bool:
            expanded.extend(mask_indices(ctx, mask=index))
        else:
            expanded.append(index)
    return expanded


def masked_select(ctx: ConversionContext, *, tensor: Any, mask: Any) -> Any:
    """``torch.masked_select(tensor, mask)``: the elements where the broadcast mask is true, 1-D."""
    if isinstance(mask, torch.Tensor):
        mask = ctx.constant(mask)
    if len(tensor.shape) == 0 and len(mask.shape) == 0:  # a 0-d pair is one element
        tensor, mask = (reshape(ctx, tensor=t, sizes=[1]) for t in (tensor, mask))
    tensor, mask = broadcast_pair(ctx, tensor, mask)
    coordinates = permute(ctx, tensor=subscripts(ctx, mask=mask), order=[1, 0])  # [count, rank]
    return ctx.network.add_gather_v2(tensor, coordinates, ctx.trt.GatherMode.ND).get_output(0)


def broadcast_pair(ctx: ConversionContext, first: Any, second: Any) -> tuple[Any, Any]:
    """Both tensors expanded to their broadcast shape (dims of size 1 grow to the other's)."""
    rank = max(len(first.shape), len(second.shape))
    first = prepend_ones(ctx, tensor=first, count=rank - len(first.shape))
    second = prepend_ones(ctx, tensor=second, count=rank - len(second.shape))
    if tuple(first.shape) == tuple(second.shape) and all(d >= 0 for d in first.shape):
        return first, second
    # Where neither side is a static 1 the sizes are equal (torch.export proved it): keep the first's.
    sizes = [b if da == 1 else a for a, b, da in zip(sizes_of(ctx, first), sizes_of(ctx, second), first.shape,
                                                   strict=True)]
    return expand(ctx, tensor=first, sizes=sizes), expand(ctx, tensor=second, sizes=sizes)


def _dtype(ctx: ConversionContext, value: Any) -> torch.dtype:
    return value.dtype if isinstance(value, torch.Tensor) else ctx.dtype_of(value)
