"""Elementwise arithmetic converters (tensor-tensor and tensor-scalar)."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.arithmetic import ROUNDING_MODES, atan2, copysign, divide, fmod, power, remainder
from trtrepo.convert.impl.elementwise import add, binary
from trtrepo.convert.ops._pointwise import COMPUTABLE_DTYPES, kwarg_in, literal
from trtrepo.convert.registry import arg, converter

ALPHA = literal(2, "alpha")  # alpha scales a constant, so it must be one
ROUNDING = kwarg_in(2, "rounding_mode", ROUNDING_MODES, None)


@converter(aten.add.Tensor, aten.add.Scalar, validators=(COMPUTABLE_DTYPES, ALPHA))
def add_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return add(ctx, lhs=args[0], rhs=args[1], alpha=arg(args, kwargs, 2, "alpha", 1))


@converter(aten.sub.Tensor, aten.sub.Scalar, validators=(COMPUTABLE_DTYPES, ALPHA))
def sub(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return add(ctx, lhs=args[0], rhs=args[1], alpha=arg(args, kwargs, 2, "alpha", 1), subtract=True)


@converter(aten.rsub.Tensor, aten.rsub.Scalar, validators=(COMPUTABLE_DTYPES, ALPHA))
def rsub(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """``other - alpha * self``."""
    return add(ctx, lhs=args[1], rhs=args[0], alpha=arg(args, kwargs, 2, "alpha", 1), subtract=True)


@converter(aten.mul.Tensor, aten.mul.Scalar, validators=(COMPUTABLE_DTYPES,))
def mul(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return binary(ctx, op=ctx.trt.ElementWiseOperation.PROD, lhs=args[0], rhs=args[1])


@converter(aten.div.Tensor, aten.div.Scalar, validators=(COMPUTABLE_DTYPES,))
def div(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return divide(ctx, lhs=args[0], rhs=args[1])


@converter(aten.div.Tensor_mode, aten.div.Scalar_mode, validators=(COMPUTABLE_DTYPES, ROUNDING))
def div_mode(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return divide(ctx, lhs=args[0], rhs=args[1], rounding_mode=arg(args, kwargs, 2, "rounding_mode"))


@converter(aten.remainder.Tensor, aten.remainder.Scalar, aten.remainder.Scalar_Tensor, validators=(COMPUTABLE_DTYPES,))
def remainder_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return remainder(ctx, lhs=args[0], rhs=args[1])


@converter(aten.fmod.Tensor, aten.fmod.Scalar, validators=(COMPUTABLE_DTYPES,))
def fmod_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return fmod(ctx, lhs=args[0], rhs=args[1])


@converter(aten.pow.Tensor_Scalar, aten.pow.Tensor_Tensor, aten.pow.Scalar, validators=(COMPUTABLE_DTYPES,))
def pow_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return power(ctx, base=args[0], exponent=args[1])


@converter(aten.maximum.default, validators=(COMPUTABLE_DTYPES,))
def maximum(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return binary(ctx, op=ctx.trt.ElementWiseOperation.MAX, lhs=args[0], rhs=args[1])


@converter(aten.minimum.default, validators=(COMPUTABLE_DTYPES,))
def minimum(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return binary(ctx, op=ctx.trt.ElementWiseOperation.MIN, lhs=args[0], rhs=args[1])


@converter(aten.atan2.default, validators=(COMPUTABLE_DTYPES,))
def atan2_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return atan2(ctx, lhs=args[0], rhs=args[1])


@converter(aten.copysign.Tensor, aten.copysign.Scalar, validators=(COMPUTABLE_DTYPES,))
def copysign_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return copysign(ctx, lhs=args[0], rhs=args[1])
