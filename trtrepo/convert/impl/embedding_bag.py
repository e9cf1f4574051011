"""Embedding bags (``nn.EmbeddingBag``, ``F.embedding_bag``): sums, means or maxima of gathered rows.

``indices`` ``[L]`` is cut into bags by ``offsets``: bag ``b`` holds positions
``offsets[b] <= j < offsets[b + 1]``, the last bag running to ``L`` — or, with
``include_last_offset``, to the last offset, which then only closes the bag before it (PyTorch
documents it must be ``L``; eager's modes disagree with each other when it is not). So the bag of
position ``j`` is ``count(offsets <= j) - 1`` (offsets never decrease and start at 0), and a position
whose bag is not one of the ``B`` bags (past the last offset) belongs to none. Entries equal to
``padding_idx`` belong to none either: they neither add nor count.

The rows ``weight[indices]`` (times ``per_sample_weights``) are then reduced per bag with the
one-hot segment reductions of ``impl/segment.py``: a matrix multiply for sums (one mask element per
(position, bag) pair), a masked max for maxima (one element per (position, bag, feature)). An
empty bag gives 0 in every mode, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import segment
from trtrepo.convert.impl.creation import arange, typed_constant
from trtrepo.convert.impl.indexing import embedding
from trtrepo.convert.impl.shape import dim_size, prepend_ones, unsqueeze
from trtrepo.convert.impl.symbolic import int_op

MODES = {0: "sum", 1: "mean", 2: "max"}  # PyTorch's mode codes


def embedding_bag(ctx: ConversionContext, *, weight: Any, indices: Any, offsets: Any, mode: int,
                  per_sample_weights: Any | None, include_last_offset: bool, padding_idx: int | None) -> Any:
    """``_embedding_bag``'s first output: ``[B, D]``, one reduced row per bag."""
    ew = ctx.trt.ElementWiseOperation
    indices, offsets = ctx.cast(indices, torch.int64), ctx.cast(offsets, torch.int64)
    rows = embedding(ctx, weight=weight, indices=indices)  # [L, D]
    if per_sample_weights is not None:
        scale = unsqueeze(ctx, tensor=ctx.cast(per_sample_weights, ctx.dtype_of(rows)), dim=1)
        rows = ctx.network.add_elementwise(rows, scale, ew.PROD).get_output(0)
    bags = int_op(ctx, "sub", dim_size(ctx, tensor=offsets, dim=0), 1 if include_last_offset else 0)
    bag = _bag_of_position(ctx, indices=indices, offsets=offsets, padding_idx=padding_idx)
    kind = MODES[mode]
    if kind == "max":
        return _bag_max(ctx, rows=rows, bag=bag, bags=bags)
    total = segment.segment_sum(ctx, values=rows, segment=bag, length=bags)  # [B, D]
    if kind == "sum":
        return total
    sizes = segment.count(ctx, mask=segment.one_hot(ctx, index=bag, length=bags), axis=0)  # [B]
    one = ctx.constant(torch.ones(1, dtype=torch.int32))
    divisor = ctx.network.add_elementwise(sizes, one, ew.MAX).get_output(0)  # an empty bag's sum is 0 anyway
    divisor = unsqueeze(ctx, tensor=ctx.cast(divisor, ctx.dtype_of(total)), dim=1)
    return ctx.network.add_elementwise(total, divisor, ew.DIV).get_output(0)


def _bag_of_position(ctx: ConversionContext, *, indices: Any, offsets: Any, padding_idx: int | None) -> Any:
    """``[L]`` int64: each position's bag, ``count(offsets <= j) - 1``, or -1 for a padding entry."""
    ew = ctx.trt.ElementWiseOperation
    positions = unsqueeze(ctx, tensor=arange(ctx, start=0, end=dim_size(ctx, tensor=indices, dim=0), step=1,
                                             dtype=torch.int64), dim=1)  # [L, 1]
    later = ctx.network.add_elementwise(positions, prepend_ones(ctx, tensor=offsets, count=1),
                                        ew.LESS).get_output(0)  # j < offsets[b], [L, B (+1)]
    opened = ctx.network.add_unary(later, ctx.trt.UnaryOperation.NOT).get_output(0)
    bag = ctx.cast(segment.count(ctx, mask=opened, axis=1), torch.int64)
    minus_one = ctx.constant(torch.tensor([-1], dtype=torch.int64))
    bag = ctx.network.add_elementwise(bag, minus_one, ew.SUM).get_output(0)
    if padding_idx is None or padding_idx < 0:  # -1 is _embedding_bag's "no padding"
        return bag
    padding = ctx.network.add_elementwise(indices, ctx.constant(torch.tensor([padding_idx], dtype=torch.int64)),
                                          ew.EQUAL).get_output(0)
    return ctx.network.add_select(padding, minus_one, bag).get_output(0)


def _bag_max(ctx: ConversionContext, *, rows: Any, bag: Any, bags: Any) -> Any:
    """Each bag's elementwise maximum of its rows; 0 for an empty bag."""
    mask = segment.one_hot(ctx, index=bag, length=bags)  # [L, B]
    best = segment.masked_reduce(ctx, values=unsqueeze(ctx, tensor=rows, dim=1),
                                 mask=unsqueeze(ctx, tensor=mask, dim=2), axis=0, reduce="amax")  # [B, D]
    empty = ctx.network.add_elementwise(segment.count(ctx, mask=mask, axis=0),
                                        ctx.constant(torch.zeros(1, dtype=torch.int32)),
                                        ctx.trt.ElementWiseOperation.EQUAL).get_output(0)
    zero = typed_constant(ctx, torch.zeros(1, 1), ctx.dtype_of(best))
    return ctx.network.add_select(unsqueeze(ctx, tensor=empty, dim=1), zero, best).get_output(0)
