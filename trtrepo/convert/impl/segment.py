"""Reductions over segments: what TensorRT's scatter cannot do, built from one-hot masks.

TensorRT's scatter layer writes each update once and leaves duplicate indices undefined, so any
scatter that combines values (``scatter_add``, ``scatter_reduce``, ``index_put(accumulate=True)``,
``histc``) is built here instead: a one-hot mask ``index == arange(length)`` spreads every value
to its target position along a new axis, a select puts the reduction's identity elsewhere, and a
reduce layer combines along the source axis. Every duplicate takes part exactly as in PyTorch; only
the order of a floating-point sum may differ. The cost is one mask element per (source, target)
pair. Floating-point sums of whole rows (``index_put``) use a matrix multiply with the mask
instead, which needs no (source, target, row) product; infinities and NaNs, which a multiply by
zero would spread to every target, are counted separately and put back.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.creation import arange, typed_constant
from trtrepo.convert.impl.reduce import axes_mask
from trtrepo.convert.impl.shape import prepend_ones, reshape, unsqueeze
from trtrepo.convert.impl.symbolic import size_value

# The reductions PyTorch's scatter_reduce names, all built here.
REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def one_hot(ctx: ConversionContext, *, index: Any, length: Any) -> Any:
    """A bool mask of shape ``index.shape + [length]``: true where ``index == position``."""
    rank = len(index.shape)
    index = ctx.cast(index, torch.int64)
    positions = arange(ctx, start=0, end=length, step=1, dtype=torch.int64)
    positions = prepend_ones(ctx, tensor=positions, count=rank)
    return ctx.network.add_elementwise(unsqueeze(ctx, tensor=index, dim=rank), positions,
                                       ctx.trt.ElementWiseOperation.EQUAL).get_output(0)


def identity(dtype: torch.dtype, reduce: str) -> float | int:
    """The value a reduction ignores: 0 for sums, 1 for products, the type's extreme for max/min."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.is_floating_point:
        return float("-inf") if reduce == "amax" else float("inf")
    info = torch.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


def masked_reduce(ctx: ConversionContext, *, values: Any, mask: Any, axis: int, reduce: str) -> Any:
    """Reduce ``values`` along ``axis`` where ``mask`` holds (broadcast together), dropping ``axis``.

    Where the mask is false the reduction's identity stands in, so an empty segment gives it.
    """
    dtype = ctx.dtype_of(values)
    rank = max(len(values.shape), len(mask.shape))
    values = prepend_ones(ctx, tensor=values, count=rank - len(values.shape))
    mask = prepend_ones(ctx, tensor=mask, count=rank - len(mask.shape))
    fill = typed_constant(ctx, torch.full((1,) * rank, identity(dtype, reduce)), dtype)
    picked = ctx.network.add_select(mask, values, fill).get_output(0)
    ops = ctx.trt.ReduceOperation
    op = {"sum": ops.SUM, "mean": ops.SUM, "prod": ops.PROD, "amax": ops.MAX, "amin": ops.MIN}[reduce]
    return ctx.network.add_reduce(picked, op, axes_mask([axis]), False).get_output(0)


def count(ctx: ConversionContext, *, mask: Any, axis: int) -> Any:
    """How many entries of a bool mask hold along ``axis`` (int32, ``axis`` dropped)."""
    ones = ctx.cast(mask, torch.int32)
    return ctx.network.add_reduce(ones, ctx.trt.ReduceOperation.SUM, axes_mask([axis]), False).get_output(0)


def segment_sum(ctx: ConversionContext, *, values: Any, segment: Any, length: Any) -> Any:
    """``out[p] = sum(values[j] for j where segment[j] == p)`` for ``p < length``.

    ``values`` is ``[J, R]``, ``segment`` ``[J]`` (int); the result is ``[length, R]``.
    """
    mask = one_hot(ctx, index=segment, length=length)  # [J, P]
    if not ctx.dtype_of(values).is_floating_point:
        return masked_reduce(ctx, values=unsqueeze(ctx, tensor=values, dim=1), mask=unsqueeze(ctx, tensor=mask, dim=2),
                             axis=0, reduce="sum")
    return _float_segment_sum(ctx, values=values, mask=mask)


