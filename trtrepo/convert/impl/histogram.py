"""``torch.histc``: counts of values in equal-width bins, as PyTorch's CPU kernel computes them.

PyTorch takes the range ``[min, max]`` as given, or, when ``min == max``, the data's own minimum
and maximum (widened by 1 on each side when those are equal too). A value ``x`` inside the range
falls in bin ``int((x - min) * bins / (max - min))``, the maximum itself in the last bin; values
outside the range, and NaN, are not counted. Each value's bin is compared with every bin number
(a one-hot mask) and the matches are summed.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import segment
from trtrepo.convert.impl.creation import typed_constant
from trtrepo.convert.impl.shape import reshape


def histc(ctx: ConversionContext, *, tensor: Any, bins: int, low: float, high: float) -> Any:
    """``torch.histc(tensor, bins, min=low, max=high)`` in ``tensor``'s (floating-point) dtype."""
    dtype = ctx.dtype_of(tensor)
    values = reshape(ctx, tensor=tensor, sizes=[-1])
    ew = ctx.trt.ElementWiseOperation
    lo, hi = _range(ctx, values=values, low=low, high=high)
    ge = ctx.network.add_elementwise(values, lo, ew.LESS).get_output(0)
    le = ctx.network.add_elementwise(values, hi, ew.GREATER).get_output(0)
    outside = ctx.network.add_elementwise(ge, le, ew.OR).get_output(0)
    scaled = ctx.network.add_elementwise(ctx.network.add_elementwise(values, lo, ew.SUB).get_output(0),
                                         _const(ctx, float(bins), dtype), ew.PROD).get_output(0)
    width = ctx.network.add_elementwise(hi, lo, ew.SUB).get_output(0)
    position = ctx.network.add_elementwise(scaled, width, ew.DIV).get_output(0)
    # Inside the range the position is >= 0, so truncation is floor; the maximum lands on `bins`.
    position = ctx.network.add_unary(position, ctx.trt.UnaryOperation.FLOOR).get_output(0)
    position = ctx.network.add_elementwise(position, _const(ctx, float(bins - 1), dtype), ew.MIN).get_output(0)
    # Values outside the range (and NaN, which compares false everywhere) get bin -1: no bin matches.
    counted = ctx.network.add_unary(outside, ctx.trt.UnaryOperation.NOT).get_output(0)
    nan = segment.is_nan(ctx, values)
    counted = ctx.network.add_elementwise(counted, ctx.network.add_unary(nan, ctx.trt.UnaryOperation.NOT)
                                          .get_output(0), ew.AND).get_output(0)
    bin_of = ctx.network.add_select(counted, ctx.cast(position, torch.int64),
                                    ctx.constant(torch.tensor([-1], dtype=torch.int64))).get_output(0)
    mask = segment.one_hot(ctx, index=bin_of, length=bins)  # [N, bins]
    counts = segment.count(ctx, mask=mask, axis=0)
    return ctx.cast(counts, dtype)


def _range(ctx: ConversionContext, *, values: Any, low: float, high: float) -> tuple[Any, Any]:
    """The range's two ends as one-element tensors of ``values``' dtype."""
    dtype = ctx.dtype_of(values)
    if low != high:
        return _const(ctx, low, dtype), _const(ctx, high, dtype)
    ops = ctx.trt.ReduceOperation
    lo = ctx.network.add_reduce(values, ops.MIN, 1, True).get_output(0)
    hi = ctx.network.add_reduce(values, ops.MAX, 1, True).get_output(0)
    ew = ctx.trt.ElementWiseOperation
    same = ctx.network.add_elementwise(lo, hi, ew.EQUAL).get_output(0)
    one = _const(ctx, 1.0, dtype)
    lo = ctx.network.add_select(same, ctx.network.add_elementwise(lo, one, ew.SUB).get_output(0), lo).get_output(0)
    hi = ctx.network.add_select(same, ctx.network.add_elementwise(hi, one, ew.SUM).get_output(0), hi).get_output(0)
    return lo, hi


def _const(ctx: ConversionContext, value: float, dtype: torch.dtype) -> Any:
    return typed_constant(ctx, torch.tensor([value], dtype=torch.float64), dtype)
