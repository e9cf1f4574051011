"""CONVOLUTION and DECONVOLUTION (N-D, grouped, dilated, with TensorRT's padding modes).

Convolution kernels are GKCRS, i.e. ``[K, C / G, *kernel]`` (torch's layout); deconvolution kernels
are CKRS, ``[C, K / G, *kernel]`` (torch's transposed-conv layout). Kernel and bias come from the
layer's weights or, when set, from inputs 1 and 2. Convolution zero-pads the input; deconvolution
trims its full output ``(I - 1) * S + DK`` by the pre/post padding. Computed in float32.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from trtrepo.reference.dtypes import compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe, dims
from trtrepo.reference.ops.slice import pad_axes
from trtrepo.reference.ops.window import spatial_windows
from trtrepo.reference.registry import register
from trtrepo.reference.weights import WeightsError, weights_to_tensor

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_DECONV = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _kernel_and_bias(
    ctx: LayerContext, kernel_shape: list[int], out_channels: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    kernel = ctx.input(1) if ctx.has_input(1) else _weights(ctx, "kernel")
    volume = 1
    for d in kernel_shape:
        volume *= d
    if kernel.numel() != volume:
        raise ctx.fail(f"kernel {describe(kernel)} does not hold {kernel_shape}")
    bias = ctx.input(2) if ctx.has_input(2) else _weights(ctx, "bias")
    if bias.numel() == 0:
        return compute(kernel).reshape(kernel_shape), None
    if bias.numel() != out_channels:
        raise ctx.fail(f"bias {describe(bias)} must hold {out_channels} values")
    return compute(kernel).reshape(kernel_shape), compute(bias).reshape(-1)


def _weights(ctx: LayerContext, name: str) -> torch.Tensor:
    try:
        return weights_to_tensor(getattr(ctx.layer, name))
    except WeightsError as exc:
        raise ctx.fail(f"{name} weights: {exc}") from exc


def _geometry(ctx: LayerContext, x: torch.Tensor) -> tuple[list[int], list[int], list[int], int]:
    kernel = dims(ctx.layer.kernel_size_nd) or []
    nd = len(kernel)
    if nd not in _CONV or x.dim() != nd + 2 or not is_floating(x):
        raise ctx.fail(
            f"{nd}-D {ctx.type_name.lower()} of {describe(x)} is not supported (need float [N, C, {nd} spatial])"
        )
    stride = dims(ctx.layer.stride_nd) or [1] * nd
    dilation = dims(ctx.layer.dilation_nd) or [1] * nd
    groups = int(ctx.layer.num_groups)
    if groups < 1 or x.shape[1] % groups:
        raise ctx.fail(f"{groups} groups do not divide the {x.shape[1]} input channels")
    return kernel, stride, dilation, groups


@register("CONVOLUTION", "IConvolutionLayer")
def convolution(ctx: LayerContext) -> list[torch.Tensor]:
    """Cross-correlation with zero padding per the layer's padding mode."""
    x = ctx.input(0)
    kernel_size, stride, dilation, groups = _geometry(ctx, x)
    maps = int(ctx.layer.num_output_maps)
    kernel, bias = _kernel_and_bias(ctx, [maps, x.shape[1] // groups] + kernel_size, maps)
    nd = len(kernel_size)
    spatial = list(range(2, 2 + nd))
    dilated = [d * (k - 1) + 1 for k, d in zip(kernel_size, dilation, strict=True)]
    windows = spatial_windows(ctx, list(x.shape[2:]), dilated, stride)
    padded = pad_axes(compute(x), spatial, [w.pre for w in windows], [w.post + w.overhang for w in windows], 0.0)
    out = _CONV[nd](padded, kernel, bias, stride=stride, dilation=dilation, groups=groups)
    return [store(out, x.dtype)]


@register("DECONVOLUTION", "IDeconvolutionLayer")
def deconvolution(ctx: LayerContext) -> list[torch.Tensor]:
    """Transposed convolution, its full output trimmed by the pre/post padding."""
    x = ctx.input(0)
    kernel_size, stride, dilation, groups = _geometry(ctx, x)
    maps = int(ctx.layer.num_output_maps)
    if maps % groups:
        raise ctx.fail(f"{groups} groups do not divide the {maps} output maps")
    kernel, bias = _kernel_and_bias(ctx, [x.shape[1], maps // groups] + kernel_size, maps)
    nd = len(kernel_size)
    full = _DECONV[nd](compute(x), kernel, bias, stride=stride, dilation=dilation, groups=groups)
    pre, post = _trim(ctx, list(x.shape[2:]), kernel_size, stride, dilation)
    out = pad_axes(full, list(range(2, 2 + nd)), [-p for p in pre], [-p for p in post], 0.0)
    return [store(out, x.dtype)]


def _trim(
    ctx: LayerContext, lengths: list[int], kernel: list[int], stride: list[int], dilation: list[int]
) -> tuple[list[int], list[int]]:
    mode = ctx.layer.padding_mode.name
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        pre, post = [], []
        for k, s, d in zip(kernel, stride, dilation, strict=True):
            total = max(d * (k - 1) + 1 - s, 0)
            half = total // 2
            pre.append(half if mode == "SAME_UPPER" else total - half)
            post.append(total - half if mode == "SAME_UPPER" else half)
        return pre, post
    if mode not in ("EXPLICIT_ROUND_DOWN", "EXPLICIT_ROUND_UP"):
        raise ctx.unsupported(f"padding mode {mode} is not implemented")
    pre = dims(ctx.layer.pre_padding) or [0] * len(lengths)
    post = dims(ctx.layer.post_padding) or [0] * len(lengths)
    if any(p < 0 for p in pre + post):
        raise ctx.fail(f"negative deconvolution padding {pre}/{post} is not supported")
    return pre, post
