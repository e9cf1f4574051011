"""Unary math with PyTorch's dtype rules on TensorRT's unary layer.

TensorRT's transcendental operations take floating-point input only; PyTorch computes them on an
integer or bool tensor in the default float type, so such inputs are cast first. Rounding an
integer is the identity in PyTorch. Operations TensorRT lacks (trunc, log1p, expm1, log2, ...) are
built from ones it has, keeping PyTorch's accuracy where the naive formula would lose it.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import elementwise, ew, is_float, select

ONE = 1.0


def unary_layer(ctx: ConversionContext, tensor: Any, op: str) -> Any:
    """One ``trt.UnaryOperation`` called ``op`` on an ITensor."""
    return ctx.network.add_unary(tensor, getattr(ctx.trt.UnaryOperation, op)).get_output(0)


def to_float(ctx: ConversionContext, tensor: Any) -> Any:
    """``tensor`` as a float ITensor: integer and bool tensors become the node's float type.

    PyTorch uses its default float (float32) there; the node's float type is the same in fp32 and
    follows the precision policy otherwise.
    """
    return tensor if is_float(ctx, tensor) else ctx.cast(tensor, ctx.float_dtype)


def float_unary(ctx: ConversionContext, *, tensor: Any, op: str) -> Any:
    """A float-only unary operation (EXP, LOG, SQRT, SIN, ERF, RECIP, ...) with int-to-float promotion."""
    return unary_layer(ctx, to_float(ctx, tensor), op)


def signed_unary(ctx: ConversionContext, *, tensor: Any, op: str) -> Any:
    """ABS, NEG or SIGN, which TensorRT also computes on integers (SIGN of a bool is the bool)."""
    if ctx.dtype_of(tensor) == torch.bool:
        if op != "SIGN":
            raise TypeError(f"{op.lower()} is not defined on bool tensors")
        return tensor
    return unary_layer(ctx, tensor, op)


def rounding(ctx: ConversionContext, *, tensor: Any, op: str) -> Any:
    """FLOOR, CEIL or ROUND (half to even, like ``torch.round``); integers are already round."""
    return unary_layer(ctx, tensor, op) if is_float(ctx, tensor) else tensor


def trunc(ctx: ConversionContext, *, tensor: Any) -> Any:
    """Round toward zero: ceil below zero, floor above (TensorRT has no TRUNC)."""
    if not is_float(ctx, tensor):
        return tensor
    negative = elementwise(ctx, op=ew(ctx, "LESS"), lhs=tensor, rhs=ctx.scalar(0, tensor))
    return select(ctx, condition=negative, then=unary_layer(ctx, tensor, "CEIL"),
                  other=unary_layer(ctx, tensor, "FLOOR"))


def round_decimals(ctx: ConversionContext, *, tensor: Any, decimals: int) -> Any:
    """``torch.round(x, decimals=d)``: round(x * 10^d) / 10^d (for d < 0: round(x / 10^-d) * 10^-d)."""
    if not is_float(ctx, tensor) or decimals == 0:
        return rounding(ctx, tensor=tensor, op="ROUND")
    # PyTorch scales by the power of ten itself, never by its inverse, to keep exact decimal values.
    scale = ctx.scalar(10.0 ** abs(decimals), tensor)
    grow, shrink = (ew(ctx, "PROD"), ew(ctx, "DIV")) if decimals > 0 else (ew(ctx, "DIV"), ew(ctx, "PROD"))
    rounded = unary_layer(ctx, elementwise(ctx, op=grow, lhs=tensor, rhs=scale), "ROUND")
    return elementwise(ctx, op=shrink, lhs=rounded, rhs=scale)


def rsqrt(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``1 / sqrt(x)``."""
    return unary_layer(ctx, float_unary(ctx, tensor=tensor, op="SQRT"), "RECIP")


def log_base(ctx: ConversionContext, *, tensor: Any, base: float) -> Any:
    """``log(x) / log(base)`` (log2, log10)."""
    log = float_unary(ctx, tensor=tensor, op="LOG")
    return elementwise(ctx, op=ew(ctx, "DIV"), lhs=log, rhs=ctx.scalar(math.log(base), log))


def exp2(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``2 ** x`` as a POW layer."""
    x = to_float(ctx, tensor)
    return elementwise(ctx, op=ew(ctx, "POW"), lhs=ctx.scalar(2.0, x), rhs=x)


def log1p(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``log(1 + x)`` accurate for tiny ``x``.

    ``log(u) * x / (u - 1)`` with ``u = 1 + x`` cancels the rounding of ``1 + x`` (Goldberg's
    method); where ``u`` rounds to 1 the answer is ``x`` itself.
    """
    x = to_float(ctx, tensor)
    one = ctx.scalar(ONE, x)
    u = elementwise(ctx, op=ew(ctx, "SUM"), lhs=x, rhs=one)
    d = elementwise(ctx, op=ew(ctx, "SUB"), lhs=u, rhs=one)
    ratio = elementwise(ctx, op=ew(ctx, "DIV"), lhs=x, rhs=d)
    corrected = elementwise(ctx, op=ew(ctx, "PROD"), lhs=unary_layer(ctx, u, "LOG"), rhs=ratio)
    exact = elementwise(ctx, op=ew(ctx, "EQUAL"), lhs=d, rhs=ctx.scalar(0.0, x))
    return select(ctx, condition=exact, then=x, other=corrected)


def expm1(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``exp(x) - 1`` accurate for small ``x``.

    For ``|x| < 1``: ``(u - 1) * x / log(u)`` with ``u = exp(x)`` (Kahan's method), and ``x`` where
    ``u`` rounds to 1; elsewhere ``u - 1`` loses nothing (and stays right for infinities).
    """
    x = to_float(ctx, tensor)
    one = ctx.scalar(ONE, x)
    u = unary_layer(ctx, x, "EXP")
    um1 = elementwise(ctx, op=ew(ctx, "SUB"), lhs=u, rhs=one)
    ratio = elementwise(ctx, op=ew(ctx, "DIV"), lhs=x, rhs=unary_layer(ctx, u, "LOG"))
    corrected = elementwise(ctx, op=ew(ctx, "PROD"), lhs=um1, rhs=ratio)
    small = elementwise(ctx, op=ew(ctx, "LESS"), lhs=unary_layer(ctx, x, "ABS"), rhs=one)
    exact = elementwise(ctx, op=ew(ctx, "EQUAL"), lhs=um1, rhs=ctx.scalar(0.0, x))
    near = select(ctx, condition=exact, then=x, other=corrected)
    return select(ctx, condition=small, then=near, other=um1)


def erfc(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``1 - erf(x)``: right to float32's absolute precision (not relative: it reaches 0 near x = 4)."""
    erf = float_unary(ctx, tensor=tensor, op="ERF")
    return elementwise(ctx, op=ew(ctx, "SUB"), lhs=ctx.scalar(ONE, erf), rhs=erf)


def predicate(ctx: ConversionContext, *, tensor: Any, op: str) -> Any:
    """ISNAN or ISINF as a bool tensor; integers are never NaN or infinite."""
    tensor = to_float(ctx, tensor)  # on an int tensor both are all-false, as after a cast to float
    return unary_layer(ctx, tensor, op)


def logical_not(ctx: ConversionContext, *, tensor: Any) -> Any:
    """``tensor == 0`` as bool (NOT for a bool tensor)."""
    if ctx.dtype_of(tensor) != torch.bool:
        tensor = ctx.cast(tensor, torch.bool)  # cast to bool is "!= 0", NaN included
    return unary_layer(ctx, tensor, "NOT")
