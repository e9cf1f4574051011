"""Shape converters: view/reshape, permute/transpose, flatten, (un)squeeze, expand, sizes, tuple indexing."""

from __future__ import annotations

import operator
from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import shape, slicing
from trtrepo.convert.registry import converter

SELF = ("self",)


# reshape and flatten are not registered: torch.export always decomposes them into view, so a
# converter for them could never run (and could never be tested).
@converter(aten.view.default, aten._unsafe_view.default, tensors=SELF)
def view(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return shape.reshape(ctx, tensor=a["self"], sizes=list(a["size"]))


@converter(aten.permute.default, tensors=SELF)
def permute(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return shape.permute(ctx, tensor=a["self"], order=list(a["dims"]))


@converter(aten.transpose.int, tensors=SELF)
def transpose(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    tensor = a["self"]
    rank = len(tensor.shape)
    if rank == 0:
        return tensor
    order = list(range(rank))
    first, second = shape.normalize_dim(a["dim0"], rank), shape.normalize_dim(a["dim1"], rank)
    order[first], order[second] = second, first
    return shape.permute(ctx, tensor=tensor, order=order)


@converter(aten.t.default, tensors=SELF)
def t(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor = bind_args(target, args, kwargs)["self"]
    if len(tensor.shape) < 2:
        return tensor  # t() of a 0-d or 1-d tensor is the tensor itself
    return shape.permute(ctx, tensor=tensor, order=[1, 0])


@converter(aten.unsqueeze.default, tensors=SELF)
def unsqueeze(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return shape.unsqueeze(ctx, tensor=a["self"], dim=a["dim"])


@converter(aten.squeeze.default, aten.squeeze.dim, aten.squeeze.dims, tensors=SELF)
def squeeze(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    tensor, dims = a["self"], a.get("dim")  # squeeze.default has no dim: every dim
    if dims is None:
        dims = list(range(len(tensor.shape)))
    elif isinstance(dims, int):
        dims = [dims]
    return shape.squeeze(ctx, tensor=tensor, dims=list(dims))


@converter(aten.expand.default, aten.expand_copy.default, tensors=SELF)
def expand(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return slicing.expand(ctx, tensor=a["self"], sizes=list(a["size"]))


@converter(aten.sym_size.int, tensors=SELF)
def sym_size(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return shape.dim_size(ctx, tensor=a["self"], dim=a["dim"])


@converter(operator.getitem)
def getitem(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Picks one result of a multi-output converter (they return Python tuples).

    A Python operator has no ATen schema: its two operands always arrive positionally.
    """
    return args[0][args[1]]
