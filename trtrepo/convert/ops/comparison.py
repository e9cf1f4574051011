"""Comparison, logic and selection converters (ops producing or consuming bool tensors)."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.comparison import compare, logical, masked_fill, where
from trtrepo.convert.impl.unary import logical_not
from trtrepo.convert.ops._pointwise import BOOL_ONLY, COMPUTABLE_DTYPES
from trtrepo.convert.registry import converter

COMPARISONS = {
    overload: name
    for name in ("eq", "ne", "lt", "le", "gt", "ge")
    for overload in (getattr(aten, name).Tensor, getattr(aten, name).Scalar)
}
LOGICAL = {
    aten.logical_and.default: "and", aten.logical_or.default: "or", aten.logical_xor.default: "xor",
}
BITWISE = {
    overload: name
    for name in ("and", "or", "xor")
    for overload in (getattr(aten, f"bitwise_{name}").Tensor, getattr(aten, f"bitwise_{name}").Scalar)
}


@converter(*COMPARISONS, validators=(COMPUTABLE_DTYPES,))
def comparison(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return compare(ctx, op=COMPARISONS[target], lhs=args[0], rhs=args[1])


@converter(*LOGICAL, validators=(COMPUTABLE_DTYPES,))
def logical_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return logical(ctx, op=LOGICAL[target], lhs=args[0], rhs=args[1])


@converter(*BITWISE, validators=(BOOL_ONLY,))
def bitwise(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return logical(ctx, op=BITWISE[target], lhs=args[0], rhs=args[1])


@converter(aten.logical_not.default, validators=(COMPUTABLE_DTYPES,))
def logical_not_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return logical_not(ctx, tensor=args[0])


@converter(aten.bitwise_not.default, validators=(BOOL_ONLY,))
def bitwise_not(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return logical_not(ctx, tensor=args[0])


@converter(aten.where.self, aten.where.ScalarSelf, aten.where.ScalarOther, aten.where.Scalar,
           validators=(COMPUTABLE_DTYPES,))
def where_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return where(ctx, condition=args[0], then=args[1], other=args[2])


@converter(aten.masked_fill.Scalar, aten.masked_fill.Tensor, validators=(COMPUTABLE_DTYPES,))
def masked_fill_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return masked_fill(ctx, tensor=args[0], mask=args[1], value=args[2])
