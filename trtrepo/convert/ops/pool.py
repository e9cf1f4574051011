"""Pooling converters: max, average and adaptive pooling over 1, 2 or 3 spatial dims."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import adaptive_pool, pool
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import float_input, only_first_output_used
from trtrepo.graph import fake_tensor

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


SELF = ("self",)


def _input(node: torch.fx.Node) -> torch.Tensor | None:
    return fake_tensor(node_args(node)["self"])


def _rank_fits(node: torch.fx.Node) -> bool:
    val = _input(node)
    return val is not None and val.dim() in (SPATIAL[node.target] + 1, SPATIAL[node.target] + 2)


def _divisor_needs_static_dims(node: torch.fx.Node) -> bool:
    """Ceil-mode windows overhanging the padded input count fewer positions: known only for static dims."""
    bound, val = node_args(node), _input(node)
    if bound.get("divisor_override") is None or not bound["ceil_mode"]:
        return True
    return val is not None and all(isinstance(s, int) for s in val.shape[-SPATIAL[node.target]:])


def _adaptive_dynamic_dims_to_one(node: torch.fx.Node) -> bool:
    bound, val = node_args(node), _input(node)
    sizes = list(bound["output_size"])
    if val is None or not all(isinstance(o, int) for o in sizes):
        return False
    spatial = val.shape[-len(sizes):]
    return all(isinstance(s, int) or o == 1 for s, o in zip(spatial, sizes, strict=True))


FLOAT = float_input("self", "non-floating-point input (TensorRT pools float types only)")
RANK = Validator("input rank other than [C, *spatial] or [N, C, *spatial]", _rank_fits)
COMMON = (FLOAT, RANK)


def _window(target: Any, bound: dict[str, Any]) -> pool.Window:
    """The window of a max or average pool (average pools have no dilation: 1)."""
    return pool.Window.of(SPATIAL[target], bound["kernel_size"], bound["stride"], bound["padding"],
                          bound.get("dilation", 1), bound["ceil_mode"])


@converter(aten.max_pool1d.default, aten.max_pool2d.default, aten.max_pool3d.default, tensors=SELF,
           validators=COMMON)
def max_pool(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return pool.max_pool(ctx, tensor=a["self"], window=_window(target, a))


@converter(
    aten.max_pool1d_with_indices.default, aten.max_pool2d_with_indices.default, aten.max_pool3d_with_indices.default,
    tensors=SELF, validators=(only_first_output_used("max-pool indices"), *COMMON),
)
def max_pool_with_indices(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return pool.max_pool(ctx, tensor=a["self"], window=_window(target, a)), None


@converter(
    aten.avg_pool1d.default, aten.avg_pool2d.default, aten.avg_pool3d.default,
    tensors=SELF, validators=(*COMMON, Validator("divisor_override in ceil mode with dynamic spatial dims",
                                                 _divisor_needs_static_dims)),
)
def avg_pool(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return pool.avg_pool(ctx, tensor=a["self"], window=_window(target, a), count_include_pad=a["count_include_pad"],
                         divisor_override=a.get("divisor_override"))


ADAPTIVE = (*COMMON, Validator("adaptive pooling of a dynamic spatial dim to a size other than 1",
                               _adaptive_dynamic_dims_to_one))


@converter(
    aten.adaptive_avg_pool1d.default, aten.adaptive_avg_pool2d.default, aten._adaptive_avg_pool2d.default,
    aten.adaptive_avg_pool3d.default, aten._adaptive_avg_pool3d.default,
    tensors=SELF, validators=ADAPTIVE,
)
def adaptive_avg_pool(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return adaptive_pool.adaptive_pool(ctx, tensor=a["self"], output_size=list(a["output_size"]), kind="avg")


@converter(
    aten.adaptive_max_pool1d.default, aten.adaptive_max_pool2d.default, aten.adaptive_max_pool3d.default,
    tensors=SELF, validators=(only_first_output_used("adaptive max-pool indices"), *ADAPTIVE),
)
def adaptive_max_pool(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return adaptive_pool.adaptive_pool(ctx, tensor=a["self"], output_size=list(a["output_size"]), kind="max"), None
