"""POOLING: MAX, AVERAGE and MAX_AVERAGE_BLEND over N-D windows.

Padding positions never win a max (they are -inf). For AVERAGE the divisor is the overlap of the
window with the unpadded input when ``average_count_excludes_padding`` (the default), otherwise its
overlap with the padded input; the EXPLICIT_ROUND_UP overhang past the padded input counts in
neither. MAX_AVERAGE_BLEND is ``(1 - blend_factor) * max + blend_factor * average``.
"""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe, dims
from trtrepo.reference.ops.slice import pad_axes
from trtrepo.reference.ops.window import AxisWindow, spatial_windows
from trtrepo.reference.registry import register


@register("POOLING", "IPoolingLayer")
def pooling(ctx: LayerContext) -> list[torch.Tensor]:
    """Pool each window of the trailing spatial dimensions."""
    x = ctx.input(0)
    window = dims(ctx.layer.window_size_nd) or []
    nd = len(window)
    if nd < 1 or x.dim() < nd + 1 or not is_floating(x):
        raise ctx.fail(f"{nd}-D pooling of {describe(x)} is not supported")
    stride = dims(ctx.layer.stride_nd) or [1] * nd
    spatial = list(range(x.dim() - nd, x.dim()))
    windows = spatial_windows(ctx, [x.shape[a] for a in spatial], window, stride)
    kind = ctx.layer.type.name  # on IPoolingLayer, ``type`` is the PoolingType
    xc = compute(x)
    result = None
    if kind in ("MAX", "MAX_AVERAGE_BLEND"):
        result = _windows(_padded(xc, spatial, windows, float("-inf"), True), spatial, window, stride).amax(
            dim=list(range(-nd, 0))
        )
    if kind in ("AVERAGE", "MAX_AVERAGE_BLEND"):
        average = _average(ctx, xc, spatial, windows, window, stride)
        if result is None:
            result = average
        else:
            blend = float(ctx.layer.blend_factor)
            result = (1 - blend) * result + blend * average
    if result is None:
        raise ctx.unsupported(f"pooling type {kind} is not implemented")
    return [store(result, x.dtype)]


def _padded(x: torch.Tensor, axes: list[int], windows: list[AxisWindow], value: float, overhang: bool) -> torch.Tensor:
    post = [w.post + (w.overhang if overhang else 0) for w in windows]
    x = pad_axes(x, axes, [w.pre for w in windows], post, value)
    if not overhang:
        x = pad_axes(x, axes, [0] * len(axes), [w.overhang for w in windows], 0.0)
    return x


def _windows(x: torch.Tensor, axes: list[int], window: list[int], stride: list[int]) -> torch.Tensor:
    """A view with the windows of each axis unfolded into trailing dimensions."""
    for axis, size, step in zip(axes, window, stride, strict=True):
        x = x.unfold(axis, size, step)
    return x


def _average(
    ctx: LayerContext, x: torch.Tensor, axes: list[int], windows: list[AxisWindow], window: list[int], stride: list[int]
) -> torch.Tensor:
    nd = len(window)
    total = _windows(_padded(x, axes, windows, 0.0, True), axes, window, stride).sum(dim=list(range(-nd, 0)))
    ones = torch.ones([x.shape[a] for a in axes], dtype=x.dtype)
    local = list(range(nd))
    if bool(ctx.layer.average_count_excludes_padding):
        counted = pad_axes(ones, local, [w.pre for w in windows], [w.post + w.overhang for w in windows], 0.0)
    else:
        counted = _padded(torch.ones_like(ones), local, windows, 1.0, False)
    count = _windows(counted, local, window, stride).sum(dim=list(range(-nd, 0)))
    return total / count
