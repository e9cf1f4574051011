"""Upsampling by a scale factor whose output length is not ``in * scale``, with PyTorch's coordinates.

Given a scale factor ``s``, PyTorch's output length is ``floor(in * s)`` and its kernels map output
index ``o`` to the input by ``r = (float) (1.0 / s)`` — not by ``in / out``, which is the only ratio
TensorRT's resize layer knows (``impl/resize.py``). When the two differ (7 x 1.5 = 10.5 -> 10) each
spatial dim is resampled here, innermost first as PyTorch's separable kernels nest them, by
gathers at indices computed from ``r`` in float32, PyTorch's own arithmetic (``UpSample.h``):

* nearest: ``min(floor(o * r), in - 1)``, except that in PyTorch's 2-D kernel (``nearest_idx``; its
  1-D and 3-D CPU kernels do not) a length kept (``out == in``) copies and a length doubled
  (``out == 2 in``) reads ``o >> 1``, whatever the scale;
* nearest-exact: ``min(floor((o + 0.5) * r), in - 1)``;
* linear: source ``max(r (o + 0.5) - 0.5, 0)``, taps ``i0 = min(floor(src), in - 1)`` and
  ``min(i0 + 1, in - 1)`` weighted ``1 - l`` and ``l = clamp(src - i0, 0, 1)``; a kept length copies;
* cubic: source ``r (o + 0.5) - 0.5`` (unclamped), taps ``floor(src) - 1 .. + 2`` clamped to the
  input, Keys' coefficients with ``A = -0.75`` at ``t = src - floor(src)``.

A dynamic length is computed exactly in int64: the validators accept there only scales that are
multiples of 2**-16 (``1.5``, ``0.75``, ``2.25``...), for which ``floor(in * s)`` is exact in integers.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.creation import linspace
from trtrepo.convert.impl.elementwise import select
from trtrepo.convert.impl.shape import dim_size, reshape
from trtrepo.convert.impl.spatial import Size, affine_size
from trtrepo.convert.impl.symbolic import int_op, size_value

EXACT_DENOMINATOR = 1 << 16
CUBIC_A = -0.75


def exact_on_dynamic_dims(scale: float) -> bool:
    """Whether ``floor(in * scale)`` can be computed exactly in int64 at run time (see the module docstring)."""
    fraction = Fraction(scale)
    return fraction.denominator <= EXACT_DENOMINATOR and fraction.numerator < 1 << 31


def scaled_length(ctx: ConversionContext, size: Size, scale: float) -> Size:
    """PyTorch's output length ``floor(in * scale)`` (in double; exact in int64 for a dynamic ``in``)."""
    if not ctx.is_tensor(size):
        return math.floor(int(size) * scale)
    fraction = Fraction(scale)
    return affine_size(ctx, size, scale=fraction.numerator, divisor=fraction.denominator)


def resample(ctx: ConversionContext, *, tensor: Any, mode: str, scales: list[float | None],
             outs: list[Size] | None) -> Any:
    """Resample the trailing ``len(scales)`` dims to ``outs`` (default ``floor(in * scale)``), PyTorch's way.

    A dim whose scale is None (``.default`` overloads given only a size there) maps by ``in / out``.
    """
    source = ctx.dtype_of(tensor)
    work = ctx.cast(tensor, torch.float32)  # PyTorch interpolates in float32 for every float type
    rank, spatial = len(tensor.shape), len(scales)
    for i in reversed(range(spatial)):
        axis = rank - spatial + i
        size = dim_size(ctx, tensor=work, dim=axis)
        scale = scales[i]
        if outs is not None:
            out = outs[i]
        elif scale is not None:
            out = scaled_length(ctx, size, scale)
        else:
            raise ValueError("a dim with neither a scale nor an output length")
        work = _resample_axis(ctx, work, axis=axis, size=size, out=out, scale=scale, mode=mode,
                              shortcuts=mode == "linear" or (mode == "nearest" and spatial == 2))
    return ctx.cast(work, source)


