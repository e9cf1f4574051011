"""Unary math converters: TensorRT unary operations and the compositions for the ones it lacks."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import unary
from trtrepo.convert.ops._pointwise import COMPUTABLE_DTYPES
from trtrepo.convert.registry import converter
from trtrepo.convert.validators import literal

# ATen op -> the TensorRT UnaryOperation computing it on float input (int input is promoted to float).
FLOAT_OPS = {
    aten.exp.default: "EXP", aten.log.default: "LOG", aten.sqrt.default: "SQRT", aten.reciprocal.default: "RECIP",
    aten.sin.default: "SIN", aten.cos.default: "COS", aten.tan.default: "TAN",
    aten.asin.default: "ASIN", aten.acos.default: "ACOS", aten.atan.default: "ATAN",
    aten.sinh.default: "SINH", aten.cosh.default: "COSH",
    aten.asinh.default: "ASINH", aten.acosh.default: "ACOSH", aten.atanh.default: "ATANH",
    aten.erf.default: "ERF",
}
SIGNED_OPS = {aten.abs.default: "ABS", aten.neg.default: "NEG", aten.sign.default: "SIGN"}
ROUNDING_OPS = {aten.floor.default: "FLOOR", aten.ceil.default: "CEIL", aten.round.default: "ROUND"}
PREDICATES = {aten.isnan.default: "ISNAN", aten.isinf.default: "ISINF"}
LOG_BASES = {aten.log2.default: 2.0, aten.log10.default: 10.0}
# Ops with their own composition in impl/unary.py, taking only the tensor.
COMPOSED = {
    aten.trunc.default: unary.trunc, aten.rsqrt.default: unary.rsqrt, aten.log1p.default: unary.log1p,
    aten.expm1.default: unary.expm1, aten.exp2.default: unary.exp2, aten.erfc.default: unary.erfc,
}
SELF = ("self",)


def _tensor(target: Any, args: Any, kwargs: Any) -> Any:
    return bind_args(target, args, kwargs)["self"]


@converter(*FLOAT_OPS, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def float_unary(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return unary.float_unary(ctx, tensor=_tensor(target, args, kwargs), op=FLOAT_OPS[target])


@converter(*SIGNED_OPS, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def signed_unary(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return unary.signed_unary(ctx, tensor=_tensor(target, args, kwargs), op=SIGNED_OPS[target])


@converter(*ROUNDING_OPS, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def rounding(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return unary.rounding(ctx, tensor=_tensor(target, args, kwargs), op=ROUNDING_OPS[target])


@converter(aten.round.decimals, tensors=SELF, validators=(COMPUTABLE_DTYPES, literal("decimals")))
def round_decimals(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return unary.round_decimals(ctx, tensor=a["self"], decimals=a["decimals"])


@converter(*COMPOSED, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def composed(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return COMPOSED[target](ctx, tensor=_tensor(target, args, kwargs))


@converter(*LOG_BASES, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def log_base(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return unary.log_base(ctx, tensor=_tensor(target, args, kwargs), base=LOG_BASES[target])


@converter(*PREDICATES, tensors=SELF, validators=(COMPUTABLE_DTYPES,))
def predicate(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return unary.predicate(ctx, tensor=_tensor(target, args, kwargs), op=PREDICATES[target])
