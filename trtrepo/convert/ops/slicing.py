"""Slicing converters: slice/select, split/unbind, cat/stack, repeat, flip, roll."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import shape, slicing
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_tensor

SELF = ("self",)


def static_dim(what: str) -> Validator:
    """Rejects nodes whose input dim (argument ``dim``) is dynamic."""
    def accepts(node: torch.fx.Node) -> bool:
        a = node_args(node)
        val = fake_tensor(a["self"])
        if val is None:
            return False
        return isinstance(val.shape[shape.normalize_dim(a["dim"], val.dim())], int)
    return Validator(f"{what} along a dynamic dim (the number of outputs would depend on it)", accepts)


@converter(aten.slice.Tensor, tensors=SELF)
def slice_tensor(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return slicing.slice_dim(ctx, tensor=a["self"], dim=a["dim"], start=a["start"], end=a["end"], step=a["step"])


@converter(aten.select.int, tensors=SELF)
def select(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return slicing.select(ctx, tensor=a["self"], dim=a["dim"], index=a["index"])


@converter(aten.split.Tensor, tensors=SELF, validators=(static_dim("split"),))
def split(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    tensor = a["self"]
    dim = shape.normalize_dim(a["dim"], len(tensor.shape))
    sizes = slicing.chunk_sizes(int(tensor.shape[dim]), int(a["split_size"]))
    return slicing.split(ctx, tensor=tensor, sizes=sizes, dim=dim)


@converter(aten.split_with_sizes.default, tensors=SELF)
def split_with_sizes(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return slicing.split(ctx, tensor=a["self"], sizes=list(a["split_sizes"]), dim=a["dim"])


@converter(aten.unbind.int, tensors=SELF, validators=(static_dim("unbind"),))
def unbind(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return slicing.unbind(ctx, tensor=a["self"], dim=a["dim"])


# cat's inputs are not declared tensors: a weight among them becomes a constant of the promoted dtype.
@converter(aten.cat.default)
def cat(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return slicing.cat(ctx, tensors=list(a["tensors"]), dim=a["dim"])


@converter(aten.stack.default, tensors=("tensors",))
def stack(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return slicing.stack(ctx, tensors=list(a["tensors"]), dim=a["dim"])


@converter(aten.repeat.default, tensors=SELF)
def repeat(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return slicing.repeat(ctx, tensor=a["self"], repeats=list(a["repeats"]))


@converter(aten.flip.default, tensors=SELF)
def flip(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return slicing.flip(ctx, tensor=a["self"], dims=list(a["dims"]))


@converter(aten.roll.default, tensors=SELF)
def roll(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    shifts, dims = a["shifts"], a["dims"]
    shifts = list(shifts) if isinstance(shifts, (list, tuple)) else [shifts]
    dims = list(dims) if isinstance(dims, (list, tuple)) else [dims]
    return slicing.roll(ctx, tensor=a["self"], shifts=shifts, dims=dims)
