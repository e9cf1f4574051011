"""Normalization converters: batch norm (eval, or batch statistics), layer norm, group norm, instance norm."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.norm import (
    batch_norm_batch_stats,
    batch_norm_inference,
    group_norm,
    instance_norm,
    layer_norm,
)
from trtrepo.convert.ops.reduce import float_result
from trtrepo.convert.registry import Validator, arg, converter
from trtrepo.convert.validators import constant_arg, is_constant, only_first_output_used


def _input_val(node: torch.fx.Node) -> Any:
    arg0 = node.args[0]
    return arg0.meta.get("val") if isinstance(arg0, torch.fx.Node) else None


def channels_known(min_rank: int) -> Validator:
    """Rejects inputs of rank below ``min_rank`` or with a dynamic channel dim (dim 1)."""
    def accepts(node: torch.fx.Node) -> bool:
        val = _input_val(node)
        return val is not None and val.dim() >= min_rank and isinstance(val.shape[1], int)
    return Validator(f"input of rank below {min_rank} or with a dynamic channel dim", accepts)


def groups_divide_channels(index: int) -> Validator:
    """Rejects group norms whose group count (argument ``index``) does not divide the channels."""
    def accepts(node: torch.fx.Node) -> bool:
        val, groups = _input_val(node), node.args[index] if index < len(node.args) else None
        return isinstance(groups, int) and groups > 0 and val is not None and val.shape[1] % groups == 0
    return Validator("a group count that does not divide the channels", accepts)


def _static_normalized_shape(node: torch.fx.Node) -> bool:
    shape = node.args[1]
    return isinstance(shape, (list, tuple)) and all(isinstance(s, int) for s in shape)


STATIC_NORMALIZED_SHAPE = Validator("a normalized_shape computed at run time", _static_normalized_shape)

RUNNING_STATS_FROM_WEIGHTS = Validator(
    "instance norm with running statistics or affine weights computed at run time",
    lambda node: bool(arg(node.args, node.kwargs, 5, "use_input_stats", True))
    or all(is_constant(a) for a in node.args[1:5]),
)

FIRST_OUTPUT = only_first_output_used("normalization mean/rstd")


@converter(
    aten._native_batch_norm_legit_no_training.default,
    validators=(
        constant_arg(1, "batch-norm weight"), constant_arg(2, "batch-norm bias"),
        constant_arg(3, "batch-norm running mean"), constant_arg(4, "batch-norm running var"),
        only_first_output_used("batch-norm saved mean/invstd"),
    ),
)
def batch_norm_eval(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor, weight, bias, mean, var, _momentum, eps = args
    out = batch_norm_inference(ctx, tensor=tensor, weight=weight, bias=bias, mean=mean, var=var, eps=eps)
    return out, None, None


@converter(aten._native_batch_norm_legit.no_stats,
           validators=(float_result(), channels_known(2), only_first_output_used("batch-norm saved mean/invstd")))
def batch_norm_no_stats(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor, weight, bias, _training, _momentum, eps = args
    return batch_norm_batch_stats(ctx, tensor=tensor, weight=weight, bias=bias, eps=eps), None, None


@converter(aten.layer_norm.default, validators=(float_result(), STATIC_NORMALIZED_SHAPE))
def layer_norm_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return layer_norm(ctx, tensor=args[0], normalized_shape=list(args[1]), weight=arg(args, kwargs, 2, "weight"),
                      bias=arg(args, kwargs, 3, "bias"), eps=arg(args, kwargs, 4, "eps", 1e-5))


@converter(aten.native_layer_norm.default, validators=(float_result(), STATIC_NORMALIZED_SHAPE, FIRST_OUTPUT))
def native_layer_norm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor, normalized_shape, weight, bias, eps = args
    return layer_norm(ctx, tensor=tensor, normalized_shape=list(normalized_shape), weight=weight, bias=bias,
                      eps=eps), None, None


@converter(aten.group_norm.default, validators=(float_result(), channels_known(2), groups_divide_channels(1)))
def group_norm_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return group_norm(ctx, tensor=args[0], groups=args[1], weight=arg(args, kwargs, 2, "weight"),
                      bias=arg(args, kwargs, 3, "bias"), eps=arg(args, kwargs, 4, "eps", 1e-5))


@converter(aten.native_group_norm.default,
           validators=(float_result(), channels_known(2), groups_divide_channels(6), FIRST_OUTPUT))
def native_group_norm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor, weight, bias, _n, _c, _hxw, groups, eps = args  # N, C, HxW follow from the input's shape
    return group_norm(ctx, tensor=tensor, groups=groups, weight=weight, bias=bias, eps=eps), None, None


@converter(aten.instance_norm.default, validators=(float_result(), channels_known(3), RUNNING_STATS_FROM_WEIGHTS))
def instance_norm_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor, weight, bias, running_mean, running_var, use_input_stats, _momentum, eps = args[:8]
    if not use_input_stats:  # eval with track_running_stats: exactly an eval batch norm
        return batch_norm_inference(ctx, tensor=tensor, weight=weight, bias=bias, mean=running_mean,
                                    var=running_var, eps=eps)
    return instance_norm(ctx, tensor=tensor, weight=weight, bias=bias, eps=eps)