def _resample_axis(ctx: ConversionContext, x: Any, *, axis: int, size: Size, out: Size, scale: float | None,
                   mode: str, shortcuts: bool) -> Any:
    """One dim resampled; ``shortcuts``: whether PyTorch's kernel copies a kept length (and, nearest, halves
    the index of a doubled one)."""
    static = not ctx.is_tensor(size) and not ctx.is_tensor(out)
    if static and out == size and shortcuts:
        return x  # PyTorch copies a kept length
    o = linspace(ctx, length=out, start=0.0, step=1.0, dtype=torch.float32)
    ratio = _ratio(ctx, size, out, scale)
    if mode in ("nearest", "nearest-exact"):
        position = _ew(ctx, "SUM", o, _f32(ctx, 0.5)) if mode == "nearest-exact" else o
        index = _clamp_index(ctx, _floor_int(ctx, _ew(ctx, "PROD", position, ratio)), size)
        if shortcuts:
            index = _nearest_shortcuts(ctx, index, o, size, out, static)
        return ctx.network.add_gather(x, index, axis).get_output(0)
    centre = _ew(ctx, "SUB", _ew(ctx, "PROD", ratio, _ew(ctx, "SUM", o, _f32(ctx, 0.5))), _f32(ctx, 0.5))
    if mode == "linear":
        return _linear(ctx, x, axis=axis, source=centre, o=o, size=size, out=out, static=static)
    return _cubic(ctx, x, axis=axis, source=centre, size=size)


def _ratio(ctx: ConversionContext, size: Size, out: Size, scale: float | None) -> Any:
    """PyTorch's ``compute_scales_value``: ``(float) (1.0 / scale)``, or ``(float) in / out`` without a scale."""
    if scale is not None and scale > 0:
        return _f32(ctx, float(torch.tensor(1.0 / scale, dtype=torch.float32)))
    if not ctx.is_tensor(size) and not ctx.is_tensor(out):
        return _f32(ctx, float(torch.tensor(float(size), dtype=torch.float32) / int(out)))
    lengths = [ctx.cast(size_value(ctx, v), torch.float32) for v in (size, out)]
    return _ew(ctx, "DIV", lengths[0], lengths[1])


def _linear(ctx: ConversionContext, x: Any, *, axis: int, source: Any, o: Any, size: Size, out: Size,
            static: bool) -> Any:
    source = _ew(ctx, "MAX", source, _f32(ctx, 0.0))
    first = _clamp_index(ctx, _floor_int(ctx, source), size)
    weight = _ew(ctx, "MIN", _ew(ctx, "MAX", _ew(ctx, "SUB", source, ctx.cast(first, torch.float32)),
                                    _f32(ctx, 0.0)), _f32(ctx, 1.0))
    if not static:  # a kept length copies: index o, weight 0
        kept = _same(ctx, size, out, factor=1, like=o)
        first = select(ctx, condition=kept, then=ctx.cast(o, torch.int64), other=first)
        weight = select(ctx, condition=kept, then=_ew(ctx, "PROD", weight, _f32(ctx, 0.0)), other=weight)
    second = _clamp_index(ctx, _ew(ctx, "SUM", first, _i64(ctx, 1)), size)
    rest = _ew(ctx, "SUB", _f32(ctx, 1.0), weight)
    return _ew(ctx, "SUM", _weighted(ctx, x, first, rest, axis), _weighted(ctx, x, second, weight, axis))


def _cubic(ctx: ConversionContext, x: Any, *, axis: int, source: Any, size: Size) -> Any:
    floor = ctx.network.add_unary(source, ctx.trt.UnaryOperation.FLOOR).get_output(0)
    t = _ew(ctx, "SUB", source, floor)
    base = ctx.cast(floor, torch.int64)
    one = _f32(ctx, 1.0)
    coefficients = [_far(ctx, _ew(ctx, "SUM", t, one)), _near(ctx, t), _near(ctx, _ew(ctx, "SUB", one, t)),
                    _far(ctx, _ew(ctx, "SUB", _f32(ctx, 2.0), t))]
    total = None
    for k, coefficient in enumerate(coefficients):
        tap = _ew(ctx, "MAX", _clamp_index(ctx, _ew(ctx, "SUM", base, _i64(ctx, k - 1)), size), _i64(ctx, 0))
        term = _weighted(ctx, x, tap, coefficient, axis)
        total = term if total is None else _ew(ctx, "SUM", total, term)
    return total


