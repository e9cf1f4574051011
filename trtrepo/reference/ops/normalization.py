"""NORMALIZATION, SCALE and LRN.

Normalization: ``Y = (X - mean) / sqrt(var + eps) * S + B`` with mean and (biased) variance over the
masked axes, computed in float32. With ``num_groups`` G > 1 the channel dimension (1) is split into
G groups and the statistics are taken per group over the masked axes. The affine step differs by
API: a layer from ``add_normalization`` takes scale/bias of shape ``[1, G, 1, ...]`` (one value per
group, as the operator documentation says and TensorRT's builder enforces), a layer from
``add_normalization_v2`` (``is_v2``) takes ``[1, C, 1, ...]`` (one value per channel).

Scale: ``Y = (X * scale + shift) ^ power``, with UNIFORM (one value), CHANNEL (one per entry of
``channel_axis``) or ELEMENTWISE (one per element of the dimensions from ``channel_axis`` on)
coefficients; empty weights mean scale 1, shift 0, power 1.
"""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register
from trtrepo.reference.weights import WeightsError, weights_to_tensor


@register("NORMALIZATION", "INormalizationLayer")
def normalization(ctx: LayerContext) -> list[torch.Tensor]:
    """Normalise over the masked axes (per group if num_groups > 1), then scale and shift."""
    x, scale, bias = ctx.input(0), ctx.input(1), ctx.input(2)
    if not is_floating(x) or scale.dtype != x.dtype or bias.dtype != x.dtype:
        raise ctx.fail(
            f"normalization needs float inputs of one type: {describe(x)}, {describe(scale)}, {describe(bias)}"
        )
    axes = ctx.axes_from_mask(int(ctx.layer.axes), x.dim())
    groups = int(ctx.layer.num_groups)
    eps = float(ctx.layer.epsilon)
    xc, s, b = compute(x), compute(scale), compute(bias)
    if groups == 1:
        return [store(_normalise(xc, axes, eps) * s + b, x.dtype)]
    return [store(_group_norm(ctx, xc, s, b, groups, axes, eps), x.dtype)]


def _normalise(x: torch.Tensor, axes: list[int], eps: float) -> torch.Tensor:
    if not axes:
        return (x - x) / torch.sqrt(torch.tensor(eps))
    mean = torch.mean(x, dim=axes, keepdim=True)
    var = torch.mean((x - mean) ** 2, dim=axes, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def _group_norm(
    ctx: LayerContext, x: torch.Tensor, s: torch.Tensor, b: torch.Tensor, groups: int, axes: list[int], eps: float
) -> torch.Tensor:
    if x.dim() < 3 or x.shape[1] % groups:
        raise ctx.fail(f"{groups} groups do not divide the channels of {list(x.shape)}")
    if axes != list(range(2, x.dim())):
        raise ctx.fail(f"group normalization needs the axes after the channel axis, got {axes}")
    n, c = x.shape[0], x.shape[1]
    grouped = x.reshape([n, groups, c // groups] + list(x.shape[2:]))
    normed = _normalise(grouped, list(range(2, grouped.dim())), eps)
    per_channel = bool(ctx.layer.is_v2)
    width = c if per_channel else groups
    if s.dim() != x.dim() or s.shape[1] not in (1, width):
        kind = "channel (add_normalization_v2)" if per_channel else "group (add_normalization)"
        raise ctx.fail(f"scale/bias of shape {list(s.shape)} must hold one value per {kind}: {width}")
    if per_channel:
        return normed.reshape(x.shape) * s + b
    affine_shape = [1, s.shape[1], 1] + [1] * (x.dim() - 2)
    return (normed * s.reshape(affine_shape) + b.reshape(affine_shape)).reshape(x.shape)


@register("SCALE", "IScaleLayer")
def scale(ctx: LayerContext) -> list[torch.Tensor]:
    """``(x * scale + shift) ** power`` with uniform, per-channel or elementwise coefficients."""
    x = ctx.input(0)
    if not is_floating(x):
        raise ctx.fail(f"scale needs a float input, got {describe(x)}")
    mode = ctx.layer.mode.name
    axis = ctx.axis(int(ctx.layer.channel_axis), x.dim(), "channel_axis")
    shape = _coefficient_shape(ctx, mode, list(x.shape), axis)
    value = compute(x)
    factor = _coefficients(ctx, "scale", shape)
    shift = _coefficients(ctx, "shift", shape)
    power = _coefficients(ctx, "power", shape)
    if factor is not None:
        value = value * factor
    if shift is not None:
        value = value + shift
    if power is not None:
        value = torch.pow(value, power)
    return [store(value, x.dtype)]


def _coefficient_shape(ctx: LayerContext, mode: str, shape: list[int], axis: int) -> list[int]:
    if mode == "UNIFORM":
        return [1] * len(shape)
    if mode == "CHANNEL":
        return [1] * axis + [shape[axis]] + [1] * (len(shape) - axis - 1)
    if mode == "ELEMENTWISE":
        return [1] * axis + shape[axis:]
    raise ctx.unsupported(f"scale mode {mode} is not implemented")


def _coefficients(ctx: LayerContext, name: str, shape: list[int]) -> torch.Tensor | None:
    try:
        flat = weights_to_tensor(getattr(ctx.layer, name))
    except WeightsError as exc:
        raise ctx.fail(f"{name} weights: {exc}") from exc
    if flat.numel() == 0:
        return None
    volume = 1
    for d in shape:
        volume *= d
    if flat.numel() != volume:
        raise ctx.fail(f"{name} weights hold {flat.numel()} values, expected {volume} for shape {shape}")
    return compute(flat).reshape(shape)


@register("LRN", "ILRNLayer")
def lrn(ctx: LayerContext) -> list[torch.Tensor]:
    """Cross-channel local response normalization of a 4-D ``[N, C, H, W]`` input.

    ``y = x / (k + alpha / w * sum(x_j^2))^beta``, the sum running over the ``w`` channels centred on
    ``x``'s own (``(w - 1) / 2`` each side, cut at the edges). The operator page writes the sum's
    bounds with ``w`` itself and leaves out the ``1 / w``, which would make a window of ``w = 1`` span
    three channels; the centred window with ``alpha / w`` is the definition TensorRT shares with cuDNN,
    Caffe and ONNX (whose parser maps LRN's ``size``/``alpha`` straight to ``w``/``alpha``), and the
    ONNX conformance cases agree with it. TensorRT's builder wants at least 4 dimensions; beyond 4 the
    page's formula puts the window on the third-from-last axis where ONNX and cuDNN keep axis 1, so
    that case is refused rather than guessed.
    """
    x = ctx.input(0)
    if not is_floating(x) or x.dim() < 4:
        raise ctx.fail(f"LRN needs a float input of at least 4 dimensions, got {describe(x)}")
    if x.dim() > 4:
        raise ctx.unsupported(f"LRN of a {x.dim()}-D input is not implemented: its channel axis is ambiguous")
    window = int(ctx.layer.window_size)
    if window < 1 or window % 2 == 0:
        raise ctx.fail(f"the LRN window {window} must be odd and positive")
    alpha, beta, k = float(ctx.layer.alpha), float(ctx.layer.beta), float(ctx.layer.k)
    squares = compute(x).movedim(1, -1) ** 2
    half = (window - 1) // 2
    padded = torch.nn.functional.pad(squares, (half, half))
    sums = padded.unfold(-1, window, 1).sum(dim=-1).movedim(-1, 1)
    return [store(compute(x) / (k + alpha / window * sums) ** beta, x.dtype)]
