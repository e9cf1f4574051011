"""Convolution and transposed convolution on TensorRT's N-d convolution and deconvolution layers.

TensorRT convolves 2-d and 3-d windows only: a 1-d convolution runs as a 2-d one over ``[N, C, L, 1]``
(the trailing unit dim added and removed with shape tensors, so dynamic batch and length work).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.padding import pad_axes
from trtrepo.convert.impl.shape import reshape
from trtrepo.convert.impl.spatial import append_unit_dim, drop_last_dim, per_dim


def convolution(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any | None, stride: Sequence[int],
                padding: Sequence[int], dilation: Sequence[int], transposed: bool, output_padding: Sequence[int],
                groups: int) -> Any:
    """``aten.convolution``: forward or transposed, 1-d, 2-d or 3-d; the kernel may be a weight or a tensor."""
    spatial = len(weight.shape) - 2
    stride, padding, dilation = per_dim(stride, spatial), per_dim(padding, spatial), per_dim(dilation, spatial)
    output_padding = per_dim(output_padding or 0, spatial)
    if spatial == 1:
        return _as_2d(ctx, tensor=tensor, weight=weight, bias=bias, stride=stride, padding=padding,
                      dilation=dilation, transposed=transposed, output_padding=output_padding, groups=groups)
    if transposed and _needs_fp32_deconvolution(ctx, tensor):
        return _in_fp32(ctx, tensor, lambda t: _deconvolution(
            ctx, tensor=t, weight=weight, bias=bias, stride=stride, padding=padding, dilation=dilation,
            output_padding=output_padding, groups=groups))
    if transposed:
        return _deconvolution(ctx, tensor=tensor, weight=weight, bias=bias, stride=stride, padding=padding,
                              dilation=dilation, output_padding=output_padding, groups=groups)
    return _convolution(ctx, tensor=tensor, weight=weight, bias=bias, stride=stride, padding=padding,
                        dilation=dilation, groups=groups)


def _needs_fp32_deconvolution(ctx: ConversionContext, tensor: Any) -> bool:
    """A bf16 deconvolution the TensorRT in use cannot build runs in fp32 between casts instead."""
    return ctx.dtype_of(tensor) == torch.bfloat16 and not ctx.capabilities.bf16_deconvolution


def _in_fp32(ctx: ConversionContext, tensor: Any, build: Any) -> Any:
    """``build(tensor)`` with the tensor and the node's weights in fp32, the result cast back."""
    low, ctx.float_dtype = ctx.float_dtype, torch.float32
    try:
        out = build(ctx.cast(tensor, torch.float32))
    finally:
        ctx.float_dtype = low
    return ctx.cast(out, ctx.dtype_of(tensor))


def _as_2d(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any | None, stride: tuple[int, ...],
           padding: tuple[int, ...], dilation: tuple[int, ...], transposed: bool,
           output_padding: tuple[int, ...], groups: int) -> Any:
    """A 1-d convolution as a 2-d one with a unit trailing dim on input, kernel and output."""
    if isinstance(weight, torch.Tensor):
        weight = weight.unsqueeze(-1)
    else:
        weight = reshape(ctx, tensor=weight, sizes=[int(d) for d in weight.shape] + [1])
    out = convolution(ctx, tensor=append_unit_dim(ctx, tensor), weight=weight, bias=bias, stride=stride + (1,),
                      padding=padding + (0,), dilation=dilation + (1,), transposed=transposed,
                      output_padding=output_padding + (0,), groups=groups)
    return drop_last_dim(ctx, out)


def _kernel_and_bias(ctx: ConversionContext, weight: Any, bias: Any | None) -> tuple[Any, Any]:
    """Weights for the layer's attributes; tensors (set as layer inputs later) leave them empty."""
    empty = ctx.trt.Weights()
    kernel = ctx.weights(weight) if isinstance(weight, torch.Tensor) else empty
    bias_weights = ctx.weights(bias) if isinstance(bias, torch.Tensor) else empty
    return kernel, bias_weights


def _set_tensor_inputs(ctx: ConversionContext, layer: Any, weight: Any, bias: Any | None) -> None:
    if ctx.is_tensor(weight):
        layer.set_input(1, weight)
    if ctx.is_tensor(bias):
        layer.set_input(2, bias)


