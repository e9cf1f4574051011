"""Normalization layers."""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext


def batch_norm_inference(ctx: ConversionContext, *, tensor: Any, weight: torch.Tensor | None,
                         bias: torch.Tensor | None, mean: torch.Tensor, var: torch.Tensor, eps: float) -> Any:
    """Eval-mode batch norm folded to ``x * scale + shift`` per channel (dim 1).

    Folding in float64 then storing in the network's float type keeps the folded constants as
    exact as the unfused PyTorch computation.
    """
    channels = mean.shape[0]
    scale = torch.rsqrt(var.double() + eps)
    if weight is not None:
        scale = scale * weight.double()
    shift = -mean.double() * scale
    if bias is not None:
        shift = shift + bias.double()
    shape = (1, channels) + (1,) * (len(tensor.shape) - 2)
    dtype = ctx.dtype_of(tensor)
    ew = ctx.trt.ElementWiseOperation
    scaled = ctx.network.add_elementwise(tensor, ctx.constant(scale.reshape(shape), dtype), ew.PROD)
    shifted = ctx.network.add_elementwise(scaled.get_output(0), ctx.constant(shift.reshape(shape), dtype), ew.SUM)
    return shifted.get_output(0)
