"""Matrix-product converters."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.linear import addmm, linear, matmul
from trtrepo.convert.registry import converter


@converter(aten.mm.default)
def mm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return matmul(ctx, lhs=args[0], rhs=args[1])


@converter(aten.addmm.default)
def addmm_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return addmm(ctx, bias=args[0], lhs=args[1], rhs=args[2],
                 beta=kwargs.get("beta", 1), alpha=kwargs.get("alpha", 1))


@converter(aten.linear.default)
def linear_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    bias = args[2] if len(args) > 2 else kwargs.get("bias")
    return linear(ctx, tensor=args[0], weight=args[1], bias=bias)
