"""SLICE and PADDING.

Slice: for output coordinate ``y`` along an axis, the input coordinate is ``x = start + y * stride``
(stride may be negative or zero). Out-of-range ``x`` is handled by the sample mode: STRICT_BOUNDS is
an error, WRAP takes ``x mod d``, CLAMP clamps to ``[0, d-1]``, FILL writes the fill value (input 4,
default 0), REFLECT takes ``c = |x| mod (2d-2)`` then ``2d-2-c`` if ``c >= d`` (a single-pixel axis
repeats its value). start/size/stride may be tensors (inputs 1-3); ``axes`` (attribute or input 5)
limits them to some axes, the others being taken whole.

Padding pads (or, when negative, crops) the trailing ``len(pre_padding_nd)`` dimensions with zeros.
"""

from __future__ import annotations

import torch

from trtrepo.reference.layer import LayerContext, describe, dims
from trtrepo.reference.registry import register


@register("SLICE", "ISliceLayer")
def slice_layer(ctx: LayerContext) -> list[torch.Tensor]:
    """Gather the strided window with the layer's sample mode."""
    x = ctx.input(0)
    start, size, stride = _full_params(ctx, x)
    mode = ctx.layer.mode.name
    if ctx.has_input(4) and mode != "FILL":
        raise ctx.fail(f"a fill value (input 4) is only allowed in FILL mode, not {mode}")
    out = x
    valid = torch.ones(size, dtype=torch.bool)
    for axis in range(x.dim()):
        coords = start[axis] + stride[axis] * torch.arange(size[axis], dtype=torch.int64)
        index, ok = _sample(ctx, mode, coords, x.shape[axis], axis)
        out = torch.index_select(out, axis, index)
        shape = [1] * x.dim()
        shape[axis] = size[axis]
        valid = valid & ok.reshape(shape)
    if mode == "FILL":
        out = torch.where(valid, out, _fill_value(ctx, x))
    return [out.contiguous()]


def _full_params(ctx: LayerContext, x: torch.Tensor) -> tuple[list[int], list[int], list[int]]:
    rank = x.dim()
    start = _param(ctx, 1, "start", ctx.layer.start if not ctx.has_input(1) else None)
    size = _param(ctx, 2, "size", ctx.layer.shape if not ctx.has_input(2) else None)
    stride = _param(ctx, 3, "stride", ctx.layer.stride if not ctx.has_input(3) else None)
    axes = _axes(ctx, rank)
    if axes is None:
        if not len(start) == len(size) == len(stride) == rank:
            raise ctx.fail(f"start {start}, size {size}, stride {stride} must each have {rank} entries")
        return start, size, stride
    if not len(start) == len(size) == len(stride) == len(axes):
        raise ctx.fail(f"start {start}, size {size}, stride {stride} must match axes {axes}")
    full_start, full_size, full_stride = [0] * rank, list(x.shape), [1] * rank
    for i, axis in enumerate(axes):
        full_start[axis], full_size[axis], full_stride[axis] = start[i], size[i], stride[i]
    return full_start, full_size, full_stride


def _param(ctx: LayerContext, index: int, what: str, static: object) -> list[int]:
    if ctx.has_input(index):
        return ctx.shape_values(index, what)
    values = dims(static)
    if values is None:
        raise ctx.fail(f"{what} is neither set nor given as input {index}")
    return values


def _axes(ctx: LayerContext, rank: int) -> list[int] | None:
    given: list[int] | None
    if ctx.has_input(5):
        given = ctx.shape_values(5, "axes")
    else:
        given = dims(ctx.layer.axes)
    if given is None:
        return None
    axes = [ctx.axis(a, rank) for a in given]
    if len(set(axes)) != len(axes):
        raise ctx.fail(f"slice axes {given} repeat an axis")
    return axes


def _sample(
    ctx: LayerContext, mode: str, coords: torch.Tensor, length: int, axis: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Input indices to read along one axis, and which output positions are in bounds."""
    inside = (coords >= 0) & (coords < length)
    if coords.numel() == 0:
        return coords, inside
    if mode == "STRICT_BOUNDS" and not bool(inside.all()):
        raise ctx.fail(f"STRICT_BOUNDS slice reads coordinates {coords.tolist()} of axis {axis} (length {length})")
    if length == 0:
        raise ctx.fail(f"{mode} slice of the empty axis {axis} must produce an empty axis")
    everywhere = torch.ones_like(inside)
    if mode in ("STRICT_BOUNDS", "FILL"):
        return torch.where(inside, coords, torch.zeros_like(coords)), inside
    if mode == "WRAP":
        return torch.remainder(coords, length), everywhere
    if mode == "CLAMP":
        return torch.clamp(coords, 0, length - 1), everywhere
    if mode == "REFLECT":
        return _reflect(coords, length), everywhere
    raise ctx.unsupported(f"slice mode {mode} is not implemented")


def _reflect(coords: torch.Tensor, length: int) -> torch.Tensor:
    if length == 1:
        return torch.zeros_like(coords)
    period = 2 * length - 2
    c = torch.remainder(coords.abs(), period)
    return torch.where(c >= length, period - c, c)


def _fill_value(ctx: LayerContext, x: torch.Tensor) -> torch.Tensor:
    if not ctx.has_input(4):
        return torch.zeros((), dtype=x.dtype)
    value = ctx.scalar(4, "fill value")
    return value.to(x.dtype)


@register("PADDING", "IPaddingLayer")
def padding(ctx: LayerContext) -> list[torch.Tensor]:
    """Zero-pad (negative: crop) the trailing dimensions by pre/post amounts."""
    x = ctx.input(0)
    pre = dims(ctx.layer.pre_padding_nd) or []
    post = dims(ctx.layer.post_padding_nd) or []
    if len(pre) != len(post) or len(pre) > x.dim():
        raise ctx.fail(f"padding {pre}/{post} does not fit input {describe(x)}")
    return [pad_axes(x, list(range(x.dim() - len(pre), x.dim())), pre, post, 0).contiguous()]


def pad_axes(x: torch.Tensor, axes: list[int], pre: list[int], post: list[int], value: float) -> torch.Tensor:
    """Pad ``x`` along ``axes`` by ``pre``/``post`` with ``value``; negative amounts crop."""
    for axis, before, after in zip(axes, pre, post, strict=True):
        length = x.shape[axis]
        x = x.narrow(axis, max(-before, 0), max(length - max(-before, 0) - max(-after, 0), 0))
        parts = []
        if before > 0:
            parts.append(_block(x, axis, before, value))
        parts.append(x)
        if after > 0:
            parts.append(_block(x, axis, after, value))
        x = torch.cat(parts, dim=axis) if len(parts) > 1 else x
    return x


def _block(x: torch.Tensor, axis: int, count: int, value: float) -> torch.Tensor:
    shape = list(x.shape)
    shape[axis] = count
    return torch.full(shape, value, dtype=x.dtype)
