"""FP8 E4M3 quantize/dequantize as TensorRT defines them, as PyTorch ops (``trtrepo::*_fp8*``).

PyTorch's ``quantized_decomposed.quantize_per_tensor`` rounds ``x / scale`` to an integer before
casting to float8, which is not what TensorRT's FP8 quantize does (it rounds to the nearest E4M3
value); and its ``dequantize_per_channel`` cannot run on float8 at all ("Promotion for Float8 Types
is not supported": it subtracts an integer zero point first). The quantization stage swaps these
ops in for FP8, so the fake-quantized eager model and the engine compute the same thing.
"""

from __future__ import annotations

import torch

E4M3_MAX = 448.0  # the largest finite E4M3 value: TensorRT saturates to it


@torch.library.custom_op("trtrepo::quantize_fp8", mutates_args=())
def quantize_fp8(input: torch.Tensor, scale: float) -> torch.Tensor:
    """``clamp(input / scale, -448, 448)`` rounded to the nearest E4M3 value."""
    return (input.to(torch.float32) / scale).clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn)


@quantize_fp8.register_fake
def _(input: torch.Tensor, scale: float) -> torch.Tensor:
    return torch.empty_like(input, dtype=torch.float8_e4m3fn)


def _along(scales: torch.Tensor, axis: int, rank: int) -> torch.Tensor:
    """``scales`` shaped to broadcast along ``axis`` of a rank-``rank`` tensor."""
    shape = [1] * rank
    shape[axis % rank] = -1
    return scales.to(torch.float32).reshape(shape)


@torch.library.custom_op("trtrepo::quantize_fp8_channels", mutates_args=())
def quantize_fp8_channels(input: torch.Tensor, scales: torch.Tensor, axis: int) -> torch.Tensor:
    """Per-channel FP8: ``clamp(input / scales[c], -448, 448)`` rounded to E4M3, ``c`` along ``axis``."""
    scaled = input.to(torch.float32) / _along(scales, axis, input.dim())
    return scaled.clamp(-E4M3_MAX, E4M3_MAX).to(torch.float8_e4m3fn)


@quantize_fp8_channels.register_fake
def _(input: torch.Tensor, scales: torch.Tensor, axis: int) -> torch.Tensor:
    return torch.empty_like(input, dtype=torch.float8_e4m3fn)


@torch.library.custom_op("trtrepo::dequantize_fp8_channels", mutates_args=())
def dequantize_fp8_channels(input: torch.Tensor, scales: torch.Tensor, axis: int) -> torch.Tensor:
    """Per-channel FP8 back to float32: ``input * scales[c]`` (exact: every E4M3 value is an fp32)."""
    return input.to(torch.float32) * _along(scales, axis, input.dim())


@dequantize_fp8_channels.register_fake
def _(input: torch.Tensor, scales: torch.Tensor, axis: int) -> torch.Tensor:
    return torch.empty_like(input, dtype=torch.float32)


FP8_QUANTIZE_OPS = (torch.ops.trtrepo.quantize_fp8.default, torch.ops.trtrepo.quantize_fp8_channels.default)


def use_e4m3_quantize(graph: torch.fx.Graph) -> int:
    """Replace PyTorch's float8 quantize/dequantize calls with TensorRT's semantics; returns how many.

    ``quantize_per_tensor`` becomes ``quantize_fp8``; ``quantize_per_channel`` and
    ``dequantize_per_channel`` become ``quantize_fp8_channels`` / ``dequantize_fp8_channels``
    (``dequantize_per_tensor`` runs on float8 as it is). Arguments: (input, scale(s),
    zero point(s), [axis,] quant_min, quant_max, dtype).
    """
    qd = torch.ops.quantized_decomposed
    replaced = 0
    for node in graph.nodes:
        if node.op != "call_function" or torch.float8_e4m3fn not in node.args:
            continue
        if node.target is qd.quantize_per_tensor.default:
            node.target, node.args = torch.ops.trtrepo.quantize_fp8.default, (node.args[0], float(node.args[1]))
        elif node.target is qd.quantize_per_channel.default:
            node.target = torch.ops.trtrepo.quantize_fp8_channels.default
            node.args = (node.args[0], node.args[1], int(node.args[3]))
        elif node.target is qd.dequantize_per_channel.default:
            node.target = torch.ops.trtrepo.dequantize_fp8_channels.default
            node.args, node.kwargs = (node.args[0], node.args[1], int(node.args[3])), {}
        else:
            continue
        replaced += 1
    return replaced
