"""Normalization: batch norm (running or batch statistics), layer, group and instance norm.

Layer, group and instance norm are kept whole and become TensorRT's normalization layer, which
computes the statistics in one kernel; eval-mode batch norm folds into a per-channel scale and shift.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import binary
from trtrepo.convert.impl.moments import moments
from trtrepo.convert.impl.reduce import axes_mask
from trtrepo.convert.impl.shape import dim_size, prepend_ones, reshape


def batch_norm_inference(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any, mean: Any, var: Any,
                         eps: float) -> Any:
    """Eval-mode batch norm as ``x * scale + shift`` per channel (dim 1).

    With weights only, scale and shift are folded in float64 then stored in the network's float
    type, as exact as the unfused PyTorch computation; any of the four computed at run time (an
    ITensor) makes scale and shift per-channel layers of the network instead.
    """
    if any(ctx.is_tensor(v) for v in (weight, bias, mean, var)):
        return _batch_norm_runtime(ctx, tensor=tensor, weight=weight, bias=bias, mean=mean, var=var, eps=eps)
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


def _batch_norm_runtime(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any, mean: Any, var: Any,
                        eps: float) -> Any:
    """``x * scale + shift`` with ``scale = weight / sqrt(var + eps)`` and ``shift = bias - mean * scale``,
    each a ``[1, C, 1, ...]`` tensor computed by the network (weights among them become constants)."""
    dtype = ctx.dtype_of(tensor)
    channels = int(tensor.shape[1]) if int(tensor.shape[1]) >= 0 else -1
    shape = [1, channels] + [1] * (len(tensor.shape) - 2)

    def per_channel(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return ctx.constant(value.reshape(shape), dtype)
        return reshape(ctx, tensor=ctx.cast(value, dtype), sizes=shape)

    ew, unary = ctx.trt.ElementWiseOperation, ctx.trt.UnaryOperation
    padded = binary(ctx, op=ew.SUM, lhs=per_channel(var), rhs=float(eps))
    scale = ctx.network.add_unary(ctx.network.add_unary(padded, unary.SQRT).get_output(0), unary.RECIP).get_output(0)
    if weight is not None:
        scale = ctx.network.add_elementwise(scale, per_channel(weight), ew.PROD).get_output(0)
    shift = ctx.network.add_elementwise(per_channel(mean), scale, ew.PROD).get_output(0)
    if bias is not None:
        shift = ctx.network.add_elementwise(per_channel(bias), shift, ew.SUB).get_output(0)
    else:
        shift = ctx.network.add_unary(shift, unary.NEG).get_output(0)
    scaled = ctx.network.add_elementwise(tensor, scale, ew.PROD).get_output(0)
    return ctx.network.add_elementwise(scaled, shift, ew.SUM).get_output(0)


def _affine(ctx: ConversionContext, *, value: Any, fill: float, shape: list[int], dtype: torch.dtype) -> Any:
    """A scale or bias of exactly ``shape``: ``value`` (weights or a run-time tensor) or ``fill``."""
    if value is None:
        return ctx.constant(torch.full(shape, fill), dtype)
    if isinstance(value, torch.Tensor):
        return ctx.constant(value.reshape(shape), dtype)
    value = ctx.cast(value, dtype)
    return prepend_ones(ctx, tensor=value, count=len(shape) - len(value.shape))


def _channel_affine(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any, channels: int) -> Any:
    """``tensor * weight + bias`` with one weight and bias per channel (dim 1); None skips a step."""
    shape = [1, channels] + [1] * (len(tensor.shape) - 2)
    dtype = ctx.dtype_of(tensor)
    ew = ctx.trt.ElementWiseOperation
    if weight is not None:
        scale = _affine(ctx, value=weight, fill=1.0, shape=shape, dtype=dtype)
        tensor = ctx.network.add_elementwise(tensor, scale, ew.PROD).get_output(0)
    if bias is not None:
        shift = _affine(ctx, value=bias, fill=0.0, shape=shape, dtype=dtype)
        tensor = ctx.network.add_elementwise(tensor, shift, ew.SUM).get_output(0)
    return tensor


def _normalization(ctx: ConversionContext, *, tensor: Any, scale: Any, bias: Any, axes: list[int],
                   eps: float, groups: int = 1) -> Any:
    layer = ctx.network.add_normalization(tensor, scale, bias, axes_mask(axes))
    layer.epsilon = eps
    layer.num_groups = groups
    return layer.get_output(0)


def layer_norm(ctx: ConversionContext, *, tensor: Any, normalized_shape: list[int], weight: Any, bias: Any,
               eps: float) -> Any:
    """``aten.layer_norm``: one normalization layer over the trailing ``normalized_shape`` dims.

    Absent weight/bias are ones/zeros; scale and bias get leading unit dims to the input's rank.
    """
    rank, count = len(tensor.shape), len(normalized_shape)
    shape = [1] * (rank - count) + list(normalized_shape)
    dtype = ctx.dtype_of(tensor)
    scale = _affine(ctx, value=weight, fill=1.0, shape=shape, dtype=dtype)
    shift = _affine(ctx, value=bias, fill=0.0, shape=shape, dtype=dtype)
    return _normalization(ctx, tensor=tensor, scale=scale, bias=shift, axes=list(range(rank - count, rank)), eps=eps)


def group_norm(ctx: ConversionContext, *, tensor: Any, groups: int, weight: Any, bias: Any, eps: float) -> Any:
    """``aten.group_norm`` over ``[N, C, *]``: statistics per group, then the per-channel affine.

    The normalization layer's own scale/bias are per group (``[1, G, 1, ...]``) in every TensorRT
    10.x, so they stay ones/zeros and PyTorch's per-channel weight and bias follow as elementwise
    layers. One group is a normalization over every dim but the batch. ``[N, C]`` inputs get a
    trailing unit dim, as the layer needs at least one dim after the channels.
    """
    rank = len(tensor.shape)
    if rank == 2:
        lifted = reshape(ctx, tensor=tensor, sizes=[dim_size(ctx, tensor=tensor, dim=0), tensor.shape[1], 1])
        out = group_norm(ctx, tensor=lifted, groups=groups, weight=weight, bias=bias, eps=eps)
        return reshape(ctx, tensor=out, sizes=[dim_size(ctx, tensor=tensor, dim=0), tensor.shape[1]])
    dtype = ctx.dtype_of(tensor)
    channels = tensor.shape[1]
    if channels // groups == 1 and all(d == 1 for d in tensor.shape[2:]):
        # one element per group: it normalizes to 0 (as ``x - x``, so inf and NaN stay NaN), which
        # the normalization layer refuses to compute
        zero = ctx.network.add_elementwise(tensor, tensor, ctx.trt.ElementWiseOperation.SUB).get_output(0)
        return _channel_affine(ctx, tensor=zero, weight=weight, bias=bias, channels=channels)
    shape = [1, 1 if groups == 1 else groups] + [1] * (rank - 2)
    ones = ctx.constant(torch.ones(shape), dtype)
    zeros = ctx.constant(torch.zeros(shape), dtype)
    first = 1 if groups == 1 else 2
    out = _normalization(ctx, tensor=tensor, scale=ones, bias=zeros, axes=list(range(first, rank)), eps=eps,
                         groups=groups)
    return _channel_affine(ctx, tensor=out, weight=weight, bias=bias, channels=channels)


def instance_norm(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any, eps: float) -> Any:
    """``aten.instance_norm`` with input statistics: per sample and channel, over the spatial dims."""
    rank = len(tensor.shape)
    shape = [1, tensor.shape[1]] + [1] * (rank - 2)
    dtype = ctx.dtype_of(tensor)
    scale = _affine(ctx, value=weight, fill=1.0, shape=shape, dtype=dtype)
    shift = _affine(ctx, value=bias, fill=0.0, shape=shape, dtype=dtype)
    return _normalization(ctx, tensor=tensor, scale=scale, bias=shift, axes=list(range(2, rank)), eps=eps)


def batch_norm_batch_stats(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any, eps: float) -> Any:
    """Batch norm with the batch's own statistics (``track_running_stats=False``), over all dims but 1.

    Written as reductions rather than a normalization layer: TensorRT documents that layer for
    instance, group and layer normalization, none of which reduces over the batch dim.
    """
    rank = len(tensor.shape)
    axes = [0] + list(range(2, rank))
    var, average = moments(ctx, tensor=tensor, dims=axes, correction=0, keepdim=True)
    ew, unary = ctx.trt.ElementWiseOperation, ctx.trt.UnaryOperation
    centred = ctx.network.add_elementwise(tensor, average, ew.SUB).get_output(0)
    padded = binary(ctx, op=ew.SUM, lhs=var, rhs=float(eps))
    deviation = ctx.network.add_unary(padded, unary.SQRT).get_output(0)
    out = ctx.network.add_elementwise(centred, deviation, ew.DIV).get_output(0)
    return _channel_affine(ctx, tensor=out, weight=weight, bias=bias, channels=tensor.shape[1])
