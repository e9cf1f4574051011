"""Shape converters: view/reshape, permute, flatten, symbolic sizes, tuple indexing."""

from __future__ import annotations

import operator
from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import dim_size, flatten, permute, reshape
from trtrepo.convert.registry import converter


@converter(aten.view.default, aten.reshape.default, aten._unsafe_view.default)
def view(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return reshape(ctx, tensor=ctx.as_tensor(args[0]), sizes=list(args[1]))


@converter(aten.permute.default)
def permute_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return permute(ctx, tensor=ctx.as_tensor(args[0]), order=list(args[1]))


@converter(aten.flatten.using_ints)
def flatten_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    start = args[1] if len(args) > 1 else kwargs.get("start_dim", 0)
    end = args[2] if len(args) > 2 else kwargs.get("end_dim", -1)
    return flatten(ctx, tensor=ctx.as_tensor(args[0]), start=start, end=end)


@converter(aten.sym_size.int)
def sym_size(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return dim_size(ctx, tensor=args[0], dim=args[1])


@converter(operator.getitem)
def getitem(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Picks one result of a multi-output converter (they return Python tuples)."""
    return args[0][args[1]]
