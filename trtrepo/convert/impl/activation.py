"""Activations that map onto TensorRT's activation layer."""

from __future__ import annotations

from typing import Any

from trtrepo.convert.context import ConversionContext


def activation(ctx: ConversionContext, *, tensor: Any, kind: str,
               alpha: float | None = None, beta: float | None = None) -> Any:
    """A ``trt.ActivationType`` by name, with its alpha/beta parameters where it has them."""
    layer = ctx.network.add_activation(tensor, getattr(ctx.trt.ActivationType, kind))
    if alpha is not None:
        layer.alpha = alpha
    if beta is not None:
        layer.beta = beta
    return layer.get_output(0)
