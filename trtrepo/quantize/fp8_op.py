"""``trtrepo::quantize_fp8``: FP8 E4M3 quantization as TensorRT defines it, as a PyTorch op.

PyTorch's ``quantized_decomposed.quantize_per_tensor`` rounds ``x / scale`` to an integer before
casting to float8, which is not what TensorRT's FP8 quantize does (it rounds to the nearest E4M3
value). The quantization stage swaps this op in for FP8, so the fake-quantized eager model and
the engine compute the same thing.
"""

from __future__ import annotations

import torch


@torch.library.custom_op("trtrepo::quantize_fp8", mutates_args=())
def quantize_fp8(input: torch.Tensor, scale: float) -> torch.Tensor:
    """``clamp(input / scale, -448, 448)`` rounded to the nearest E4M3 value."""
    return (input.to(torch.float32) / scale).clamp(-448.0, 448.0).to(torch.float8_e4m3fn)


@quantize_fp8.register_fake
def _(input: torch.Tensor, scale: float) -> torch.Tensor:
    return torch.empty_like(input, dtype=torch.float8_e4m3fn)


def use_e4m3_quantize(graph: torch.fx.Graph) -> int:
    """Replace PyTorch's float8 ``quantize_per_tensor`` calls with ``quantize_fp8``; returns how many."""
    target = torch.ops.quantized_decomposed.quantize_per_tensor.default
    replaced = 0
    for node in graph.nodes:
        if node.op == "call_function" and node.target is target and node.args[5] == torch.float8_e4m3fn:
            node.target = torch.ops.trtrepo.quantize_fp8.default
            node.args = (node.args[0], float(node.args[1]))
            replaced += 1
    return replaced
