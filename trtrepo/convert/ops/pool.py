"""Pooling converters: max, average and adaptive pooling over 1, 2 or 3 spatial dims."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.adaptive_pool import adaptive_pool
from trtrepo.convert.impl.pool import Window, avg_pool, max_pool
from trtrepo.convert.impl.spatial import schema_args
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import only_first_output_used

# How many trailing dims each op pools.
SPATIAL = {
    aten.max_pool1d.default: 1, aten.max_pool1d_with_indices.default: 1,
    aten.max_pool2d.default: 2, aten.max_pool2d_with_indices.default: 2,
    aten.max_pool3d.default: 3, aten.max_pool3d_with_indices.default: 3,
    aten.avg_pool1d.default: 1, aten.avg_pool2d.default: 2, aten.avg_pool3d.default: 3,
    aten.adaptive_avg_pool1d.default: 1, aten.adaptive_max_pool1d.default: 1,
    aten.adaptive_avg_pool2d.default: 2, aten._adaptive_avg_pool2d.default: 2, aten.adaptive_max_pool2d.default: 2,
    aten.adaptive_avg_pool3d.default: 3, aten._adaptive_avg_pool3d.default: 3, aten.adaptive_max_pool3d.default: 3,
}


def _input(node: torch.fx.Node) -> Any:
    arg = node.args[0]
    return arg.meta.get("val") if isinstance(arg, torch.fx.Node) else None


def _float_input(node: torch.fx.Node) -> bool:
    val = _input(node)
    return val is not None and val.dtype.is_floating_point


def _rank_fits(node: torch.fx.Node) -> bool:
    val = _input(node)
    return val is not None and val.dim() in (SPATIAL[node.target] + 1, SPATIAL[node.target] + 2)


def _divisor_needs_static_dims(node: torch.fx.Node) -> bool:
    """Ceil-mode windows overhanging the padded input count fewer positions: known only for static dims."""
    bound, val = schema_args(node.target, node.args, node.kwargs), _input(node)
    if bound.get("divisor_override") is None or not bound["ceil_mode"]:
        return True
    return val is not None and all(isinstance(s, int) for s in val.shape[-SPATIAL[node.target]:])


def _adaptive_dynamic_dims_to_one(node: torch.fx.Node) -> bool:
    bound, val = schema_args(node.target, node.args, node.kwargs), _input(node)
    sizes = list(bound["output_size"])
    if val is None or not all(isinstance(o, int) for o in sizes):
        return False
    spatial = val.shape[-len(sizes):]
    return all(isinstance(s, int) or o == 1 for s, o in zip(spatial, sizes, strict=True))


FLOAT = Validator("non-floating-point input (TensorRT pools float types only)", _float_input)
RANK = Validator("input rank other than [C, *spatial] or [N, C, *spatial]", _rank_fits)
COMMON = (FLOAT, RANK)


def _window(target: Any, bound: dict[str, Any]) -> Window:
    return Window.of(SPATIAL[target], bound["kernel_size"], bound["stride"], bound["padding"],
                     bound.get("dilation", 1), bound["ceil_mode"])


@converter(aten.max_pool1d.default, aten.max_pool2d.default, aten.max_pool3d.default, validators=COMMON)
def max_pool_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    bound = schema_args(target, args, kwargs)
    return max_pool(ctx, tensor=ctx.as_tensor(bound["self"]), window=_window(target, bound))


@converter(
    aten.max_pool1d_with_indices.default, aten.max_pool2d_with_indices.default, aten.max_pool3d_with_indices.default,
    validators=(only_first_output_used("max-pool indices"), *COMMON),
)
def max_pool_with_indices(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    bound = schema_args(target, args, kwargs)
    return max_pool(ctx, tensor=ctx.as_tensor(bound["self"]), window=_window(target, bound)), None


@converter(
    aten.avg_pool1d.default, aten.avg_pool2d.default, aten.avg_pool3d.default,
    validators=(*COMMON, Validator("divisor_override in ceil mode with dynamic spatial dims",
                                   _divisor_needs_static_dims)),
)
def avg_pool_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    bound = schema_args(target, args, kwargs)
    return avg_pool(ctx, tensor=ctx.as_tensor(bound["self"]), window=_window(target, bound),
                    count_include_pad=bound["count_include_pad"], divisor_override=bound.get("divisor_override"))


ADAPTIVE = (*COMMON, Validator("adaptive pooling of a dynamic spatial dim to a size other than 1",
                               _adaptive_dynamic_dims_to_one))


@converter(
    aten.adaptive_avg_pool1d.default, aten.adaptive_avg_pool2d.default, aten._adaptive_avg_pool2d.default,
    aten.adaptive_avg_pool3d.default, aten._adaptive_avg_pool3d.default,
    validators=ADAPTIVE,
)
def adaptive_avg_pool(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    bound = schema_args(target, args, kwargs)
    return adaptive_pool(ctx, tensor=ctx.as_tensor(bound["self"]), output_size=list(bound["output_size"]), kind="avg")


@converter(
    aten.adaptive_max_pool1d.default, aten.adaptive_max_pool2d.default, aten.adaptive_max_pool3d.default,
    validators=(only_first_output_used("adaptive max-pool indices"), *ADAPTIVE),
)
def adaptive_max_pool(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    bound = schema_args(target, args, kwargs)
    out = adaptive_pool(ctx, tensor=ctx.as_tensor(bound["self"]), output_size=list(bound["output_size"]), kind="max")
    return out, None
