"""Division, remainders and powers with PyTorch's rounding and integer semantics.

TensorRT documents FLOOR_DIV as ``floor(a / b)`` but not how integer DIV rounds, so integer
quotients are built from FLOOR_DIV only. TensorRT has no modulo; POW is documented for floating
point only, so integer powers are exact repeated products (or a rounded float power).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import elementwise, ew, promote, result_dtype, select
from trtrepo.convert.impl.unary import trunc, unary_layer

ROUNDING_MODES = (None, "trunc", "floor")


def divide(ctx: ConversionContext, *, lhs: Any, rhs: Any, rounding_mode: str | None = None) -> Any:
    """``aten.div``: true division (always float), or rounded toward zero or down.

    Integer operands divide exactly in integers for ``trunc`` and ``floor`` (C and Python
    integer division), and in the default float type for true division, as in PyTorch.
    """
    if rounding_mode not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding_mode {rounding_mode!r}")
    dtype = result_dtype(ctx, lhs, rhs)
    if rounding_mode is None and not dtype.is_floating_point:
        dtype = ctx.float_dtype  # PyTorch's default float, under the precision policy
    a, b = promote(ctx, lhs, rhs, dtype=dtype)
    if rounding_mode is None:
        return elementwise(ctx, op=ew(ctx, "DIV"), lhs=a, rhs=b)
    if rounding_mode == "floor":
        return elementwise(ctx, op=ew(ctx, "FLOOR_DIV"), lhs=a, rhs=b)
    if dtype.is_floating_point:
        return trunc(ctx, tensor=elementwise(ctx, op=ew(ctx, "DIV"), lhs=a, rhs=b))
    return _trunc_div_int(ctx, a, b)


def _trunc_div_int(ctx: ConversionContext, a: Any, b: Any) -> Any:
    """``sign(a) * sign(b) * (|a| // |b|)``: C integer division from documented FLOOR_DIV."""
    quotient = elementwise(ctx, op=ew(ctx, "FLOOR_DIV"), lhs=unary_layer(ctx, a, "ABS"), rhs=unary_layer(ctx, b, "ABS"))
    sign = elementwise(ctx, op=ew(ctx, "PROD"), lhs=unary_layer(ctx, a, "SIGN"), rhs=unary_layer(ctx, b, "SIGN"))
    return elementwise(ctx, op=ew(ctx, "PROD"), lhs=quotient, rhs=sign)


def remainder(ctx: ConversionContext, *, lhs: Any, rhs: Any) -> Any:
    """Python's ``a % b``: ``a - floor(a / b) * b``, with the sign of the divisor.

    Exact for integers. For floats PyTorch computes an exact ``fmod``; without a fused multiply-add
    ``floor(a / b) * b`` can round onto ``a`` itself when ``a`` is within rounding of a multiple of
    ``b`` that ``b`` cannot represent (``7 % 0.7``): there the result is 0 where PyTorch's is a hair
    below ``b`` -- the two sides of the same discontinuity.
    """
    a, b = promote(ctx, lhs, rhs)
    return _floor_remainder(ctx, a, b)


def _floor_remainder(ctx: ConversionContext, a: Any, b: Any) -> Any:
    quotient = elementwise(ctx, op=ew(ctx, "FLOOR_DIV"), lhs=a, rhs=b)
    rem = elementwise(ctx, op=ew(ctx, "SUB"), lhs=a, rhs=elementwise(ctx, op=ew(ctx, "PROD"), lhs=quotient, rhs=b))
    if not ctx.dtype_of(a).is_floating_point:
        return rem
    # A float a / b just below an integer can round up to it: the remainder then comes out with
    # the wrong sign, a hair below zero, where PyTorch's exact fmod-based answer is a hair below b.
    zero = ctx.scalar(0, rem)
    nonzero = _not(ctx, elementwise(ctx, op=ew(ctx, "EQUAL"), lhs=rem, rhs=zero))
    flipped = ctx.network.add_elementwise(elementwise(ctx, op=ew(ctx, "LESS"), lhs=rem, rhs=zero),
                                          elementwise(ctx, op=ew(ctx, "LESS"), lhs=b, rhs=zero),
                                          ew(ctx, "XOR")).get_output(0)
    wrong = ctx.network.add_elementwise(nonzero, flipped, ew(ctx, "AND")).get_output(0)
    return select(ctx, condition=wrong, then=elementwise(ctx, op=ew(ctx, "SUM"), lhs=rem, rhs=b), other=rem)


def fmod(ctx: ConversionContext, *, lhs: Any, rhs: Any) -> Any:
    """C's ``fmod(a, b)``: the remainder of truncated division, with the sign of the dividend.

    Computed as ``sign(a) * (|a| % |b|)``, which reuses the exact floor remainder.
    """
    a, b = promote(ctx, lhs, rhs)
    magnitude = _floor_remainder(ctx, unary_layer(ctx, a, "ABS"), unary_layer(ctx, b, "ABS"))
    return elementwise(ctx, op=ew(ctx, "PROD"), lhs=magnitude, rhs=unary_layer(ctx, a, "SIGN"))


def power(ctx: ConversionContext, *, base: Any, exponent: Any) -> Any:
    """``base ** exponent`` with PyTorch's result type.

    A float tensor to a Python exponent PyTorch special-cases (2, 3, 0.5, -0.5, -1, -2) is computed
    the way PyTorch computes it (products, square roots, reciprocals); an integer tensor to a
    non-negative integer is exact repeated squaring; any other integer power is a float power
    rounded back, exact while the result fits the float's 24-bit mantissa.
    """
    dtype = result_dtype(ctx, base, exponent)
    if ctx.is_tensor(base) and isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        x = ctx.cast(base, dtype)
        if dtype.is_floating_point and float(exponent) in _FLOAT_SPECIAL:
            return _FLOAT_SPECIAL[float(exponent)](ctx, x)
        if not dtype.is_floating_point and isinstance(exponent, int) and exponent >= 0:
            return _integer_power(ctx, x, exponent)
    a, b = promote(ctx, base, exponent, dtype=dtype)
    if dtype.is_floating_point:
        return elementwise(ctx, op=ew(ctx, "POW"), lhs=a, rhs=b)
    floats = [ctx.cast(t, torch.float32) for t in (a, b)]  # float32 even in fp16 networks: integers exact to 2**24
    value = elementwise(ctx, op=ew(ctx, "POW"), lhs=floats[0], rhs=floats[1])
    return ctx.cast(unary_layer(ctx, value, "ROUND"), dtype)


def _integer_power(ctx: ConversionContext, x: Any, exponent: int) -> Any:
    """``x ** exponent`` by repeated squaring (wraps on overflow exactly like PyTorch's integers)."""
    prod = ew(ctx, "PROD")
    if exponent == 0:
        return elementwise(ctx, op=ew(ctx, "SUM"), lhs=elementwise(ctx, op=prod, lhs=x, rhs=ctx.scalar(0, x)),
                           rhs=ctx.scalar(1, x))
    result, square = None, x
    while exponent:
        if exponent & 1:
            result = square if result is None else elementwise(ctx, op=prod, lhs=result, rhs=square)
        exponent >>= 1
        if exponent:
            square = elementwise(ctx, op=prod, lhs=square, rhs=square)
    return result


def _square(ctx: ConversionContext, x: Any) -> Any:
    return elementwise(ctx, op=ew(ctx, "PROD"), lhs=x, rhs=x)


def _cube(ctx: ConversionContext, x: Any) -> Any:
    return elementwise(ctx, op=ew(ctx, "PROD"), lhs=_square(ctx, x), rhs=x)


_FLOAT_SPECIAL = {
    1.0: lambda ctx, x: x,
    2.0: _square,
    3.0: _cube,
    0.5: lambda ctx, x: unary_layer(ctx, x, "SQRT"),
    -0.5: lambda ctx, x: unary_layer(ctx, unary_layer(ctx, x, "SQRT"), "RECIP"),
    -1.0: lambda ctx, x: unary_layer(ctx, x, "RECIP"),
    -2.0: lambda ctx, x: unary_layer(ctx, _square(ctx, x), "RECIP"),
}


def _not(ctx: ConversionContext, tensor: Any) -> Any:
    return unary_layer(ctx, tensor, "NOT")


def _float_operands(ctx: ConversionContext, lhs: Any, rhs: Any) -> tuple[Any, Any]:
    """Both operands promoted, integers then to the node's float type (ops with float results)."""
    dtype = result_dtype(ctx, lhs, rhs)
    return promote(ctx, lhs, rhs, dtype=dtype if dtype.is_floating_point else ctx.float_dtype)


def atan2(ctx: ConversionContext, *, lhs: Any, rhs: Any) -> Any:
    """``atan2(y, x)``: ``atan(y / x)`` moved by pi into the left half plane, 0 at the origin.

    Signed zeros and two infinite operands are not distinguished (PyTorch returns +-pi or +-pi/4 there).
    """
    y, x = _float_operands(ctx, lhs, rhs)
    zero = ctx.scalar(0.0, y)
    base = unary_layer(ctx, elementwise(ctx, op=ew(ctx, "DIV"), lhs=y, rhs=x), "ATAN")  # x == 0: atan(+-inf)
    half_turn = select(ctx, condition=elementwise(ctx, op=ew(ctx, "LESS"), lhs=y, rhs=zero),
                       then=ctx.scalar(-math.pi, y), other=ctx.scalar(math.pi, y))
    left = elementwise(ctx, op=ew(ctx, "LESS"), lhs=x, rhs=zero)
    angle = select(ctx, condition=left, then=elementwise(ctx, op=ew(ctx, "SUM"), lhs=base, rhs=half_turn), other=base)
    origin = ctx.network.add_elementwise(elementwise(ctx, op=ew(ctx, "EQUAL"), lhs=x, rhs=zero),
                                         elementwise(ctx, op=ew(ctx, "EQUAL"), lhs=y, rhs=zero),
                                         ew(ctx, "AND")).get_output(0)
    return select(ctx, condition=origin, then=zero, other=angle)  # 0 / 0 is NaN; atan2(0, 0) is 0


def copysign(ctx: ConversionContext, *, lhs: Any, rhs: Any) -> Any:
    """``|a|`` with the sign of ``b`` (a negative zero ``b`` counts as positive: no sign-bit test)."""
    a, b = _float_operands(ctx, lhs, rhs)
    magnitude = unary_layer(ctx, a, "ABS")
    negative = elementwise(ctx, op=ew(ctx, "LESS"), lhs=b, rhs=ctx.scalar(0.0, b))
    return select(ctx, condition=negative, then=unary_layer(ctx, magnitude, "NEG"), other=magnitude)
