"""``index_put``: writes through advanced indices (``x[i, :, j] = v``, ``x.index_put_(..., accumulate)``).

The indexed dims are moved to the front, so the written region is the ``[*B, *rest]`` block that
``x[indices]`` reads (``B`` the broadcast shape of the index tensors): a plain write is TensorRT's
ND scatter with the stacked coordinates; an accumulating write sums the values of each target
row over its duplicates (``impl/segment.py``) and adds them. A single boolean mask with a value
that does not depend on which elements are selected is a select (``x[mask] = 0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import segment
from trtrepo.convert.impl.indexing import broadcast_together, stack_last, wrap_indices
from trtrepo.convert.impl.scatter import CARRIED_TYPES
from trtrepo.convert.impl.shape import permute, prepend_ones, reshape, sizes_of
from trtrepo.convert.impl.slicing import expand
from trtrepo.convert.impl.symbolic import size_value


def index_put(ctx: ConversionContext, *, tensor: Any, indices: Sequence[Any], values: Any, accumulate: bool) -> Any:
    """``tensor.index_put(indices, values, accumulate)`` with integer index tensors (None: a whole dim)."""
    dtype = ctx.dtype_of(tensor)
    rank = len(tensor.shape)
    values = ctx.cast(values, dtype)
    positions = [i for i, index in enumerate(indices) if index is not None]
    sizes = sizes_of(ctx, tensor)
    wrapped = [ctx.cast(wrap_indices(ctx, index=indices[p], size=sizes[p]), torch.int64) for p in positions]
    coords = broadcast_together(ctx, wrapped)
    batch = sizes_of(ctx, coords[0])
    rest = [d for d in range(rank) if d not in positions]
    first = positions[0]
    in_place = positions == list(range(first, first + len(positions))) and first > 0
    # Values broadcast to the shape x[indices] has, then laid out as [*B, *rest].
    if in_place:
        target = sizes[:first] + batch + sizes[positions[-1] + 1:]
        values = expand(ctx, tensor=values, sizes=target)
        nb = len(batch)
        values = permute(ctx, tensor=values, order=list(range(first, first + nb)) + list(range(first))
                         + list(range(first + nb, len(target))))
    else:
        values = expand(ctx, tensor=values, sizes=batch + [sizes[d] for d in rest])
    moved = permute(ctx, tensor=tensor, order=positions + rest)
    if accumulate:
        written = _accumulate(ctx, moved=moved, coords=coords, values=values,
                              indexed=[sizes[p] for p in positions], rest=[sizes[d] for d in rest])
    else:
        written = _scatter_nd(ctx, moved=moved, coords=coords, values=values)
    order = positions + rest
    return permute(ctx, tensor=written, order=sorted(range(rank), key=order.__getitem__))


def _scatter_nd(ctx: ConversionContext, *, moved: Any, coords: list[Any], values: Any) -> Any:
    """TensorRT's ND scatter of ``values`` ([*B, *rest]) at the stacked coordinates ([*B, k])."""
    dtype = ctx.dtype_of(moved)
    carry = torch.int32 if dtype in CARRIED_TYPES else dtype
    stacked = stack_last(ctx, coords)
    layer = ctx.network.add_scatter(ctx.cast(moved, carry), stacked, ctx.cast(values, carry), ctx.trt.ScatterMode.ND)
    return ctx.cast(layer.get_output(0), dtype)


def _accumulate(ctx: ConversionContext, *, moved: Any, coords: list[Any], values: Any, indexed: list[Any],
                rest: list[Any]) -> Any:
    """``moved`` plus, at each indexed row, the sum of every value written to it."""
    lin = reshape(ctx, tensor=segment.flat_positions(ctx, indices=coords, sizes=indexed), sizes=[-1])  # [J]
    rows = reshape(ctx, tensor=values, sizes=[-1, _volume(ctx, rest)])  # [J, R]
    length = _volume(ctx, indexed)
    sums = segment.segment_sum(ctx, values=rows, segment=lin, length=length)  # [P, R]
    sums = reshape(ctx, tensor=sums, sizes=indexed + rest)
    return ctx.network.add_elementwise(moved, sums, ctx.trt.ElementWiseOperation.SUM).get_output(0)


def _volume(ctx: ConversionContext, sizes: Sequence[Any]) -> Any:
    """The product of sizes (ints or one-element tensors); 1 for none."""
    total: Any = 1
    for size in sizes:
        if ctx.is_tensor(total) or ctx.is_tensor(size):
            a = size_value(ctx, total)
            b = size_value(ctx, size)
            total = ctx.network.add_elementwise(a, b, ctx.trt.ElementWiseOperation.PROD).get_output(0)
        else:
            total = int(total) * int(size)
    return total


def masked_put(ctx: ConversionContext, *, tensor: Any, position: int, mask: Any, values: Any,
               accumulate: bool) -> Any:
    """``tensor[..., mask, ...] = values`` (or ``+=``) where ``values`` is the same for every selected element.

    ``values`` broadcasts against ``x[mask]``'s ``[*before, count, *after]`` with no extent along
    ``count`` (checked by the validator), so it is laid out over ``tensor``'s own dims.
    """
    dtype = ctx.dtype_of(tensor)
    rank = len(tensor.shape)
    after = rank - position - len(mask.shape)
    values = ctx.cast(values, dtype)
    if len(values.shape) > after:  # drop the unit count dim, stand the leading dims before the mask
        dims = list(values.shape)
        own = sizes_of(ctx, values)
        keep = own[:len(dims) - after - 1] + [1] * len(mask.shape) + own[len(dims) - after:]
        values = reshape(ctx, tensor=values, sizes=keep)
    values = prepend_ones(ctx, tensor=values, count=rank - len(values.shape))
    where = reshape(ctx, tensor=mask, sizes=[1] * position + sizes_of(ctx, mask) + [1] * after)
    where = expand(ctx, tensor=where, sizes=sizes_of(ctx, tensor))
    if accumulate:
        values = ctx.network.add_elementwise(tensor, values, ctx.trt.ElementWiseOperation.SUM).get_output(0)
    return ctx.network.add_select(where, values, tensor).get_output(0)


