"""Activation converters (and the clamps they share their code with)."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import activation as act
from trtrepo.convert.ops._pointwise import COMPUTABLE_DTYPES, kwarg_in, literal
from trtrepo.convert.registry import arg, converter

# Activations whose only argument is the tensor: one shim, the impl function chosen by op.
TENSOR_ONLY = {
    aten.relu.default: act.relu, aten.silu.default: act.silu, aten.hardsigmoid.default: act.hardsigmoid,
    aten.hardswish.default: act.hardswish, aten.mish.default: act.mish, aten.log_sigmoid.default: act.log_sigmoid,
}


@converter(*TENSOR_ONLY, validators=(COMPUTABLE_DTYPES,))
def tensor_only(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return TENSOR_ONLY[target](ctx, tensor=args[0])


@converter(aten.relu6.default, validators=(COMPUTABLE_DTYPES,))
def relu6(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.hardtanh(ctx, tensor=args[0], low=0, high=6)


@converter(aten.hardtanh.default, validators=(COMPUTABLE_DTYPES, literal(1, "min_val"), literal(2, "max_val")))
def hardtanh(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.hardtanh(ctx, tensor=args[0], low=arg(args, kwargs, 1, "min_val", -1),
                        high=arg(args, kwargs, 2, "max_val", 1))


@converter(aten.clamp.default, aten.clamp.Tensor, validators=(COMPUTABLE_DTYPES,))
def clamp(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.clamp(ctx, tensor=args[0], low=arg(args, kwargs, 1, "min"), high=arg(args, kwargs, 2, "max"))


@converter(aten.clamp_min.default, aten.clamp_min.Tensor, validators=(COMPUTABLE_DTYPES,))
def clamp_min(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.clamp(ctx, tensor=args[0], low=arg(args, kwargs, 1, "min"))


@converter(aten.clamp_max.default, aten.clamp_max.Tensor, validators=(COMPUTABLE_DTYPES,))
def clamp_max(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.clamp(ctx, tensor=args[0], high=arg(args, kwargs, 1, "max"))


@converter(aten.gelu.default, validators=(COMPUTABLE_DTYPES, kwarg_in(1, "approximate", ("none", "tanh"), "none")))
def gelu(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.gelu(ctx, tensor=args[0], approximate=arg(args, kwargs, 1, "approximate", "none"))


@converter(aten.sigmoid.default, validators=(COMPUTABLE_DTYPES,))
def sigmoid(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.float_activation(ctx, tensor=args[0], kind="SIGMOID")


@converter(aten.tanh.default, validators=(COMPUTABLE_DTYPES,))
def tanh(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.float_activation(ctx, tensor=args[0], kind="TANH")


@converter(aten.leaky_relu.default, validators=(COMPUTABLE_DTYPES, literal(1, "negative_slope")))
def leaky_relu(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.leaky_relu(ctx, tensor=args[0], negative_slope=arg(args, kwargs, 1, "negative_slope", 0.01))


@converter(aten.elu.default, validators=(COMPUTABLE_DTYPES, literal(1, "alpha"), literal(2, "scale"),
                                         literal(3, "input_scale")))
def elu(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.elu(ctx, tensor=args[0], alpha=arg(args, kwargs, 1, "alpha", 1), scale=arg(args, kwargs, 2, "scale", 1),
                   input_scale=arg(args, kwargs, 3, "input_scale", 1))


@converter(aten.softplus.default, validators=(COMPUTABLE_DTYPES, literal(1, "beta"), literal(2, "threshold")))
def softplus(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.softplus(ctx, tensor=args[0], beta=arg(args, kwargs, 1, "beta", 1),
                        threshold=arg(args, kwargs, 2, "threshold", 20))


@converter(aten.threshold.default, validators=(COMPUTABLE_DTYPES, literal(1, "threshold"), literal(2, "value")))
def threshold(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return act.threshold(ctx, tensor=args[0], threshold=args[1], value=args[2])
