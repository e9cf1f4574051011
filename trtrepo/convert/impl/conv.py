"""Convolution on TensorRT's N-d convolution layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext


def convolution(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any | None,
                stride: Sequence[int], padding: Sequence[int], dilation: Sequence[int], groups: int) -> Any:
    """A forward (not transposed) 2-d or 3-d convolution; the kernel may be a weight or a tensor."""
    spatial = len(weight.shape) - 2
    out_channels = int(weight.shape[0])
    kernel_shape = tuple(int(k) for k in weight.shape[2:])
    empty = ctx.trt.Weights()
    kernel = ctx.weights(weight) if isinstance(weight, torch.Tensor) else empty
    bias_weights = ctx.weights(bias) if isinstance(bias, torch.Tensor) else empty
    layer = ctx.network.add_convolution_nd(tensor, out_channels, kernel_shape, kernel, bias_weights)
    if ctx.is_tensor(weight):
        layer.set_input(1, weight)
    if ctx.is_tensor(bias):
        layer.set_input(2, bias)
    layer.stride_nd = _expand(stride, spatial)
    layer.padding_nd = _expand(padding, spatial)
    layer.dilation_nd = _expand(dilation, spatial)
    layer.num_groups = int(groups)
    return layer.get_output(0)


def _expand(values: Sequence[int] | int, spatial: int) -> tuple[int, ...]:
    """PyTorch allows one value for all spatial dims; TensorRT wants one per dim."""
    if isinstance(values, int):
        return (values,) * spatial
    values = tuple(int(v) for v in values)
    return values * spatial if len(values) == 1 else values
