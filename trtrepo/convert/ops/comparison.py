"""Comparison, logic and selection converters (ops producing or consuming bool tensors).

Operands that may be Python numbers (``other``, and ``self``/``other`` of ``where``) are not declared
tensors: the impl functions promote them with PyTorch's rules, which keep a tensor's dtype next to a
Python number.
"""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import bitshift, comparison, unary
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
    for overload in (getattr(aten, f"bitwise_{name}").Tensor, getattr(aten, f"bitwise_{name}").Scalar,
                     getattr(aten, f"bitwise_{name}").Scalar_Tensor)
}
# op -> whether it shifts left; ``x << n`` traces to ``__lshift__``, ``torch.bitwise_left_shift`` to the rest.
SHIFTS = {
    **{getattr(aten.__lshift__, o): True for o in ("Scalar", "Tensor")},
    **{getattr(aten.__rshift__, o): False for o in ("Scalar", "Tensor")},
    **{getattr(aten.bitwise_left_shift, o): True for o in ("Tensor", "Tensor_Scalar", "Scalar_Tensor")},
    **{getattr(aten.bitwise_right_shift, o): False for o in ("Tensor", "Tensor_Scalar", "Scalar_Tensor")},
}


@converter(*COMPARISONS, validators=(COMPUTABLE_DTYPES,))
def compare(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return comparison.compare(ctx, op=COMPARISONS[target], lhs=a["self"], rhs=a["other"])


@converter(*LOGICAL, validators=(COMPUTABLE_DTYPES,))
def logical(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return comparison.logical(ctx, op=LOGICAL[target], lhs=a["self"], rhs=a["other"])


@converter(*BITWISE, validators=(BOOL_ONLY,))
def bitwise(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return comparison.logical(ctx, op=BITWISE[target], lhs=a["self"], rhs=a["other"])


@converter(*SHIFTS, validators=(COMPUTABLE_DTYPES,))
def shift(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Exact products and floor divisions by powers of two (TensorRT has no shift layer)."""
    a = bind_args(target, args, kwargs)
    return bitshift.shift(ctx, tensor=a["self"], amount=a["other"], left=SHIFTS[target])


@converter(aten.logical_not.default, tensors=("self",), validators=(COMPUTABLE_DTYPES,))
def logical_not(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return unary.logical_not(ctx, tensor=bind_args(target, args, kwargs)["self"])


@converter(aten.bitwise_not.default, tensors=("self",), validators=(BOOL_ONLY,))
def bitwise_not(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return unary.logical_not(ctx, tensor=bind_args(target, args, kwargs)["self"])


@converter(aten.where.self, aten.where.ScalarSelf, aten.where.ScalarOther, aten.where.Scalar,
           tensors=("condition",), validators=(COMPUTABLE_DTYPES,))
def where(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return comparison.where(ctx, condition=a["condition"], then=a["self"], other=a["other"])


@converter(aten.masked_fill.Scalar, aten.masked_fill.Tensor, tensors=("self", "mask"),
           validators=(COMPUTABLE_DTYPES,))
def masked_fill(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return comparison.masked_fill(ctx, tensor=a["self"], mask=a["mask"], value=a["value"])
