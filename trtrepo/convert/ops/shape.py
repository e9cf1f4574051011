"""Shape converters: view/reshape, permute/transpose, flatten, (un)squeeze, expand, sizes, tuple indexing."""

from __future__ import annotations

import operator
from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import dim_size, normalize_dim, permute, reshape, squeeze, unsqueeze
from trtrepo.convert.impl.slicing import expand
from trtrepo.convert.registry import arg, converter


def input_shape(node: torch.fx.Node, index: int = 0) -> tuple[Any, ...] | None:
    """The traced shape of tensor argument ``index`` (SymInts where dynamic), for validators."""
    value = node.args[index] if len(node.args) > index else None
    val = value.meta.get("val") if isinstance(value, torch.fx.Node) else None
    return tuple(val.shape) if val is not None and hasattr(val, "shape") else None


# reshape and flatten are not registered: torch.export always decomposes them into view, so a
# converter for them could never run (and could never be tested).
@converter(aten.view.default, aten._unsafe_view.default)
def view(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return reshape(ctx, tensor=ctx.as_tensor(args[0]), sizes=list(args[1]))


@converter(aten.permute.default)
def permute_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return permute(ctx, tensor=ctx.as_tensor(args[0]), order=list(args[1]))


@converter(aten.transpose.int)
def transpose(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor = ctx.as_tensor(args[0])
    rank = len(tensor.shape)
    if rank == 0:
        return tensor
    order = list(range(rank))
    a, b = normalize_dim(args[1], rank), normalize_dim(args[2], rank)
    order[a], order[b] = b, a
    return permute(ctx, tensor=tensor, order=order)


@converter(aten.t.default)
def t(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor = ctx.as_tensor(args[0])
    if len(tensor.shape) < 2:
        return tensor  # t() of a 0-d or 1-d tensor is the tensor itself
    return permute(ctx, tensor=tensor, order=[1, 0])


@converter(aten.unsqueeze.default)
def unsqueeze_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return unsqueeze(ctx, tensor=ctx.as_tensor(args[0]), dim=args[1])


@converter(aten.squeeze.default, aten.squeeze.dim, aten.squeeze.dims)
def squeeze_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor = ctx.as_tensor(args[0])
    dims = arg(args, kwargs, 1, "dim", None)
    if dims is None:
        dims = list(range(len(tensor.shape)))
    elif isinstance(dims, int):
        dims = [dims]
    return squeeze(ctx, tensor=tensor, dims=list(dims))


@converter(aten.expand.default, aten.expand_copy.default)
def expand_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return expand(ctx, tensor=ctx.as_tensor(args[0]), sizes=list(args[1]))


@converter(aten.sym_size.int)
def sym_size(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return dim_size(ctx, tensor=args[0], dim=args[1])


@converter(operator.getitem)
def getitem(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Picks one result of a multi-output converter (they return Python tuples)."""
    return args[0][args[1]]
