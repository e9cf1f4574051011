"""Creation converters: arange, full/zeros/ones/empty and their ``_like``/``new_`` forms, scalar_tensor, triu/tril.

``empty`` and ``empty_like`` produce zeros: their contents are unspecified in PyTorch, and a defined
value keeps engine outputs reproducible.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.creation import arange, full, full_like, scalar_dtype, triangle, typed_constant
from trtrepo.convert.registry import Validator, arg, converter


def arange_bounds(target: Any, args: Any) -> tuple[Any, Any, Any]:
    """(start, end, step) of any arange overload, with the schema defaults filled in."""
    if target is aten.arange.default:
        return 0, args[0], 1
    if target is aten.arange.start:
        return args[0], args[1], 1
    return args[0], args[1], args[2] if len(args) > 2 else 1


def _arange_accepts(node: torch.fx.Node) -> bool:
    start, end, step = arange_bounds(node.target, node.args)
    if not any(isinstance(b, torch.fx.Node) for b in (start, end, step)):
        return True  # all known: folded into a constant
    return not isinstance(step, torch.fx.Node) and not any(isinstance(b, float) for b in (start, end, step))


ARANGE_BOUNDS = Validator("arange with a run-time bound and a float or run-time start/step", _arange_accepts)


@converter(aten.arange.default, aten.arange.start, aten.arange.start_step, validators=(ARANGE_BOUNDS,))
def arange_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    start, end, step = arange_bounds(target, args)
    return arange(ctx, start=start, end=end, step=step, dtype=kwargs.get("dtype"))


@converter(aten.full.default)
def full_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    value = args[1]
    dtype = kwargs.get("dtype") or (torch.int64 if ctx.is_tensor(value) else scalar_dtype(value))
    return full(ctx, sizes=list(args[0]), value=value, dtype=dtype)


@converter(aten.zeros.default, aten.ones.default, aten.empty.memory_format)
def zeros_ones(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    value = 1 if target is aten.ones.default else 0
    dtype = kwargs.get("dtype") or torch.get_default_dtype()
    return full(ctx, sizes=list(args[0]), value=value, dtype=dtype)


@converter(aten.full_like.default)
def full_like_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return full_like(ctx, tensor=ctx.as_tensor(args[0]), value=args[1], dtype=kwargs.get("dtype"))


@converter(aten.zeros_like.default, aten.ones_like.default, aten.empty_like.default)
def zeros_ones_like(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    value = 1 if target is aten.ones_like.default else 0
    return full_like(ctx, tensor=ctx.as_tensor(args[0]), value=value, dtype=kwargs.get("dtype"))


@converter(aten.new_zeros.default, aten.new_ones.default, aten.new_empty.default)
def new_zeros_ones(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    value = 1 if target is aten.new_ones.default else 0
    dtype = kwargs.get("dtype") or _dtype(ctx, args[0])
    return full(ctx, sizes=list(args[1]), value=value, dtype=dtype)


@converter(aten.new_full.default)
def new_full(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    dtype = kwargs.get("dtype") or _dtype(ctx, args[0])
    return full(ctx, sizes=list(args[1]), value=args[2], dtype=dtype)


def _dtype(ctx: ConversionContext, value: Any) -> torch.dtype:
    return ctx.dtype_of(value) if ctx.is_tensor(value) else value.dtype


@converter(aten.scalar_tensor.default)
def scalar_tensor(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    dtype = kwargs.get("dtype") or torch.get_default_dtype()
    if ctx.is_tensor(args[0]):  # a symbolic size made a tensor
        return full(ctx, sizes=[], value=args[0], dtype=dtype)
    return typed_constant(ctx, torch.tensor(args[0]), dtype)


@converter(aten.triu.default, aten.tril.default)
def triu_tril(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return triangle(ctx, tensor=ctx.as_tensor(args[0]), diagonal=int(arg(args, kwargs, 1, "diagonal", 0)),
                    upper=target is aten.triu.default)
