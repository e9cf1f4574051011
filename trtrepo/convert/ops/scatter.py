"""Scatter/put converters: index_put, scatter (src, value, reduce), scatter_add, scatter_reduce,
slice_scatter, select_scatter, copy (which in-place writes such as ``x[:, 1:3] = y`` lower to)."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import index_put as put
from trtrepo.convert.impl import scatter
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_tensor

# Types a combining scatter computes in: PyTorch wraps 8-bit sums and ors bools, which TensorRT's
# reduce layer (no bool, no 8-bit integers) does not.
REDUCIBLE = (torch.float32, torch.float16, torch.bfloat16, torch.int32, torch.int64)
# scatter.reduce / scatter.value_reduce name their reduction differently from scatter_reduce.
LEGACY_REDUCE = {"add": "sum", "multiply": "prod"}


def _reducible(node: torch.fx.Node) -> bool:
    val = fake_tensor(node_args(node)["self"])
    return val is not None and val.dtype in REDUCIBLE


REDUCIBLE_TYPE = Validator("a bool or 8-bit integer tensor (TensorRT's reduce layer cannot combine those)",
                           _reducible)


def _index_kinds(node: torch.fx.Node) -> tuple[list[Any], list[torch.Tensor | None]]:
    indices = list(node_args(node)["indices"])
    return indices, [fake_tensor(i) if i is not None else None for i in indices]


def _supported_indices(node: torch.fx.Node) -> bool:
    """Integer index tensors (None for whole dims), or one bool mask whose values do not depend on
    which elements it selects (they broadcast with no extent along the selected elements)."""
    indices, vals = _index_kinds(node)
    given = [v for i, v in zip(indices, vals, strict=True) if i is not None]
    if not given or any(v is None for v in given):
        return False
    masks = [v for v in given if v is not None and v.dtype in (torch.bool, torch.uint8)]
    if not masks:
        return True
    if len(given) != 1 or masks[0].dtype != torch.bool:
        return False
    values = fake_tensor(node_args(node)["values"])
    self_val = fake_tensor(node_args(node)["self"])
    if values is None or self_val is None:
        return False
    after = self_val.dim() - _mask_position(indices) - masks[0].dim()
    return values.dim() <= after or values.shape[values.dim() - after - 1] == 1


def _mask_position(indices: list[Any]) -> int:
    return next(i for i, index in enumerate(indices) if index is not None)


SUPPORTED_INDICES = Validator(
    "a boolean mask mixed with other indices, or written with values that differ per selected element "
    "(the number of selected elements depends on the data)", _supported_indices)


def _accumulable(node: torch.fx.Node) -> bool:
    return not node_args(node)["accumulate"] or _reducible(node)


ACCUMULABLE = Validator("accumulate=True on a bool or 8-bit integer tensor (TensorRT's reduce layer "
                        "cannot combine those)", _accumulable)


@converter(aten.index_put.default, tensors=("self", "values"), validators=(SUPPORTED_INDICES, ACCUMULABLE))
def index_put(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    indices = list(a["indices"])
    position = _mask_position(indices)
    first = indices[position]
    dtype = first.dtype if isinstance(first, torch.Tensor) else ctx.dtype_of(first)
    if dtype == torch.bool:  # the validator let a bool index through only alone
        return put.masked_put(ctx, tensor=a["self"], position=position, mask=ctx.as_tensor(first),
                              values=a["values"], accumulate=a["accumulate"])
    # Index tensors are not declared: constant ones are wrapped at build time before becoming constants.
    return put.index_put(ctx, tensor=a["self"], indices=indices, values=a["values"], accumulate=a["accumulate"])


@converter(aten.scatter.src, aten.scatter.value, tensors=("self", "index"))
def scatter_plain(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    src = a["src"] if target is aten.scatter.src else a["value"]
    return scatter.scatter(ctx, tensor=a["self"], dim=a["dim"], index=a["index"],
                           src=ctx.as_tensor(src) if isinstance(src, torch.Tensor) else src)


@converter(aten.scatter.reduce, aten.scatter.value_reduce, tensors=("self", "index"),
           validators=(REDUCIBLE_TYPE,))
def scatter_legacy_reduce(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    src = a["src"] if target is aten.scatter.reduce else a["value"]
    return scatter.scatter_reduce(ctx, tensor=a["self"], dim=a["dim"], index=a["index"],
                                  src=ctx.as_tensor(src) if isinstance(src, torch.Tensor) else src,
                                  reduce=LEGACY_REDUCE[a["reduce"]], include_self=True)


@converter(aten.scatter_add.default, tensors=("self", "index", "src"), validators=(REDUCIBLE_TYPE,))
def scatter_add(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return scatter.scatter_reduce(ctx, tensor=a["self"], dim=a["dim"], index=a["index"], src=a["src"],
                                  reduce="sum", include_self=True)


@converter(aten.scatter_reduce.two, tensors=("self", "index", "src"), validators=(REDUCIBLE_TYPE,))
def scatter_reduce(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return scatter.scatter_reduce(ctx, tensor=a["self"], dim=a["dim"], index=a["index"], src=a["src"],
                                  reduce=a["reduce"], include_self=a["include_self"])


@converter(aten.slice_scatter.default, tensors=("self", "src"))
def slice_scatter(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return scatter.slice_scatter(ctx, tensor=a["self"], src=a["src"], dim=a["dim"], start=a["start"],
                                 step=a["step"])


@converter(aten.select_scatter.default, tensors=("self", "src"))
def select_scatter(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return scatter.select_scatter(ctx, tensor=a["self"], src=a["src"], dim=a["dim"], index=a["index"])


@converter(aten.copy.default, tensors=("self", "src"))
def copy(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    # non_blocking only concerns devices.
    a = bind_args(target, args, kwargs)
    return scatter.copy(ctx, tensor=a["self"], src=a["src"])
