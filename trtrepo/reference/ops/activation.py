"""ACTIVATION and PARAMETRIC_RELU.

Formulas follow the ``ActivationType`` documentation in NvInfer.h. Where the operators page and
the header disagree (THRESHOLDED_RELU: page says ``max(0, x - alpha)``, header says
``x > alpha ? x : 0``), the header's API reference wins: it matches ONNX ThresholdedRelu, which
the layer exists to implement.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from trtrepo.reference.dtypes import INTEGER, compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register

Formula = Callable[[torch.Tensor, float, float], torch.Tensor]


def _selu(x: torch.Tensor, a: float, b: float) -> torch.Tensor:
    return torch.where(x > 0, b * x, b * (a * torch.exp(x) - a))


def _gelu_tanh(x: torch.Tensor, a: float, b: float) -> torch.Tensor:
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (0.044715 * x**3 + x)))


FORMULAS: dict[str, Formula] = {
    "RELU": lambda x, a, b: torch.clamp(x, min=0),
    "SIGMOID": lambda x, a, b: torch.sigmoid(x),
    "TANH": lambda x, a, b: torch.tanh(x),
    "LEAKY_RELU": lambda x, a, b: torch.where(x >= 0, x, a * x),
    "ELU": lambda x, a, b: torch.where(x >= 0, x, a * (torch.exp(x) - 1)),
    "SELU": _selu,
    "SOFTSIGN": lambda x, a, b: x / (1 + torch.abs(x)),
    "SOFTPLUS": lambda x, a, b: a * torch.logaddexp(b * x, torch.zeros_like(x)),  # stable log(exp+1)
    "CLIP": lambda x, a, b: torch.clamp(torch.clamp(x, max=b), min=a),
    "HARD_SIGMOID": lambda x, a, b: torch.clamp(a * x + b, min=0, max=1),
    "SCALED_TANH": lambda x, a, b: a * torch.tanh(b * x),
    "THRESHOLDED_RELU": lambda x, a, b: torch.where(x > a, x, torch.zeros_like(x)),
    "GELU_ERF": lambda x, a, b: 0.5 * x * (1 + torch.erf(math.sqrt(0.5) * x)),
    "GELU_TANH": _gelu_tanh,
}


@register("ACTIVATION", "IActivationLayer")
def activation(ctx: LayerContext) -> list[torch.Tensor]:
    """Apply the layer's activation with its alpha/beta (float types in float32; ints: RELU only)."""
    kind = ctx.layer.type.name  # on IActivationLayer, ``type`` is the ActivationType
    formula = FORMULAS.get(kind)
    if formula is None:
        raise ctx.unsupported(f"activation type {kind} is not implemented")
    x = ctx.input(0)
    if x.dtype in INTEGER:
        if kind != "RELU":
            raise ctx.fail(f"activation {kind} on integer input {describe(x)} is not supported")
        return [torch.clamp(x, min=0)]
    if not is_floating(x):
        raise ctx.fail(f"activation {kind} needs a numeric input, got {describe(x)}")
    alpha, beta = float(ctx.layer.alpha), float(ctx.layer.beta)
    return [store(formula(compute(x), alpha, beta), x.dtype)]


@register("PARAMETRIC_RELU", "IParametricReLULayer")
def parametric_relu(ctx: LayerContext) -> list[torch.Tensor]:
    """``x >= 0 ? x : slope * x`` with the slope tensor broadcast to the input."""
    x, slope = ctx.input(0), ctx.input(1)
    if not is_floating(x) or slope.dtype != x.dtype:
        raise ctx.fail(f"parametric ReLU needs matching float inputs, got {describe(x)}, {describe(slope)}")
    xc = compute(x)
    return [store(torch.where(xc >= 0, xc, compute(slope) * xc), x.dtype)]
