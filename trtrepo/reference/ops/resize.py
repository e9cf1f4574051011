"""RESIZE: NEAREST, LINEAR and CUBIC interpolation, one axis at a time.

Output dimensions come from the static shape, from ``floor(input * scale)``, or from input 1. Each
output coordinate ``o`` of an axis maps to an input coordinate (NvInfer.h,
``ResizeCoordinateTransformation``, with ``r = in_length / out_length``):

* ALIGN_CORNERS: ``o * (in - 1) / (out - 1)`` (0 when out == 1)
* ASYMMETRIC: ``o * r``
* HALF_PIXEL: ``(o + 0.5) * r - 0.5``

An axis whose length does not change is left alone. With ``selector_for_single_pixel`` UPPER, an
axis resized to length 1 takes input index 0. NEAREST rounds the coordinate (FLOOR, CEIL, HALF_UP =
``floor(x + 0.5)``, HALF_DOWN = ``ceil(x - 0.5)``) and clamps it to the axis. LINEAR clamps the
coordinate to ``[0, in - 1]`` and blends the two neighbours. CUBIC uses the documented kernel with
coefficient A over four neighbours, clamping their indices to the axis, or, with
``exclude_outside``, dropping the outside ones and renormalising the weights.
"""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe, dims
from trtrepo.reference.registry import register


@register("RESIZE", "IResizeLayer")
def resize(ctx: LayerContext) -> list[torch.Tensor]:
    """Resize every axis whose length changes."""
    x = ctx.input(0)
    out_shape = _output_shape(ctx, x)
    mode = ctx.layer.resize_mode.name
    if mode != "NEAREST" and not is_floating(x):
        raise ctx.fail(f"{mode} resize of {describe(x)} is not supported")
    value = compute(x) if mode != "NEAREST" else x
    for axis, (before, after) in enumerate(zip(x.shape, out_shape, strict=True)):
        if before != after:
            value = _resize_axis(ctx, mode, value, axis, after)
    return [store(value, x.dtype)]


def _output_shape(ctx: LayerContext, x: torch.Tensor) -> list[int]:
    if ctx.has_input(1):
        if ctx.input(1).dtype not in (torch.int32, torch.int64):
            raise ctx.fail("input 1 must hold the output dimensions as Int32/Int64")
        shape = ctx.shape_values(1, "output dimensions")
    else:
        static = dims(ctx.layer.shape)
        if static is None:
            scales = [float(s) for s in ctx.layer.scales]
            if len(scales) != x.dim():
                raise ctx.fail(f"{len(scales)} scales for a rank-{x.dim()} input")
            static = [int(d * s // 1) for d, s in zip(x.shape, scales, strict=True)]
        shape = static
    if len(shape) != x.dim() or any(d < 0 for d in shape):
        raise ctx.fail(f"output dimensions {shape} do not fit input {describe(x)}")
    if any(after and not before for before, after in zip(x.shape, shape, strict=True)):
        raise ctx.fail(f"cannot resize the empty axes of {describe(x)} to {shape}")
    return shape


def _coordinates(ctx: LayerContext, in_len: int, out_len: int) -> torch.Tensor:
    o = torch.arange(out_len, dtype=torch.float64)
    transform = ctx.layer.coordinate_transformation.name
    if out_len == 1 and ctx.layer.selector_for_single_pixel.name == "UPPER":
        return torch.zeros(1, dtype=torch.float64)
    if transform == "ALIGN_CORNERS":
        return o * ((in_len - 1) / (out_len - 1)) if out_len > 1 else o * 0
    if transform == "ASYMMETRIC":
        return o * (in_len / out_len)
    if transform == "HALF_PIXEL":
        return (o + 0.5) * (in_len / out_len) - 0.5
    raise ctx.unsupported(f"coordinate transformation {transform} is not implemented")


def _resize_axis(ctx: LayerContext, mode: str, x: torch.Tensor, axis: int, out_len: int) -> torch.Tensor:
    in_len = x.shape[axis]
    if out_len == 0:
        return x.narrow(axis, 0, 0)
    coords = _coordinates(ctx, in_len, out_len)
    if mode == "NEAREST":
        return torch.index_select(x, axis, _nearest(ctx, coords, in_len))
    if mode == "LINEAR":
        coords = coords.clamp(0, in_len - 1)
        low = coords.floor().to(torch.int64)
        high = (low + 1).clamp(max=in_len - 1)
        return _blend(x, axis, [low, high], [1 - (coords - low), coords - low])
    if mode == "CUBIC":
        return _cubic(ctx, x, axis, coords, in_len)
    raise ctx.unsupported(f"resize mode {mode} is not implemented")


def _nearest(ctx: LayerContext, coords: torch.Tensor, in_len: int) -> torch.Tensor:
    rounding = ctx.layer.nearest_rounding.name
    if rounding == "FLOOR":
        index = torch.floor(coords)
    elif rounding == "CEIL":
        index = torch.ceil(coords)
    elif rounding == "HALF_UP":
        index = torch.floor(coords + 0.5)
    elif rounding == "HALF_DOWN":
        index = torch.ceil(coords - 0.5)
    else:
        raise ctx.unsupported(f"nearest rounding {rounding} is not implemented")
    return index.to(torch.int64).clamp(0, in_len - 1)


def _cubic(ctx: LayerContext, x: torch.Tensor, axis: int, coords: torch.Tensor, in_len: int) -> torch.Tensor:
    a = float(ctx.layer.cubic_coeff)
    base = torch.floor(coords)
    frac = coords - base
    indices, weights = [], []
    for offset in (-1, 0, 1, 2):
        index = base.to(torch.int64) + offset
        weight = _cubic_weight(frac - offset, a)
        if ctx.layer.exclude_outside:
            weight = torch.where((index >= 0) & (index < in_len), weight, torch.zeros_like(weight))
        indices.append(index.clamp(0, in_len - 1))
        weights.append(weight)
    if ctx.layer.exclude_outside:
        total = sum(weights)
        weights = [w / total for w in weights]
    return _blend(x, axis, indices, weights)


def _cubic_weight(distance: torch.Tensor, a: float) -> torch.Tensor:
    d = distance.abs()
    near = ((a + 2) * d - (a + 3)) * d * d + 1
    far = ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
    return torch.where(d <= 1, near, torch.where(d < 2, far, torch.zeros_like(d)))


def _blend(x: torch.Tensor, axis: int, indices: list[torch.Tensor], weights: list[torch.Tensor]) -> torch.Tensor:
    shape = [1] * x.dim()
    shape[axis] = -1
    out = None
    for index, weight in zip(indices, weights, strict=True):
        term = torch.index_select(x, axis, index) * weight.to(x.dtype).reshape(shape)
        out = term if out is None else out + term
    assert out is not None
    return out