def _near(ctx: ConversionContext, t: Any) -> Any:
    """``((A + 2) t - (A + 3)) t t + 1``, Keys' kernel for ``|t| <= 1``."""
    inner = _ew(ctx, "SUB", _ew(ctx, "PROD", _f32(ctx, CUBIC_A + 2), t), _f32(ctx, CUBIC_A + 3))
    return _ew(ctx, "SUM", _ew(ctx, "PROD", _ew(ctx, "PROD", inner, t), t), _f32(ctx, 1.0))


def _far(ctx: ConversionContext, t: Any) -> Any:
    """``((A t - 5 A) t + 8 A) t - 4 A``, Keys' kernel for ``1 < |t| < 2``."""
    inner = _ew(ctx, "SUB", _ew(ctx, "PROD", _f32(ctx, CUBIC_A), t), _f32(ctx, 5 * CUBIC_A))
    inner = _ew(ctx, "SUM", _ew(ctx, "PROD", inner, t), _f32(ctx, 8 * CUBIC_A))
    return _ew(ctx, "SUB", _ew(ctx, "PROD", inner, t), _f32(ctx, 4 * CUBIC_A))


def _nearest_shortcuts(ctx: ConversionContext, index: Any, o: Any, size: Size, out: Size, static: bool) -> Any:
    """PyTorch's ``nearest_idx``: a doubled length reads ``o >> 1``; a kept one ``o`` (see the docstring)."""
    whole = ctx.cast(o, torch.int64)
    if static:
        return _ew(ctx, "FLOOR_DIV", whole, _i64(ctx, 2)) if out == 2 * int(size) else index
    doubled = select(ctx, condition=_same(ctx, size, out, factor=2, like=o),
                     then=_ew(ctx, "FLOOR_DIV", whole, _i64(ctx, 2)), other=index)
    return select(ctx, condition=_same(ctx, size, out, factor=1, like=o), then=whole, other=doubled)


def _same(ctx: ConversionContext, size: Size, out: Size, *, factor: int, like: Any) -> Any:
    """A one-element bool tensor: ``out == factor * size`` at run time."""
    return _ew(ctx, "EQUAL", size_value(ctx, out), size_value(ctx, int_op(ctx, "mul", size, factor)))


def _weighted(ctx: ConversionContext, x: Any, index: Any, weight: Any, axis: int) -> Any:
    """``x`` gathered at ``index`` along ``axis``, times ``weight`` (one per output index)."""
    gathered = ctx.network.add_gather(x, index, axis).get_output(0)
    sizes = [1] * len(x.shape)
    sizes[axis] = -1
    return _ew(ctx, "PROD", gathered, reshape(ctx, tensor=weight, sizes=sizes))


def _clamp_index(ctx: ConversionContext, index: Any, size: Size) -> Any:
    """``min(index, size - 1)`` in int64."""
    return _ew(ctx, "MIN", index, size_value(ctx, int_op(ctx, "sub", size, 1)))


def _floor_int(ctx: ConversionContext, value: Any) -> Any:
    """``(int64) floor(value)`` (PyTorch's ``static_cast<int64_t>(floorf(...))``)."""
    return ctx.cast(ctx.network.add_unary(value, ctx.trt.UnaryOperation.FLOOR).get_output(0), torch.int64)


def _f32(ctx: ConversionContext, value: float) -> Any:
    return ctx.constant(torch.tensor([value], dtype=torch.float32), dtype=torch.float32)


def _i64(ctx: ConversionContext, value: int) -> Any:
    return ctx.constant(torch.tensor([value], dtype=torch.int64))


def _ew(ctx: ConversionContext, op: str, lhs: Any, rhs: Any) -> Any:
    return ctx.network.add_elementwise(lhs, rhs, getattr(ctx.trt.ElementWiseOperation, op)).get_output(0)
