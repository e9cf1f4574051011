"""Activations: TensorRT's activation layer where it computes PyTorch's formula, compositions elsewhere.

Each function names the PyTorch definition it reproduces; where TensorRT's activation differs
(softplus's threshold, hardswish's product, elu's scales) the difference is built explicitly.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.comparison import compare
from trtrepo.convert.impl.elementwise import elementwise, ew, is_float, operand, promote, result_dtype, select
from trtrepo.convert.impl.unary import expm1, to_float


def activation(ctx: ConversionContext, *, tensor: Any, kind: str,
               alpha: float | None = None, beta: float | None = None) -> Any:
    """A ``trt.ActivationType`` by name, with its alpha/beta parameters where it has them."""
    layer = ctx.network.add_activation(tensor, getattr(ctx.trt.ActivationType, kind))
    if alpha is not None:
        layer.alpha = alpha
    if beta is not None:
        layer.beta = beta
    return layer.get_output(0)


def float_activation(ctx: ConversionContext, *, tensor: Any, kind: str,
                     alpha: float | None = None, beta: float | None = None) -> Any:
    """An activation on a float tensor (integer input is cast to the default float, as PyTorch does)."""
    return activation(ctx, tensor=to_float(ctx, tensor), kind=kind, alpha=alpha, beta=beta)


def relu(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``max(x, 0)``: RELU on floats, an elementwise MAX on integers (activations are float layers)."""
    if is_float(ctx, tensor):
        return activation(ctx, tensor=tensor, kind="RELU")
    return elementwise(ctx, op=ew(ctx, "MAX"), lhs=tensor, rhs=ctx.scalar(0, tensor))


def clamp(ctx: ConversionContext, *, tensor: Any, low: Any = None, high: Any = None,
          dtype: torch.dtype | None = None) -> Any:
    """``min(max(x, low), high)`` in the promoted type of all three (``dtype`` overrides it).

    Float tensors with two number bounds use one CLIP activation; otherwise elementwise MAX then MIN,
    which also gives PyTorch's answer (``high``) when ``low > high``.
    """
    dtype = dtype or result_dtype(ctx, tensor, low, high)
    out = ctx.cast(tensor, dtype)
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high))
    if dtype.is_floating_point and numbers and low <= high:
        return activation(ctx, tensor=out, kind="CLIP", alpha=float(low), beta=float(high))
    for bound, op in ((low, "MAX"), (high, "MIN")):
        if bound is not None:
            out, value = promote(ctx, out, bound, dtype=dtype)
            out = elementwise(ctx, op=ew(ctx, op), lhs=out, rhs=value)
    return out


def gelu(ctx: ConversionContext, *, tensor: Any, approximate: str) -> Any:
    """``x * Phi(x)`` with the exact erf form or the tanh approximation."""
    kinds = {"none": "GELU_ERF", "tanh": "GELU_TANH"}
    if approximate not in kinds:
        raise ValueError(f"unknown gelu approximation {approximate!r}")
    return float_activation(ctx, tensor=tensor, kind=kinds[approximate])