def _float_segment_sum(ctx: ConversionContext, *, values: Any, mask: Any) -> Any:
    """``maskᵀ @ values`` on the finite values, with each target's infinities and NaNs put back.

    A target gets NaN if one of its values is NaN or it has both infinities, else the infinity it
    has, else the finite sum: IEEE addition's own rules, whatever the order.
    """
    dtype = ctx.dtype_of(values)
    ew = ctx.trt.ElementWiseOperation
    op = ctx.trt.MatrixOperation
    zero = typed_constant(ctx, torch.zeros(1, 1), dtype)
    finite = _is_finite(ctx, values)
    clean = ctx.network.add_select(finite, values, zero).get_output(0)
    total = ctx.network.add_matrix_multiply(ctx.cast(mask, dtype), op.TRANSPOSE, clean, op.NONE).get_output(0)
    inf = typed_constant(ctx, torch.full((1, 1), float("inf")), dtype)
    minus_inf = typed_constant(ctx, torch.full((1, 1), float("-inf")), dtype)
    kinds = [_equal(ctx, values, inf), _equal(ctx, values, minus_inf), is_nan(ctx, values)]
    # Counts of each kind per target and row: 0/1 entries summed in float32 are exact.
    flags = [ctx.cast(k, torch.float32) for k in kinds]
    maskf = ctx.cast(mask, torch.float32)
    zero32 = ctx.constant(torch.zeros(1, 1, dtype=torch.float32), torch.float32)
    present = []
    for flag in flags:
        hits = ctx.network.add_matrix_multiply(maskf, op.TRANSPOSE, flag, op.NONE).get_output(0)
        present.append(ctx.network.add_elementwise(hits, zero32, ew.GREATER).get_output(0))
    positive, negative, nan = present
    both = ctx.network.add_elementwise(positive, negative, ew.AND).get_output(0)
    undefined = ctx.network.add_elementwise(nan, both, ew.OR).get_output(0)
    nan_value = typed_constant(ctx, torch.full((1, 1), float("nan")), dtype)
    out = ctx.network.add_select(negative, minus_inf, total).get_output(0)
    out = ctx.network.add_select(positive, inf, out).get_output(0)
    return ctx.network.add_select(undefined, nan_value, out).get_output(0)


def _equal(ctx: ConversionContext, lhs: Any, rhs: Any) -> Any:
    lhs, rhs = _same_rank(ctx, lhs, rhs)
    return ctx.network.add_elementwise(lhs, rhs, ctx.trt.ElementWiseOperation.EQUAL).get_output(0)


def _same_rank(ctx: ConversionContext, lhs: Any, rhs: Any) -> tuple[Any, Any]:
    rank = max(len(lhs.shape), len(rhs.shape))
    return (prepend_ones(ctx, tensor=lhs, count=rank - len(lhs.shape)),
            prepend_ones(ctx, tensor=rhs, count=rank - len(rhs.shape)))


def is_nan(ctx: ConversionContext, values: Any) -> Any:
    """``values != values``: true exactly for NaN."""
    same = ctx.network.add_elementwise(values, values, ctx.trt.ElementWiseOperation.EQUAL).get_output(0)
    return ctx.network.add_unary(same, ctx.trt.UnaryOperation.NOT).get_output(0)


def _is_finite(ctx: ConversionContext, values: Any) -> Any:
    """``values - values == 0``: false for infinities and NaN, whose difference is NaN."""
    ew = ctx.trt.ElementWiseOperation
    diff = ctx.network.add_elementwise(values, values, ew.SUB).get_output(0)
    zero = typed_constant(ctx, torch.zeros((1,) * len(values.shape)), ctx.dtype_of(values))
    return ctx.network.add_elementwise(diff, zero, ew.EQUAL).get_output(0)


def flat_positions(ctx: ConversionContext, *, indices: list[Any], sizes: list[Any]) -> Any:
    """The row-major position of each coordinate tuple: ``sum(indices[k] * prod(sizes[k+1:]))``."""
    ew = ctx.trt.ElementWiseOperation
    total = None
    for k, index in enumerate(indices):
        term = ctx.cast(index, torch.int64)
        for size in sizes[k + 1:]:
            factor = reshape(ctx, tensor=size_value(ctx, size), sizes=[1] * len(term.shape))
            term = ctx.network.add_elementwise(term, factor, ew.PROD).get_output(0)
        total = term if total is None else ctx.network.add_elementwise(total, term, ew.SUM).get_output(0)
    return total

