"""CONSTANT, IDENTITY, CAST, SHAPE, FILL and ASSERTION: layers that make or convert tensors."""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import FLOATING, cast, to_torch, trt_dtype_name
from trtrepo.reference.layer import LayerContext, describe, dims
from trtrepo.reference.registry import register
from trtrepo.reference.weights import WeightsError, weights_to_tensor


@register("CONSTANT", "IConstantLayer")
def constant(ctx: LayerContext) -> list[torch.Tensor]:
    """The layer's weights reshaped to its dimensions, in the weights' own type."""
    shape = dims(ctx.layer.shape) or []
    try:
        flat = weights_to_tensor(ctx.layer.weights)
    except WeightsError as exc:
        raise ctx.fail(f"weights: {exc}") from exc
    volume = 1
    for d in shape:
        volume *= d
    if flat.numel() != volume:
        raise ctx.fail(f"weights hold {flat.numel()} values, dimensions {shape} need {volume}")
    return [flat.reshape(shape).contiguous()]


@register("IDENTITY", "IIdentityLayer")
def identity(ctx: LayerContext) -> list[torch.Tensor]:
    """The input unchanged, converted (as Cast does) if the network gives the output another type."""
    x = ctx.input(0)
    target = ctx.output_dtype(0)
    return [x if target == x.dtype else cast(x, target)]


@register("CAST", "ICastLayer")
def cast_layer(ctx: LayerContext) -> list[torch.Tensor]:
    """Convert to ``to_type``: float to int truncates toward zero, to bool is ``!= 0``."""
    target = to_torch(ctx.layer.to_type)
    if target is None:
        raise ctx.unsupported(f"cast to {trt_dtype_name(ctx.layer.to_type)} is not supported")
    return [cast(ctx.input(0), target)]


@register("SHAPE", "IShapeLayer")
def shape(ctx: LayerContext) -> list[torch.Tensor]:
    """The input's dimensions as a 1D tensor (Int64 since TensorRT 10)."""
    x = ctx.input(0)
    return [torch.tensor(list(x.shape), dtype=ctx.output_dtype(0))]


@register("ASSERTION", "IAssertionLayer")
def assertion(ctx: LayerContext) -> list[torch.Tensor]:
    """Fail with the layer's message if any element of the bool condition is false."""
    condition = ctx.input(0)
    if condition.dtype != torch.bool:
        raise ctx.fail(f"the condition must be bool, got {describe(condition)}")
    if not bool(condition.all()):
        raise ctx.fail(f"assertion failed: {ctx.layer.message}")
    return []


@register("FILL", "IFillLayer")
def fill(ctx: LayerContext) -> list[torch.Tensor]:
    """LINSPACE: ``out[i0, i1, ...] = alpha + sum_k beta[k] * i_k``; the random modes are refused."""
    op = ctx.layer.operation.name
    if op != "LINSPACE":
        raise ctx.unsupported(f"fill operation {op} draws random numbers that cannot match TensorRT's")
    out_shape = _fill_shape(ctx)
    alpha, beta = _fill_alpha_beta(ctx, len(out_shape))
    value = torch.full(out_shape, alpha, dtype=torch.float64)
    for axis, step in enumerate(beta):
        index_shape = [1] * len(out_shape)
        index_shape[axis] = out_shape[axis]
        value = value + step * torch.arange(out_shape[axis], dtype=torch.float64).reshape(index_shape)
    target = ctx.output_dtype(0)
    if target not in FLOATING:
        if not bool(torch.all(value == torch.round(value))):
            raise ctx.fail(f"LINSPACE with alpha {alpha}, beta {beta} is not integral for {target}")
        return [value.to(torch.int64).to(target)]
    return [value.to(target)]


def _fill_shape(ctx: LayerContext) -> list[int]:
    if ctx.has_input(0):
        return ctx.shape_values(0, "fill shape")
    return dims(ctx.layer.shape) or []


def _fill_alpha_beta(ctx: LayerContext, rank: int) -> tuple[float, list[float]]:
    if ctx.has_input(1) != ctx.has_input(2):
        raise ctx.fail("alpha (input 1) and beta (input 2) must both be static or both be tensors")
    if ctx.has_input(1):
        alpha = float(ctx.scalar(1, "fill start"))
        beta = [float(v) for v in ctx.input(2).reshape(-1).tolist()]
    else:
        alpha, beta = float(ctx.layer.alpha), [float(ctx.layer.beta)]
    if len(beta) != rank:
        raise ctx.fail(f"LINSPACE needs one delta per output dimension ({rank}), got {len(beta)}")
    return alpha, beta