def silu(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``x * sigmoid(x)``."""
    x = to_float(ctx, tensor)
    return elementwise(ctx, op=ew(ctx, "PROD"), lhs=x, rhs=activation(ctx, tensor=x, kind="SIGMOID"))


def hardsigmoid(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``clamp(x / 6 + 1 / 2, 0, 1)``, which is PyTorch's ``relu6(x + 3) / 6``."""
    return float_activation(ctx, tensor=tensor, kind="HARD_SIGMOID", alpha=1 / 6, beta=0.5)


def hardswish(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``x * hardsigmoid(x)``."""
    x = to_float(ctx, tensor)
    return elementwise(ctx, op=ew(ctx, "PROD"), lhs=x, rhs=hardsigmoid(ctx, tensor=x))


def elu(ctx: ConversionContext, *, tensor: Any, alpha: float, scale: float, input_scale: float) -> Any:
    """``scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1))``.

    ELU covers ``scale == input_scale == 1``, SELU (``beta = scale``) any scale; only a non-unit
    ``input_scale`` needs an explicit select.
    """
    x = to_float(ctx, tensor)
    if input_scale == 1:
        if scale == 1:
            return activation(ctx, tensor=x, kind="ELU", alpha=float(alpha))
        return activation(ctx, tensor=x, kind="SELU", alpha=float(alpha), beta=float(scale))
    prod = ew(ctx, "PROD")
    negative = expm1(ctx, tensor=elementwise(ctx, op=prod, lhs=x, rhs=ctx.scalar(float(input_scale), x)))
    negative = elementwise(ctx, op=prod, lhs=negative, rhs=ctx.scalar(float(alpha), x))
    positive = elementwise(ctx, op=ew(ctx, "GREATER"), lhs=x, rhs=ctx.scalar(0.0, x))
    out = select(ctx, condition=positive, then=x, other=negative)
    return out if scale == 1 else elementwise(ctx, op=prod, lhs=out, rhs=ctx.scalar(float(scale), x))


def softplus(ctx: ConversionContext, *, tensor: Any, beta: float, threshold: float) -> Any:
    """``x if beta * x > threshold else log(1 + exp(beta * x)) / beta`` (PyTorch's threshold).

    The linear branch is not only PyTorch's definition: it also keeps ``exp`` from overflowing.
    """
    x = to_float(ctx, tensor)
    smooth = activation(ctx, tensor=x, kind="SOFTPLUS", alpha=1 / float(beta), beta=float(beta))
    scaled = x if beta == 1 else elementwise(ctx, op=ew(ctx, "PROD"), lhs=x, rhs=ctx.scalar(float(beta), x))
    linear = elementwise(ctx, op=ew(ctx, "GREATER"), lhs=scaled, rhs=ctx.scalar(float(threshold), x))
    return select(ctx, condition=linear, then=x, other=smooth)


def mish(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``x * tanh(log(1 + exp(x)))`` (PyTorch applies no softplus threshold here)."""
    x = to_float(ctx, tensor)
    smooth = activation(ctx, tensor=x, kind="SOFTPLUS", alpha=1.0, beta=1.0)
    return elementwise(ctx, op=ew(ctx, "PROD"), lhs=x, rhs=activation(ctx, tensor=smooth, kind="TANH"))


def log_sigmoid(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``-softplus(-x)``: stable for large ``|x|``, unlike ``log(sigmoid(x))``."""
    x = to_float(ctx, tensor)
    neg = ctx.trt.UnaryOperation.NEG
    negated = ctx.network.add_unary(x, neg).get_output(0)
    return ctx.network.add_unary(softplus(ctx, tensor=negated, beta=1, threshold=20), neg).get_output(0)


def threshold(ctx: ConversionContext, *, tensor: Any, threshold: float, value: float) -> Any:
    """``value if x <= threshold else x`` (in the tensor's dtype)."""
    replace = compare(ctx, op="le", lhs=tensor, rhs=threshold)  # NaN is not <= anything: it stays
    return select(ctx, condition=replace, then=operand(ctx, value, ctx.dtype_of(tensor), tensor), other=tensor)


def leaky_relu(ctx: ConversionContext, *, tensor: Any, negative_slope: float) -> Any:
    """``x if x > 0 else negative_slope * x``."""
    return float_activation(ctx, tensor=tensor, kind="LEAKY_RELU", alpha=float(negative_slope))


def hardtanh(ctx: ConversionContext, *, tensor: Any, low: float, high: float) -> Any:
    """``clamp(x, low, high)`` keeping the tensor's dtype (relu6 is ``hardtanh(x, 0, 6)``)."""
    return clamp(ctx, tensor=tensor, low=low, high=high, dtype=ctx.dtype_of(tensor))

