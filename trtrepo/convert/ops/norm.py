"""Normalization converters: batch norm (eval, or batch statistics), layer norm, group norm, instance norm.

Only the input is declared a tensor: affine weights, biases and running statistics may be weights
(folded into the layer's constants) or, for layer, group and instance norm, tensors computed at run time.
"""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import norm
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import float_result, only_first_output_used
from trtrepo.graph import fake_tensor, is_constant

INPUT = ("input",)


def channels_known(min_rank: int) -> Validator:
    """Rejects inputs of rank below ``min_rank`` or with a dynamic channel dim (dim 1)."""
    def accepts(node: torch.fx.Node) -> bool:
        val = fake_tensor(node_args(node)["input"])
        return val is not None and val.dim() >= min_rank and isinstance(val.shape[1], int)
    return Validator(f"input of rank below {min_rank} or with a dynamic channel dim", accepts)


def groups_divide_channels(name: str) -> Validator:
    """Rejects group norms whose group count (argument ``name``) does not divide the channels."""
    def accepts(node: torch.fx.Node) -> bool:
        a = node_args(node)
        val, groups = fake_tensor(a["input"]), a[name]
        return isinstance(groups, int) and groups > 0 and val is not None and val.shape[1] % groups == 0
    return Validator("a group count that does not divide the channels", accepts)


def _static_normalized_shape(node: torch.fx.Node) -> bool:
    shape = node_args(node)["normalized_shape"]
    return isinstance(shape, (list, tuple)) and all(isinstance(s, int) for s in shape)


STATIC_NORMALIZED_SHAPE = Validator("a normalized_shape computed at run time", _static_normalized_shape)


def _running_stats_from_weights(node: torch.fx.Node) -> bool:
    a = node_args(node)
    stats = ("weight", "bias", "running_mean", "running_var")
    return bool(a["use_input_stats"]) or all(is_constant(a[s]) for s in stats)


RUNNING_STATS_FROM_WEIGHTS = Validator(
    "instance norm with running statistics or affine weights computed at run time", _running_stats_from_weights)

FIRST_OUTPUT = only_first_output_used("normalization mean/rstd")


@converter(
    aten._native_batch_norm_legit_no_training.default,
    tensors=INPUT,
    # weight, bias and statistics may be weights (folded into constants) or computed at run time
    validators=(float_result(), only_first_output_used("batch-norm saved mean/invstd")),
)
def batch_norm_eval(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    out = norm.batch_norm_inference(ctx, tensor=a["input"], weight=a["weight"], bias=a["bias"],
                                    mean=a["running_mean"], var=a["running_var"], eps=a["eps"])
    return out, None, None


@converter(aten._native_batch_norm_legit.no_stats, tensors=INPUT,
           validators=(float_result(), channels_known(2), only_first_output_used("batch-norm saved mean/invstd")))
def batch_norm_no_stats(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return norm.batch_norm_batch_stats(ctx, tensor=a["input"], weight=a["weight"], bias=a["bias"],
                                       eps=a["eps"]), None, None


@converter(aten.layer_norm.default, tensors=INPUT, validators=(float_result(), STATIC_NORMALIZED_SHAPE))
def layer_norm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return norm.layer_norm(ctx, tensor=a["input"], normalized_shape=list(a["normalized_shape"]), weight=a["weight"],
                           bias=a["bias"], eps=a["eps"])


@converter(aten.native_layer_norm.default, tensors=INPUT,
           validators=(float_result(), STATIC_NORMALIZED_SHAPE, FIRST_OUTPUT))
def native_layer_norm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    out = norm.layer_norm(ctx, tensor=a["input"], normalized_shape=list(a["normalized_shape"]), weight=a["weight"],
                          bias=a["bias"], eps=a["eps"])
    return out, None, None


@converter(aten.group_norm.default, tensors=INPUT,
           validators=(float_result(), channels_known(2), groups_divide_channels("num_groups")))
def group_norm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return norm.group_norm(ctx, tensor=a["input"], groups=a["num_groups"], weight=a["weight"], bias=a["bias"],
                           eps=a["eps"])


@converter(aten.native_group_norm.default, tensors=INPUT,
           validators=(float_result(), channels_known(2), groups_divide_channels("group"), FIRST_OUTPUT))
def native_group_norm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)  # N, C and HxW follow from the input's shape
    out = norm.group_norm(ctx, tensor=a["input"], groups=a["group"], weight=a["weight"], bias=a["bias"], eps=a["eps"])
    return out, None, None


@converter(aten.instance_norm.default, tensors=INPUT,
           validators=(float_result(), channels_known(3), RUNNING_STATS_FROM_WEIGHTS))
def instance_norm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    if not a["use_input_stats"]:  # eval with track_running_stats: exactly an eval batch norm
        return norm.batch_norm_inference(ctx, tensor=a["input"], weight=a["weight"], bias=a["bias"],
                                         mean=a["running_mean"], var=a["running_var"], eps=a["eps"])
    return norm.instance_norm(ctx, tensor=a["input"], weight=a["weight"], bias=a["bias"], eps=a["eps"])
