"""Scaled dot-product attention, kept whole: ``softmax(q @ k^T * scale + mask) @ v``.

Built from matrix multiplies and a softmax computed in float32 whatever the input type. A causal
mask whose sequence lengths are dynamic is built from the runtime shape (a fill layer counting
``j - i``), never frozen at the export's example size. Rows with every key masked out give zeros,
as PyTorch's attention does (instead of the NaN a plain softmax of ``-inf`` would give).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import binary
from trtrepo.convert.impl.linear import matmul, same_float_type
from trtrepo.convert.impl.reduce import reduce
from trtrepo.convert.impl.shape import dim_size, prepend_ones, reshape, size_tensor, sizes_of
from trtrepo.convert.impl.softmax import softmax

SOFTMAX_TYPE = torch.float32


def scaled_dot_product_attention(ctx: ConversionContext, *, query: Any, key: Any, value: Any, attn_mask: Any,
                                 is_causal: bool, scale: float | None, enable_gqa: bool) -> Any:
    """``aten.scaled_dot_product_attention`` (without dropout) on ``[..., L, E]`` queries, ``[..., S, E]`` keys.

    A bool mask marks the positions that may be attended; a float mask is added to the scores.
    """
    query, key, value = same_float_type(ctx, query, key, value)
    if enable_gqa and key.shape[-3] != query.shape[-3]:
        key = repeat_heads(ctx, tensor=key, repeats=query.shape[-3] // key.shape[-3])
        value = repeat_heads(ctx, tensor=value, repeats=query.shape[-3] // value.shape[-3])
    scores = ctx.cast(matmul(ctx, lhs=query, rhs=key, transpose_rhs=True), SOFTMAX_TYPE)
    scores = binary(ctx, op=ctx.trt.ElementWiseOperation.PROD, lhs=scores,
                    rhs=_scale(ctx, query=query, scale=scale))
    if is_causal:
        scores = _mask_out(ctx, scores=scores, masked=_future_positions(ctx, scores=scores))
    if attn_mask is not None:
        scores = _apply_mask(ctx, scores=scores, mask=attn_mask)
    weights = softmax(ctx, tensor=scores, dim=-1)
    if attn_mask is not None:
        weights = _zero_dead_rows(ctx, scores=scores, weights=weights)
    return matmul(ctx, lhs=ctx.cast(weights, ctx.dtype_of(value)), rhs=value)


def repeat_heads(ctx: ConversionContext, *, tensor: Any, repeats: int) -> Any:
    """``tensor.repeat_interleave(repeats, dim=-3)`` for grouped-query attention (static head count)."""
    sizes = sizes_of(ctx, tensor)
    lifted = reshape(ctx, tensor=tensor, sizes=sizes[:-2] + [1] + sizes[-2:])
    layer = ctx.network.add_concatenation([lifted] * repeats)
    layer.axis = len(sizes) - 2  # the new unit dim: each head is followed by its copies
    return reshape(ctx, tensor=layer.get_output(0), sizes=sizes[:-3] + [sizes[-3] * repeats] + sizes[-2:])


def _scale(ctx: ConversionContext, *, query: Any, scale: float | None) -> Any:
    """The given scale, else ``1 / sqrt(E)`` (from the runtime shape if the head dim is dynamic)."""
    if scale is not None:
        return float(scale)
    size = dim_size(ctx, tensor=query, dim=-1)
    if not ctx.is_tensor(size):
        return 1.0 / math.sqrt(size)
    unary = ctx.trt.UnaryOperation
    root = ctx.network.add_unary(ctx.cast(size, SOFTMAX_TYPE), unary.SQRT).get_output(0)
    return ctx.network.add_unary(root, unary.RECIP).get_output(0)


def _future_positions(ctx: ConversionContext, *, scores: Any) -> Any:
    """Bool ``[L, S]``: True where key ``j`` lies after query ``i`` (``j > i``, PyTorch's top-left causal mask)."""
    rows, cols = dim_size(ctx, tensor=scores, dim=-2), dim_size(ctx, tensor=scores, dim=-1)
    if not ctx.is_tensor(rows) and not ctx.is_tensor(cols):
        return ctx.constant(torch.ones(rows, cols, dtype=torch.bool).triu(1))
    # LINSPACE over [L, S] with start 0 and steps (-1, 1) gives j - i at [i, j]
    layer = ctx.network.add_fill((1, 1), ctx.trt.FillOperation.LINSPACE, ctx.trt.int32)
    layer.set_input(0, size_tensor(ctx, [rows, cols]))
    layer.set_input(1, ctx.constant(torch.tensor(0, dtype=torch.int32)))
    layer.set_input(2, ctx.constant(torch.tensor([-1, 1], dtype=torch.int32)))
    offset = layer.get_output(0)
    greater = ctx.trt.ElementWiseOperation.GREATER
    return ctx.network.add_elementwise(offset, ctx.scalar(0, offset), greater).get_output(0)


def _mask_out(ctx: ConversionContext, *, scores: Any, masked: Any) -> Any:
    """``scores`` with ``-inf`` where the bool ``masked`` (broadcast to the scores) is True."""
    masked = prepend_ones(ctx, tensor=masked, count=len(scores.shape) - len(masked.shape))
    return ctx.network.add_select(masked, ctx.scalar(float("-inf"), scores), scores).get_output(0)


def _apply_mask(ctx: ConversionContext, *, scores: Any, mask: Any) -> Any:
    """A bool mask keeps the True positions; a float mask is added (in the softmax's float32)."""
    if ctx.dtype_of(mask) == torch.bool:
        blocked = ctx.network.add_unary(mask, ctx.trt.UnaryOperation.NOT).get_output(0)
        return _mask_out(ctx, scores=scores, masked=blocked)
    return binary(ctx, op=ctx.trt.ElementWiseOperation.SUM, lhs=scores, rhs=ctx.cast(mask, SOFTMAX_TYPE))


def _zero_dead_rows(ctx: ConversionContext, *, scores: Any, weights: Any) -> Any:
    """Zero the attention weights of query rows whose every score is ``-inf`` (softmax gives NaN there)."""
    peak = reduce(ctx, tensor=scores, op=ctx.trt.ReduceOperation.MAX, dims=[len(scores.shape) - 1], keepdim=True)
    dead = ctx.network.add_elementwise(peak, ctx.scalar(float("-inf"), peak),
                                       ctx.trt.ElementWiseOperation.EQUAL).get_output(0)
    return ctx.network.add_select(dead, ctx.scalar(0.0, weights), weights).get_output(0)
