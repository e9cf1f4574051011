"""Quantize/dequantize converters: PT2E's ``quantized_decomposed`` ops (``trtrepo.quantize``)."""

from __future__ import annotations

from typing import Any

import torch
import torch.ao.quantization.fx._decomposed  # noqa: F401  (registers torch.ops.quantized_decomposed)
import torch.fx

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import quantize
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_tensor, is_constant
from trtrepo.quantize import fp8_op  # noqa: F401  (registers the torch.ops.trtrepo FP8 ops)

qd = torch.ops.quantized_decomposed
BOUNDS = {torch.int8: (-128, 127), torch.float8_e4m3fn: (-448, 448)}  # what TensorRT saturates to


def _literal_zero(value: Any) -> bool:
    """A literal zero point is 0 (a constant tensor of them is checked when converted: its values
    exist only then)."""
    return isinstance(value, torch.fx.Node) or not torch.as_tensor(value).any()


QTYPE = Validator("a quantized type other than int8 and float8_e4m3fn (TensorRT quantizes to INT8 and FP8 E4M3)",
                  lambda node: node_args(node)["dtype"] in BOUNDS)
def _zero_point_arg(node: torch.fx.Node) -> Any:
    args = node_args(node)
    return args["zero_point"] if "zero_point" in args else args["zero_points"]


ZERO_POINT = Validator("a zero point other than 0 (TensorRT quantizes symmetrically only)",
                       lambda node: _literal_zero(_zero_point_arg(node)))
# PyTorch's quantize_per_tensor/per_channel round x / scale to an integer before the float8 cast; TensorRT's
# FP8 quantize rounds to the nearest E4M3 value (0.3 stays 0.3125, not 0): converting it would
# change the answer. trtrepo.quantize places FP8 quantization with its own E4M3 op instead.
INTEGER_ROUNDED_FP8 = Validator(
    "PyTorch's float8 quantize_per_tensor/per_channel (it rounds to integers first; TensorRT's FP8 rounds to E4M3)",
    lambda node: node_args(node)["dtype"] != torch.float8_e4m3fn)
FULL_RANGE = Validator(
    "quantizing to a range narrower than the type's (TensorRT saturates to [-128, 127] for INT8, [-448, 448] for FP8)",
    lambda node: (node_args(node)["quant_min"], node_args(node)["quant_max"]) == BOUNDS.get(node_args(node)["dtype"]))
RUNTIME_INPUT = Validator("quantizing a weight (PT2E stores weights already quantized)",
                          lambda node: not is_constant(node_args(node)["input"]))
CONSTANT_SCALES = Validator("per-channel scales computed at run time (TensorRT needs build-time scales)",
                            lambda node: is_constant(node_args(node)["scales"]))
FLOAT32_OUT = Validator("dequantizing to a type other than float32",
                        lambda node: node_args(node).get("out_dtype") in (None, torch.float32))
FLOAT_INPUT = Validator("quantizing a tensor that is not float32/float16/bfloat16",
                        lambda node: getattr(fake_tensor(node_args(node)["input"]), "dtype", None)
                        in (torch.float32, torch.float16, torch.bfloat16))


@converter(qd.quantize_per_tensor.default, tensors=("input",),
           validators=(QTYPE, INTEGER_ROUNDED_FP8, ZERO_POINT, FULL_RANGE, RUNTIME_INPUT, FLOAT_INPUT))
def quantize_per_tensor(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Per-tensor quantization: one scale."""
    a = bind_args(target, args, kwargs)
    return quantize.quantize(ctx, tensor=a["input"], scale=a["scale"], axis=None, dtype=a["dtype"])


@converter(qd.quantize_per_channel.default, tensors=("input",),
           validators=(QTYPE, INTEGER_ROUNDED_FP8, ZERO_POINT, FULL_RANGE, RUNTIME_INPUT, FLOAT_INPUT, CONSTANT_SCALES))
def quantize_per_channel(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Per-channel quantization: one scale per index of ``axis``."""
    a = bind_args(target, args, kwargs)
    quantize.require_zero(ctx, a["zero_points"])
    return quantize.quantize(ctx, tensor=a["input"], scale=a["scales"], axis=a["axis"], dtype=a["dtype"])


@converter(qd.dequantize_per_tensor.default, validators=(QTYPE, ZERO_POINT, FLOAT32_OUT))
def dequantize_per_tensor(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Per-tensor dequantization of an activation or a stored quantized weight."""
    a = bind_args(target, args, kwargs)
    return quantize.dequantize(ctx, tensor=a["input"], scale=a["scale"], axis=None, dtype=a["dtype"],
                               out_dtype=torch.float32)


@converter(qd.dequantize_per_channel.default, validators=(QTYPE, ZERO_POINT, FLOAT32_OUT, CONSTANT_SCALES))
def dequantize_per_channel(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Per-channel dequantization (a weight, in practice)."""
    a = bind_args(target, args, kwargs)
    quantize.require_zero(ctx, a["zero_points"])
    return quantize.dequantize(ctx, tensor=a["input"], scale=a["scales"], axis=a["axis"], dtype=a["dtype"],
                               out_dtype=torch.float32)


@converter(torch.ops.trtrepo.quantize_fp8.default, validators=(FLOAT_INPUT,))
def quantize_fp8(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """FP8 E4M3 quantization (activations, and weights TensorRT folds at build time)."""
    a = bind_args(target, args, kwargs)
    return quantize.quantize(ctx, tensor=ctx.as_tensor(a["input"]), scale=a["scale"], axis=None,
                             dtype=torch.float8_e4m3fn)


@converter(torch.ops.trtrepo.quantize_fp8_channels.default, validators=(FLOAT_INPUT, CONSTANT_SCALES))
def quantize_fp8_channels(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Per-channel FP8 E4M3 quantization (a weight, in practice: TensorRT folds it at build time)."""
    a = bind_args(target, args, kwargs)
    return quantize.quantize(ctx, tensor=ctx.as_tensor(a["input"]), scale=a["scales"], axis=a["axis"],
                             dtype=torch.float8_e4m3fn)


@converter(torch.ops.trtrepo.dequantize_fp8_channels.default, validators=(CONSTANT_SCALES,))
def dequantize_fp8_channels(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Per-channel FP8 dequantization to float32."""
    a = bind_args(target, args, kwargs)
    return quantize.dequantize(ctx, tensor=a["input"], scale=a["scales"], axis=a["axis"],
                               dtype=torch.float8_e4m3fn, out_dtype=torch.float32)
