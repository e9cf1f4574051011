"""Pooling on TensorRT's N-d pooling layer and reduce layer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trtrepo.convert.context import ConversionContext


def _per_dim(values: Sequence[int] | int, spatial: int) -> tuple[int, ...]:
    if isinstance(values, int):
        return (values,) * spatial
    values = tuple(int(v) for v in values)
    return values * spatial if len(values) == 1 else values


def pool(ctx: ConversionContext, *, tensor: Any, kind: str, kernel: Sequence[int], stride: Sequence[int],
         padding: Sequence[int] | int, ceil_mode: bool, exclude_padding: bool = False) -> Any:
    """Max or average pooling over the trailing ``len(kernel)`` dims (PyTorch's empty stride = kernel)."""
    spatial = len(kernel) if not isinstance(kernel, int) else 2
    window = _per_dim(kernel, spatial)
    layer = ctx.network.add_pooling_nd(tensor, getattr(ctx.trt.PoolingType, kind), window)
    layer.stride_nd = _per_dim(stride, spatial) if stride else window
    layer.padding_nd = _per_dim(padding, spatial)
    if ceil_mode:
        layer.padding_mode = ctx.trt.PaddingMode.EXPLICIT_ROUND_UP
    if kind == "AVERAGE":
        layer.average_count_excludes_padding = exclude_padding
    return layer.get_output(0)


def global_average(ctx: ConversionContext, *, tensor: Any, spatial: int) -> Any:
    """Mean over the trailing ``spatial`` dims, keeping them as size 1 (adaptive pooling to 1x1)."""
    rank = len(tensor.shape)
    axes = 0
    for dim in range(rank - spatial, rank):
        axes |= 1 << dim
    return ctx.network.add_reduce(tensor, ctx.trt.ReduceOperation.AVG, axes, True).get_output(0)
