"""QUANTIZE and DEQUANTIZE, as TensorRT's operator documentation defines them.

Quantize: ``output = clamp(round(input / scale) + zero_point)``, rounding to nearest with ties to
even, clamped to the output type's range: INT8 [-128, 127]; FP8 (E4M3) [-448, 448], the value then
rounded to the nearest E4M3 number (ties to even). Dequantize: ``output = (input - zero_point) *
scale``. ``scale`` is a build-time constant of the float type: a scalar (per tensor), a 1-D
tensor with one value per index of ``axis`` (per channel), or, for block quantization, a tensor of
the input's rank whose every dimension divides the input's (each scale covers one block). The
zero point is optional and must be zero: TensorRT quantizes symmetrically.
"""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import compute, store
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register

RANGES = {torch.int8: (-128.0, 127.0), torch.float8_e4m3fn: (-448.0, 448.0)}


def _scale_for(ctx: LayerContext, x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """``scale`` broadcast to ``x``: per tensor, per channel along the layer's axis, or per block."""
    scale = compute(scale).to(torch.float32)
    if scale.numel() == 1 and scale.dim() <= 1:
        return scale.reshape(())
    if scale.dim() == 1:
        axis = ctx.axis(int(ctx.layer.axis), x.dim())
        if scale.numel() != x.shape[axis]:
            raise ctx.fail(f"a per-channel scale of {scale.numel()} values for axis {axis} of {describe(x)}")
        shape = [1] * x.dim()
        shape[axis] = scale.numel()
        return scale.reshape(shape)
    if scale.dim() != x.dim() or any(n % s for n, s in zip(x.shape, scale.shape, strict=True)):
        raise ctx.fail(f"a block scale {describe(scale)} does not tile {describe(x)}")
    for dim, (n, s) in enumerate(zip(x.shape, scale.shape, strict=True)):
        scale = scale.repeat_interleave(n // s, dim=dim)
    return scale


def _zero_point(ctx: LayerContext) -> None:
    if ctx.has_input(2) and bool(compute(ctx.input(2)).to(torch.float32).any()):
        raise ctx.fail("a zero point other than 0 (TensorRT quantizes symmetrically only)")


@register("QUANTIZE", "IQuantizeLayer")
def quantize(ctx: LayerContext) -> list[torch.Tensor]:
    """Divide by the scale, round half to even, saturate, and store in INT8 or FP8."""
    x, dtype = ctx.input(0), ctx.output_dtype()
    if dtype not in RANGES:
        raise ctx.fail(f"quantizing to {dtype} (INT8 and FP8 are implemented)")
    _zero_point(ctx)
    scaled = compute(x).to(torch.float32) / _scale_for(ctx, x, ctx.input(1))
    low, high = RANGES[dtype]
    if dtype == torch.int8:
        return [store(torch.round(scaled).clamp(low, high), dtype)]  # torch.round: ties to even
    # E4M3 saturates: clamp first, as the conversion itself would make NaN of anything beyond 448.
    return [store(scaled.clamp(low, high), dtype)]


@register("DEQUANTIZE", "IDequantizeLayer")
def dequantize(ctx: LayerContext) -> list[torch.Tensor]:
    """Multiply the INT8/FP8 values by the scale, in the output's float type."""
    q, dtype = ctx.input(0), ctx.output_dtype()
    if q.dtype not in RANGES:
        raise ctx.fail(f"dequantizing {describe(q)} (INT8 and FP8 inputs are implemented)")
    _zero_point(ctx)
    return [store(q.to(torch.float32) * _scale_for(ctx, q, ctx.input(1)), dtype)]
