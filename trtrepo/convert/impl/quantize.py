"""PT2E quantize/dequantize as TensorRT ``IQuantizeLayer``/``IDequantizeLayer``.

TensorRT computes ``clamp(round_half_even(x / scale))`` into INT8 ([-128, 127]) or FP8 E4M3
([-448, 448]) and ``q * scale`` back, symmetric only (zero point 0), with one scale per tensor
(a scalar) or one per channel (a 1-D scale along ``axis``). Networks are strongly typed, so the
quantize layer's output type is set explicitly and the scale has the type of the float side.
A quantized weight arrives as a constant already in INT8/FP8 and becomes a constant of that type
before its dequantize layer: TensorRT folds the pair into the quantized kernel at build time.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.errors import ConversionError


def require_zero(ctx: ConversionContext, zero_points: Any) -> None:
    """TensorRT quantizes symmetrically: a per-channel zero point other than 0 cannot be built."""
    if zero_points is not None and isinstance(zero_points, torch.Tensor) and bool(zero_points.any()):
        raise ConversionError(f"node {ctx.node_label!r}: zero points other than 0 (TensorRT quantizes "
                              "symmetrically only)")


def _quantized_type(ctx: ConversionContext, dtype: torch.dtype) -> Any:
    return ctx.trt.DataType.INT8 if dtype == torch.int8 else ctx.trt.DataType.FP8


def _scale(ctx: ConversionContext, scale: float | torch.Tensor, dtype: torch.dtype) -> Any:
    """A scalar (per tensor) or 1-D (per channel) constant scale in the float side's type."""
    value = torch.as_tensor(scale, dtype=torch.float64).to(dtype)
    return ctx.constant(value.reshape(()) if value.numel() == 1 and value.dim() == 0 else value, dtype=dtype)


def quantize(ctx: ConversionContext, *, tensor: Any, scale: float | torch.Tensor, axis: int | None,
             dtype: torch.dtype) -> Any:
    """``tensor`` quantized to ``dtype`` with ``scale`` (per channel along ``axis`` when given)."""
    float_type = ctx.dtype_of(tensor)
    layer = ctx.network.add_quantize(tensor, _scale(ctx, scale, float_type), _quantized_type(ctx, dtype))
    if axis is not None:
        layer.axis = axis % len(tensor.shape)
    return layer.get_output(0)


def dequantize(ctx: ConversionContext, *, tensor: Any, scale: float | torch.Tensor, axis: int | None,
               dtype: torch.dtype, out_dtype: torch.dtype) -> Any:
    """A ``dtype`` tensor (or weight) dequantized to ``out_dtype`` with ``scale``."""
    if isinstance(tensor, torch.Tensor):
        # A weight stored quantized (the interpreter hands float8 weights over widened: exact).
        tensor = ctx.constant(tensor.to(dtype), dtype=dtype)
    layer = ctx.network.add_dequantize(tensor, _scale(ctx, scale, out_dtype), ctx.trt.DataType.FLOAT
                                       if out_dtype == torch.float32 else _float_type(ctx, out_dtype))
    if axis is not None:
        layer.axis = axis % len(tensor.shape)
    return layer.get_output(0)


def _float_type(ctx: ConversionContext, dtype: torch.dtype) -> Any:
    return {torch.float16: ctx.trt.DataType.HALF, torch.bfloat16: ctx.trt.DataType.BF16}[dtype]
