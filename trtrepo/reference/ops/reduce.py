"""REDUCE, SOFTMAX, TOPK and CUMULATIVE: layers that combine values along axes.

Axes are bitmasks (bit i = dimension i). Reducing an empty volume gives the documented identities:
SUM 0, PROD 1, MAX -inf (integer minimum), MIN +inf (integer maximum), AVG NaN for floats. AVG of an
integer tensor is refused: its rounding is not documented. TopK sorts largest first for MAX and
smallest first for MIN; ties keep the lower index first. k is at most 3840.
"""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import INTEGER, compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register


@register("REDUCE", "IReduceLayer")
def reduce(ctx: LayerContext) -> list[torch.Tensor]:
    """Reduce over the masked axes, keeping them as size-1 dimensions if ``keep_dims``."""
    x = ctx.input(0)
    op = ctx.layer.op.name
    axes = ctx.axes_from_mask(int(ctx.layer.axes), x.dim())
    keep = bool(ctx.layer.keep_dims)
    if x.dtype == torch.bool or (op == "AVG" and not is_floating(x)):
        raise ctx.fail(f"reduce {op} of {describe(x)} is not supported")
    if not axes:
        return [x.clone()]
    value = _reduce(ctx, op, compute(x), axes)
    if keep:
        for a in axes:
            value = value.unsqueeze(a)
    return [store(value, x.dtype)]


def _reduce(ctx: LayerContext, op: str, x: torch.Tensor, axes: list[int]) -> torch.Tensor:
    if op == "SUM":
        return torch.sum(x, dim=axes, dtype=x.dtype)
    if op == "PROD":
        out = x
        for a in sorted(axes, reverse=True):
            out = torch.prod(out, dim=a, dtype=x.dtype)
        return out
    if op == "AVG":
        return torch.mean(x, dim=axes)
    if op in ("MAX", "MIN"):
        shape = [d for i, d in enumerate(x.shape) if i not in axes]
        if any(x.shape[a] == 0 for a in axes):
            return torch.full(shape, _empty_extreme(x.dtype, op), dtype=x.dtype)
        fn = torch.amax if op == "MAX" else torch.amin
        return fn(x, dim=axes)
    raise ctx.unsupported(f"reduce operation {op} is not implemented")


def _empty_extreme(dtype: torch.dtype, op: str) -> float | int:
    if dtype in INTEGER:
        info = torch.iinfo(dtype)
        return info.min if op == "MAX" else info.max
    return float("-inf") if op == "MAX" else float("inf")


@register("SOFTMAX", "ISoftMaxLayer")
def softmax(ctx: LayerContext) -> list[torch.Tensor]:
    """Softmax along the single axis named by the bitmask, computed in float32."""
    x = ctx.input(0)
    axes = ctx.axes_from_mask(int(ctx.layer.axes), x.dim())
    if len(axes) != 1 or not is_floating(x):
        raise ctx.fail(f"softmax needs one axis and a float input, got axes {axes} and {describe(x)}")
    return [store(torch.softmax(compute(x), dim=axes[0]), x.dtype)]


# TensorRT's TopK operator reference: "k must obey k <= d, k <= 3840"; T1 int32, int64, float16,
# float32, bfloat16; the axis one of the last four dimensions.
TOPK_MAX_K = 3840
TOPK_TYPES = (torch.int32, torch.int64, torch.float16, torch.float32, torch.bfloat16)


@register("TOPK", "ITopKLayer")
def topk(ctx: LayerContext) -> list[torch.Tensor]:
    """The k largest (MAX) or smallest (MIN) values along one axis, and their indices."""
    x = ctx.input(0)
    axes = ctx.axes_from_mask(int(ctx.layer.axes), x.dim())
    if len(axes) != 1:
        raise ctx.fail(f"TopK needs exactly one axis, got {axes}")
    axis = axes[0]
    if x.dtype not in TOPK_TYPES or axis < x.dim() - 4:
        raise ctx.fail(f"TopK of {describe(x)} along axis {axis} (it takes int32, int64 and float types, along "
                       "one of the last four dims)")
    k = int(ctx.scalar(1, "k")) if ctx.has_input(1) else int(ctx.layer.k)
    if not 0 <= k <= min(x.shape[axis], TOPK_MAX_K):
        raise ctx.fail(f"k={k} is out of range for axis {axis} of {describe(x)} (k <= {TOPK_MAX_K} too)")
    descending = ctx.layer.op.name == "MAX"
    order = torch.sort(compute(x), dim=axis, descending=descending, stable=True).indices.narrow(axis, 0, k)
    values = torch.gather(x, axis, order)
    return [values.contiguous(), order.to(ctx.output_dtype(1)).contiguous()]


@register("CUMULATIVE", "ICumulativeLayer")
def cumulative(ctx: LayerContext) -> list[torch.Tensor]:
    """Prefix sums along the axis (input 1); exclusive drops the element itself, reverse runs backward."""
    x = ctx.input(0)
    op = ctx.layer.op.name
    if op != "SUM":
        raise ctx.unsupported(f"cumulative operation {op} is not implemented")
    axis = ctx.axis(int(ctx.scalar(1, "axis")), x.dim())
    if x.dtype == torch.bool or x.dtype in (torch.int8, torch.uint8):
        raise ctx.fail(f"cumulative SUM of {describe(x)} is not supported")
    value = compute(x)
    if ctx.layer.reverse:
        value = torch.flip(value, [axis])
    total = torch.cumsum(value, dim=axis, dtype=value.dtype)
    if ctx.layer.exclusive:  # shift by one: element j gets the sum of the elements before it
        first = torch.zeros_like(total.narrow(axis, 0, min(1, total.shape[axis])))
        total = torch.cat([first, total.narrow(axis, 0, max(total.shape[axis] - 1, 0))], dim=axis)
    if ctx.layer.reverse:
        total = torch.flip(total, [axis])
    return [store(total, x.dtype)]