def _convolution(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any | None, stride: tuple[int, ...],
                 padding: tuple[int, ...], dilation: tuple[int, ...], groups: int) -> Any:
    kernel, bias_weights = _kernel_and_bias(ctx, weight, bias)
    kernel_shape = tuple(int(k) for k in weight.shape[2:])
    layer = ctx.network.add_convolution_nd(tensor, int(weight.shape[0]), kernel_shape, kernel, bias_weights)
    _set_tensor_inputs(ctx, layer, weight, bias)
    layer.stride_nd = stride
    layer.padding_nd = padding
    layer.dilation_nd = dilation
    layer.num_groups = int(groups)
    return layer.get_output(0)


def _deconvolution(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any | None,
                   stride: tuple[int, ...], padding: tuple[int, ...], dilation: tuple[int, ...],
                   output_padding: tuple[int, ...], groups: int) -> Any:
    """Transposed convolution: TensorRT's full output ``(I - 1) * S + D * (K - 1) + 1`` trimmed.

    PyTorch trims ``padding`` before and ``padding - output_padding`` after. Where output_padding is
    larger (TensorRT has no negative trim), the output is zero-extended instead and the bias, which
    PyTorch adds to those extra positions too, is added after the extension.
    """
    if any(d != 1 for d in dilation):
        # TensorRT rejects strided deconvolutions that are also dilated; a dilated kernel is the
        # kernel with (dilation - 1) zeros between taps, so spread it out when it is a weight.
        weight, dilation = _dilate_kernel(weight, dilation), (1,) * len(dilation)
    extend = tuple(max(o - p, 0) for p, o in zip(padding, output_padding, strict=True))
    early_bias = None if any(extend) else bias
    kernel, bias_weights = _kernel_and_bias(ctx, weight, early_bias)
    kernel_shape = tuple(int(k) for k in weight.shape[2:])
    out_maps = int(weight.shape[1]) * int(groups)
    layer = ctx.network.add_deconvolution_nd(tensor, out_maps, kernel_shape, kernel, bias_weights)
    _set_tensor_inputs(ctx, layer, weight, early_bias)
    layer.stride_nd = stride
    layer.dilation_nd = dilation
    layer.num_groups = int(groups)
    layer.pre_padding = padding
    layer.post_padding = tuple(max(p - o, 0) for p, o in zip(padding, output_padding, strict=True))
    out = layer.get_output(0)
    if not any(extend):
        return out
    first = len(out.shape) - len(extend)
    out = pad_axes(ctx, tensor=out, before={first + i: 0 for i in range(len(extend))},
                   after={first + i: e for i, e in enumerate(extend)})
    return out if bias is None else _add_channel_bias(ctx, tensor=out, bias=bias)


def _dilate_kernel(weight: Any, dilation: tuple[int, ...]) -> torch.Tensor:
    if not isinstance(weight, torch.Tensor):
        raise NotImplementedError("a dilated transposed convolution needs its kernel as a weight")
    spatial = weight.shape[2:]
    full = [d * (k - 1) + 1 for k, d in zip(spatial, dilation, strict=True)]
    spread = weight.new_zeros(tuple(weight.shape[:2]) + tuple(full))
    index = (slice(None), slice(None)) + tuple(slice(None, None, d) for d in dilation)
    spread[index] = weight
    return spread


def _add_channel_bias(ctx: ConversionContext, *, tensor: Any, bias: Any) -> Any:
    """``tensor + bias[None, :, None, ...]``."""
    rank = len(tensor.shape)
    channels = int(bias.shape[0])
    view = [1, channels] + [1] * (rank - 2)
    if isinstance(bias, torch.Tensor):
        bias_tensor = ctx.constant(bias.reshape(view), dtype=ctx.dtype_of(tensor))
    else:
        bias_tensor = reshape(ctx, tensor=ctx.cast(bias, ctx.dtype_of(tensor)), sizes=view)
    return ctx.network.add_elementwise(tensor, bias_tensor, ctx.trt.ElementWiseOperation.SUM).get_output(0)
