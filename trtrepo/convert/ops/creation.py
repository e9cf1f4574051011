"""Creation converters: arange, full/zeros/ones/empty and their ``_like``/``new_`` forms, scalar_tensor, triu/tril.

``empty`` and ``empty_like`` produce zeros: their contents are unspecified in PyTorch, and a defined
value keeps engine outputs reproducible.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import creation
from trtrepo.convert.registry import Validator, converter


def arange_bounds(bound: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(start, end, step) of any arange overload's arguments: ``arange(end)`` starts at 0, steps by 1."""
    return bound.get("start", 0), bound["end"], bound.get("step", 1)


def _arange_accepts(node: torch.fx.Node) -> bool:
    start, end, step = arange_bounds(node_args(node))
    if not any(isinstance(b, torch.fx.Node) for b in (start, end, step)):
        return True  # all known: folded into a constant
    return not isinstance(step, torch.fx.Node) and not any(isinstance(b, float) for b in (start, end, step))


ARANGE_BOUNDS = Validator("arange with a run-time bound and a float or run-time start/step", _arange_accepts)


@converter(aten.arange.default, aten.arange.start, aten.arange.start_step, validators=(ARANGE_BOUNDS,))
def arange(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    start, end, step = arange_bounds(a)
    return creation.arange(ctx, start=start, end=end, step=step, dtype=a["dtype"])


@converter(aten.full.default)
def full(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    value = a["fill_value"]
    return creation.full(ctx, sizes=list(a["size"]), value=value, dtype=a["dtype"] or _fill_dtype(ctx, value))


def _fill_dtype(ctx: ConversionContext, value: Any) -> torch.dtype:
    """PyTorch's dtype for ``full``'s fill value: a symbolic one is a SymInt (int64), SymBool or SymFloat."""
    if not ctx.is_tensor(value):
        return creation.scalar_dtype(value)
    kind = ctx.dtype_of(value)
    return torch.get_default_dtype() if kind.is_floating_point else kind


@converter(aten.zeros.default, aten.ones.default, aten.empty.memory_format)
def zeros_ones(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    value = 1 if target is aten.ones.default else 0
    return creation.full(ctx, sizes=list(a["size"]), value=value, dtype=a["dtype"] or torch.get_default_dtype())


@converter(aten.full_like.default, tensors=("self",))
def full_like(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return creation.full_like(ctx, tensor=a["self"], value=a["fill_value"], dtype=a["dtype"])


@converter(aten.zeros_like.default, aten.ones_like.default, aten.empty_like.default, tensors=("self",))
def zeros_ones_like(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    value = 1 if target is aten.ones_like.default else 0
    return creation.full_like(ctx, tensor=a["self"], value=value, dtype=a["dtype"])


# ``self`` of the ``new_`` forms only lends its dtype: it is not declared a tensor, so a weight
# there adds no constant layer to the network.
@converter(aten.new_zeros.default, aten.new_ones.default, aten.new_empty.default)
def new_zeros_ones(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    value = 1 if target is aten.new_ones.default else 0
    return creation.full(ctx, sizes=list(a["size"]), value=value, dtype=a["dtype"] or _dtype(ctx, a["self"]))


@converter(aten.new_full.default)
def new_full(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return creation.full(ctx, sizes=list(a["size"]), value=a["fill_value"], dtype=a["dtype"] or _dtype(ctx, a["self"]))


def _dtype(ctx: ConversionContext, value: Any) -> torch.dtype:
    return ctx.dtype_of(value) if ctx.is_tensor(value) else value.dtype


@converter(aten.scalar_tensor.default)
def scalar_tensor(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    dtype = a["dtype"] or torch.get_default_dtype()
    if ctx.is_tensor(a["s"]):  # a symbolic size made a tensor
        return creation.full(ctx, sizes=[], value=a["s"], dtype=dtype)
    return creation.typed_constant(ctx, torch.tensor(a["s"]), dtype)


@converter(aten.triu.default, aten.tril.default, tensors=("self",))
def triu_tril(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return creation.triangle(ctx, tensor=a["self"], diagonal=int(a["diagonal"]), upper=target is aten.triu.default)
