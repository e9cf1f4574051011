"""Slicing converters: slice/select, split/unbind, cat/stack, repeat, flip, roll."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import normalize_dim
from trtrepo.convert.impl.slicing import (
    cat,
    chunk_sizes,
    flip,
    repeat,
    roll,
    select,
    slice_dim,
    split,
    stack,
    unbind,
)
from trtrepo.convert.ops.shape import input_shape
from trtrepo.convert.registry import Validator, arg, converter


def static_dim(dim_index: int, dim_name: str, what: str) -> Validator:
    """Rejects nodes whose input dim (argument ``dim_index``, default 0) is dynamic."""
    def accepts(node: torch.fx.Node) -> bool:
        shape = input_shape(node)
        if shape is None:
            return False
        dim = arg(node.args, node.kwargs, dim_index, dim_name, 0)
        return isinstance(shape[normalize_dim(dim, len(shape))], int)
    return Validator(f"{what} along a dynamic dim (the number of outputs would depend on it)", accepts)


@converter(aten.slice.Tensor)
def slice_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return slice_dim(ctx, tensor=ctx.as_tensor(args[0]), dim=arg(args, kwargs, 1, "dim", 0),
                     start=arg(args, kwargs, 2, "start"), end=arg(args, kwargs, 3, "end"),
                     step=arg(args, kwargs, 4, "step", 1))


@converter(aten.select.int)
def select_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return select(ctx, tensor=ctx.as_tensor(args[0]), dim=args[1], index=args[2])


@converter(aten.split.Tensor, validators=(static_dim(2, "dim", "split"),))
def split_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor = ctx.as_tensor(args[0])
    dim = normalize_dim(arg(args, kwargs, 2, "dim", 0), len(tensor.shape))
    sizes = chunk_sizes(int(tensor.shape[dim]), int(args[1]))
    return split(ctx, tensor=tensor, sizes=sizes, dim=dim)


@converter(aten.split_with_sizes.default)
def split_with_sizes(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return split(ctx, tensor=ctx.as_tensor(args[0]), sizes=list(args[1]), dim=arg(args, kwargs, 2, "dim", 0))


@converter(aten.unbind.int, validators=(static_dim(1, "dim", "unbind"),))
def unbind_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return unbind(ctx, tensor=ctx.as_tensor(args[0]), dim=arg(args, kwargs, 1, "dim", 0))


@converter(aten.cat.default)
def cat_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return cat(ctx, tensors=list(args[0]), dim=arg(args, kwargs, 1, "dim", 0))


@converter(aten.stack.default)
def stack_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return stack(ctx, tensors=list(args[0]), dim=arg(args, kwargs, 1, "dim", 0))


@converter(aten.repeat.default)
def repeat_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return repeat(ctx, tensor=ctx.as_tensor(args[0]), repeats=list(args[1]))


@converter(aten.flip.default)
def flip_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return flip(ctx, tensor=ctx.as_tensor(args[0]), dims=list(args[1]))


@converter(aten.roll.default)
def roll_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    shifts, dims = args[1], arg(args, kwargs, 2, "dims", [])
    shifts = list(shifts) if isinstance(shifts, (list, tuple)) else [shifts]
    dims = list(dims) if isinstance(dims, (list, tuple)) else [dims]
    return roll(ctx, tensor=ctx.as_tensor(args[0]), shifts=shifts, dims=dims)
