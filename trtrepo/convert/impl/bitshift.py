"""Bit shifts (``<<``, ``>>``, ``bitwise_left/right_shift``) of int32/int64 tensors, from arithmetic.

TensorRT has no shift operation. On two's complement integers a left shift by ``n`` is a product
with ``2**n`` (wrapping modulo ``2**bits`` exactly as the shift does) and an arithmetic right shift
is a floor division by ``2**n``, so both are exact, negative values included. PyTorch's rules for
amounts outside ``[0, bits)`` are kept: a left shift gives 0, a right shift the sign fill (0 or -1),
the same as a right shift by ``bits - 1``, whose divisor ``2**(bits - 1)`` int64 cannot hold.

A shift amount computed at run time gives ``2**n`` as a product over the bits of ``n`` of
``2**(2**k)`` (modulo ``2**bits``, which keeps the product exact modulo ``2**bits``).
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import elementwise, ew, operand, promote, result_dtype, select

BITS = {torch.int32: 32, torch.int64: 64}


def shift(ctx: ConversionContext, *, tensor: Any, amount: Any, left: bool) -> Any:
    """``tensor << amount`` (``left``) or ``tensor >> amount``, either operand a tensor or a Python int."""
    dtype = result_dtype(ctx, tensor, amount)
    if dtype not in BITS:
        raise TypeError(f"bit shift of {dtype} (only int32 and int64 are computed)")
    bits = BITS[dtype]
    like = tensor if ctx.is_tensor(tensor) else amount
    if isinstance(amount, int):
        a = operand(ctx, tensor, dtype, like)
        return _by_literal(ctx, a, amount, bits, left)
    a, n = promote(ctx, tensor, amount, dtype=dtype)
    zero = ctx.scalar(0, n)
    lowest = _not_less(ctx, n, zero)
    if left:
        in_range = _and(ctx, lowest, _less(ctx, n, ctx.scalar(bits, n)))
        product = _times(ctx, a, _power_of_two(ctx, n, bits))
        return select(ctx, condition=in_range, then=product, other=_times(ctx, product, zero))
    small = _and(ctx, lowest, _less(ctx, n, ctx.scalar(bits - 1, n)))
    divisor = select(ctx, condition=small, then=_power_of_two(ctx, n, bits), other=ctx.scalar(1, n))
    quotient = elementwise(ctx, op=ew(ctx, "FLOOR_DIV"), lhs=a, rhs=divisor)
    return select(ctx, condition=small, then=quotient, other=_sign_fill(ctx, a, like=quotient))


def _by_literal(ctx: ConversionContext, a: Any, n: int, bits: int, left: bool) -> Any:
    """A shift by a Python int: one product or floor division by a constant."""
    if left:
        factor = _wrapped(1 << n, bits) if 0 <= n < bits else 0
        return _times(ctx, a, ctx.scalar(factor, a))
    if 0 <= n < bits - 1:
        return elementwise(ctx, op=ew(ctx, "FLOOR_DIV"), lhs=a, rhs=ctx.scalar(1 << n, a))
    return _sign_fill(ctx, a, like=a)


def _power_of_two(ctx: ConversionContext, n: Any, bits: int) -> Any:
    """``2**n`` modulo ``2**bits`` (as a signed value) for ``0 <= n < bits``, from the bits of ``n``."""
    factor = ctx.scalar(1, n)
    for k in range(bits.bit_length() - 1):  # 5 bits of n for int32, 6 for int64
        high = elementwise(ctx, op=ew(ctx, "FLOOR_DIV"), lhs=n, rhs=ctx.scalar(1 << k, n))
        higher = elementwise(ctx, op=ew(ctx, "FLOOR_DIV"), lhs=n, rhs=ctx.scalar(1 << (k + 1), n))
        bit = elementwise(ctx, op=ew(ctx, "SUB"), lhs=high, rhs=_times(ctx, higher, ctx.scalar(2, n)))
        step = select(ctx, condition=elementwise(ctx, op=ew(ctx, "EQUAL"), lhs=bit, rhs=ctx.scalar(1, n)),
                      then=ctx.scalar(_wrapped(1 << (1 << k), bits), n), other=ctx.scalar(1, n))
        factor = _times(ctx, factor, step)
    return factor


def _wrapped(value: int, bits: int) -> int:
    """``value`` modulo ``2**bits`` as a two's complement signed integer."""
    value %= 1 << bits
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _sign_fill(ctx: ConversionContext, a: Any, like: Any) -> Any:
    """-1 where ``a`` is negative, else 0 (a right shift by ``bits - 1`` or more)."""
    negative = _less(ctx, a, ctx.scalar(0, a))
    zero = _times(ctx, like, ctx.scalar(0, like))
    return select(ctx, condition=negative, then=elementwise(ctx, op=ew(ctx, "SUB"), lhs=zero, rhs=ctx.scalar(1, zero)),
                  other=zero)


def _times(ctx: ConversionContext, a: Any, b: Any) -> Any:
    return elementwise(ctx, op=ew(ctx, "PROD"), lhs=a, rhs=b)


def _less(ctx: ConversionContext, a: Any, b: Any) -> Any:
    return elementwise(ctx, op=ew(ctx, "LESS"), lhs=a, rhs=b)


def _not_less(ctx: ConversionContext, a: Any, b: Any) -> Any:
    return ctx.network.add_unary(_less(ctx, a, b), ctx.trt.UnaryOperation.NOT).get_output(0)


def _and(ctx: ConversionContext, a: Any, b: Any) -> Any:
    return ctx.network.add_elementwise(a, b, ew(ctx, "AND")).get_output(0)
