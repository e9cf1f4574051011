"""Elementwise arithmetic converters (tensor-tensor and tensor-scalar).

No operand is declared a tensor: either may be a Python number or a weight, and the impl functions
promote both with PyTorch's rules (a Python number next to a tensor keeps the tensor's dtype).
"""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import arithmetic, elementwise
from trtrepo.convert.ops._pointwise import COMPUTABLE_DTYPES
from trtrepo.convert.registry import converter
from trtrepo.convert.validators import arg_in, literal

ALPHA = literal("alpha")  # alpha scales a constant, so it must be one
ROUNDING = arg_in("rounding_mode", arithmetic.ROUNDING_MODES)
# op -> the trt.ElementWiseOperation computing it after promotion
BINARY = {aten.mul.Tensor: "PROD", aten.mul.Scalar: "PROD", aten.maximum.default: "MAX", aten.minimum.default: "MIN"}
# op -> the impl function computing it from two promoted operands
TWO_OPERANDS = {
    aten.div.Tensor: arithmetic.divide, aten.div.Scalar: arithmetic.divide,
    aten.remainder.Tensor: arithmetic.remainder, aten.remainder.Scalar: arithmetic.remainder,
    aten.remainder.Scalar_Tensor: arithmetic.remainder,
    aten.fmod.Tensor: arithmetic.fmod, aten.fmod.Scalar: arithmetic.fmod,
    aten.atan2.default: arithmetic.atan2,
    aten.copysign.Tensor: arithmetic.copysign, aten.copysign.Scalar: arithmetic.copysign,
}


@converter(aten.add.Tensor, aten.add.Scalar, validators=(COMPUTABLE_DTYPES, ALPHA))
def add(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return elementwise.add(ctx, lhs=a["self"], rhs=a["other"], alpha=a["alpha"])


@converter(aten.sub.Tensor, aten.sub.Scalar, validators=(COMPUTABLE_DTYPES, ALPHA))
def sub(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return elementwise.add(ctx, lhs=a["self"], rhs=a["other"], alpha=a["alpha"], subtract=True)


@converter(aten.rsub.Tensor, aten.rsub.Scalar, validators=(COMPUTABLE_DTYPES, ALPHA))
def rsub(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """``other - alpha * self``."""
    a = bind_args(target, args, kwargs)
    return elementwise.add(ctx, lhs=a["other"], rhs=a["self"], alpha=a["alpha"], subtract=True)


@converter(*BINARY, validators=(COMPUTABLE_DTYPES,))
def binary(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return elementwise.binary(ctx, op=elementwise.ew(ctx, BINARY[target]), lhs=a["self"], rhs=a["other"])


@converter(*TWO_OPERANDS, validators=(COMPUTABLE_DTYPES,))
def two_operands(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return TWO_OPERANDS[target](ctx, lhs=a["self"], rhs=a["other"])


@converter(aten.div.Tensor_mode, aten.div.Scalar_mode, validators=(COMPUTABLE_DTYPES, ROUNDING))
def div_mode(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return arithmetic.divide(ctx, lhs=a["self"], rhs=a["other"], rounding_mode=a["rounding_mode"])


@converter(aten.pow.Tensor_Scalar, aten.pow.Tensor_Tensor, aten.pow.Scalar, validators=(COMPUTABLE_DTYPES,))
def power(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return arithmetic.power(ctx, base=a["self"], exponent=a["exponent"])
