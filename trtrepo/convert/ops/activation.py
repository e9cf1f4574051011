"""Activation converters (and the clamps they share their code with)."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import activation
from trtrepo.convert.ops._pointwise import COMPUTABLE_DTYPES
from trtrepo.convert.registry import converter
from trtrepo.convert.validators import arg_in, literal

# Activations whose only argument is the tensor: one shim, the impl function chosen by op.
TENSOR_ONLY = {
    aten.relu.default: activation.relu, aten.silu.default: activation.silu,
    aten.hardsigmoid.default: activation.hardsigmoid, aten.hardswish.default: activation.hardswish,
    aten.mish.default: activation.mish, aten.log_sigmoid.default: activation.log_sigmoid,
}
SELF = ("self",)


@converter(*TENSOR_ONLY, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def tensor_only(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return TENSOR_ONLY[target](ctx, tensor=bind_args(target, args, kwargs)["self"])


@converter(aten.relu6.default, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def relu6(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return activation.hardtanh(ctx, tensor=bind_args(target, args, kwargs)["self"], low=0, high=6)


@converter(aten.hardtanh.default, tensors=SELF,
           validators=(COMPUTABLE_DTYPES, literal("min_val"), literal("max_val")))
def hardtanh(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return activation.hardtanh(ctx, tensor=a["self"], low=a["min_val"], high=a["max_val"])


@converter(aten.clamp.default, aten.clamp.Tensor, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def clamp(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return activation.clamp(ctx, tensor=a["self"], low=a["min"], high=a["max"])


@converter(aten.clamp_min.default, aten.clamp_min.Tensor, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def clamp_min(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return activation.clamp(ctx, tensor=a["self"], low=a["min"])


@converter(aten.clamp_max.default, aten.clamp_max.Tensor, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def clamp_max(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return activation.clamp(ctx, tensor=a["self"], high=a["max"])


@converter(aten.gelu.default, tensors=SELF, validators=(COMPUTABLE_DTYPES, arg_in("approximate", ("none", "tanh"))))
def gelu(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return activation.gelu(ctx, tensor=a["self"], approximate=a["approximate"])


@converter(aten.sigmoid.default, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def sigmoid(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return activation.float_activation(ctx, tensor=bind_args(target, args, kwargs)["self"], kind="SIGMOID")


@converter(aten.tanh.default, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def tanh(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return activation.float_activation(ctx, tensor=bind_args(target, args, kwargs)["self"], kind="TANH")


@converter(aten.leaky_relu.default, tensors=SELF, validators=(COMPUTABLE_DTYPES, literal("negative_slope")))
def leaky_relu(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return activation.leaky_relu(ctx, tensor=a["self"], negative_slope=a["negative_slope"])


@converter(aten.elu.default, tensors=SELF,
           validators=(COMPUTABLE_DTYPES, literal("alpha"), literal("scale"), literal("input_scale")))
def elu(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return activation.elu(ctx, tensor=a["self"], alpha=a["alpha"], scale=a["scale"], input_scale=a["input_scale"])


@converter(aten.softplus.default, tensors=SELF, validators=(COMPUTABLE_DTYPES, literal("beta"), literal("threshold")))
def softplus(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return activation.softplus(ctx, tensor=a["self"], beta=a["beta"], threshold=a["threshold"])


@converter(aten.threshold.default, tensors=SELF, validators=(COMPUTABLE_DTYPES, literal("threshold"), literal("value")))
def threshold(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return activation.threshold(ctx, tensor=a["self"], threshold=a["threshold"], value=a["value"])
