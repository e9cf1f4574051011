"""Arithmetic, comparisons and logic on values that may be symbolic (SymInt, SymFloat, SymBool).

torch.export keeps a size that depends on a dynamic dim as a SymInt, and what the model computes
from it as SymInts, SymFloats (``x.shape[1] / 2``, ``torch.sym_float``) and SymBools
(``x.shape[1] > 5``). Our interpreter carries each as a one-element tensor: int64 for a SymInt
(from ``sym_size``), float32 for a SymFloat, bool for a SymBool. Operations on Python numbers stay
Python numbers, so a static value never becomes a layer; as soon as one operand is a tensor the
result is computed by elementwise layers at run time, with Python's meaning of each operation
(floor semantics for ``//`` and ``%``, true division to a float, ints meeting floats become floats).

TensorRT has no float64: a SymFloat is computed in float32 where Python uses a double. Sizes and
their ratios to small constants are exact in both; a trunc/floor/ceil whose exact argument lies
within float32 rounding (about 1e-7 relative) of an integer can come out one different.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import as_1d_int64

# Python's own meaning of each operation, used when both operands are Python numbers.
_PYTHON: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "max": max, "min": min,
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le, "gt": operator.gt,
    "ge": operator.ge, "and": operator.and_, "or": operator.or_,
}
_TRT = {"add": "SUM", "sub": "SUB", "mul": "PROD", "truediv": "DIV", "floordiv": "FLOOR_DIV", "pow": "POW",
        "max": "MAX", "min": "MIN", "eq": "EQUAL", "lt": "LESS", "gt": "GREATER", "and": "AND", "or": "OR"}
COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge")
_ROUND: dict[str, Callable[[float], int]] = {"trunc": math.trunc, "floor": math.floor, "ceil": math.ceil}


def is_static(value: Any) -> bool:
    """True for a size known at build time (a Python int)."""
    return isinstance(value, int)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, bool))


def size_value(ctx: ConversionContext, value: Any) -> Any:
    """A size as a one-element int64 tensor (ints become constants)."""
    if ctx.is_tensor(value):
        return as_1d_int64(ctx, value)
    return ctx.constant(torch.tensor([int(value)], dtype=torch.int64))


def number(ctx: ConversionContext, value: Any, dtype: torch.dtype) -> Any:
    """A number (Python or a one-element tensor) as a one-element 1-D tensor of ``dtype``."""
    if not ctx.is_tensor(value):
        return ctx.constant(torch.tensor([value], dtype=dtype), dtype=dtype)
    value = ctx.cast(value, dtype)
    if len(value.shape) == 1:
        return value
    layer = ctx.network.add_shuffle(value)
    layer.reshape_dims = (1,)
    return layer.get_output(0)


def _is_float(ctx: ConversionContext, value: Any) -> bool:
    return isinstance(value, float) or (ctx.is_tensor(value) and ctx.dtype_of(value).is_floating_point)


def _promoted(ctx: ConversionContext, *values: Any) -> torch.dtype:
    """Python's promotion: float (carried as float32) if any operand is one, else int (bools count as ints)."""
    return torch.float32 if any(_is_float(ctx, v) for v in values) else torch.int64


def _layer(ctx: ConversionContext, op: str, lhs: Any, rhs: Any) -> Any:
    operation = getattr(ctx.trt.ElementWiseOperation, op)
    return ctx.network.add_elementwise(lhs, rhs, operation).get_output(0)


def int_op(ctx: ConversionContext, op: str, lhs: Any, rhs: Any) -> Any:
    """``lhs <op> rhs`` on sizes: an int when both are ints, else a one-element int64 tensor.

    ``op`` is one of add, sub, mul, floordiv, mod, max, min.
    """
    if is_static(lhs) and is_static(rhs):
        return int(_PYTHON[op](lhs, rhs))
    return arithmetic(ctx, op, size_value(ctx, lhs), size_value(ctx, rhs))


def arithmetic(ctx: ConversionContext, op: str, lhs: Any, rhs: Any) -> Any:
    """``lhs <op> rhs`` with Python's meaning, for ``op`` in add, sub, mul, truediv, floordiv, mod, pow, max, min.

    The result is an int or float tensor by Python's promotion (``truediv`` always a float; an int
    to a negative static int power too).
    """
    if _is_number(lhs) and _is_number(rhs):
        return _PYTHON[op](lhs, rhs)
    dtype = torch.float32 if op == "truediv" else _promoted(ctx, lhs, rhs)
    if op == "pow" and dtype == torch.int64:
        return _int_power(ctx, lhs, rhs)
    a, b = number(ctx, lhs, dtype), number(ctx, rhs, dtype)
    if op == "mod":  # no elementwise modulo in TensorRT: a - (a // b) * b, floor-based like Python
        return _layer(ctx, "SUB", a, _layer(ctx, "PROD", _layer(ctx, "FLOOR_DIV", a, b), b))
    return _layer(ctx, _TRT[op], a, b)


def _int_power(ctx: ConversionContext, base: Any, exponent: Any) -> Any:
    """``int ** int``: exact repeated products for a static exponent >= 0 (Python gives a float below 0).

    A run-time exponent goes through a float32 power rounded back: exact while the result is below 2**24.
    """
    if isinstance(exponent, int) and exponent >= 0:
        result = number(ctx, 1, torch.int64)
        for _ in range(exponent):
            result = _layer(ctx, "PROD", result, number(ctx, base, torch.int64))
        return result
    if isinstance(exponent, int):
        return _layer(ctx, "POW", number(ctx, base, torch.float32), number(ctx, exponent, torch.float32))
    value = _layer(ctx, "POW", number(ctx, base, torch.float32), number(ctx, exponent, torch.float32))
    return ctx.cast(ctx.network.add_unary(value, ctx.trt.UnaryOperation.ROUND).get_output(0), torch.int64)


def compare(ctx: ConversionContext, op: str, lhs: Any, rhs: Any) -> Any:
    """``lhs <op> rhs`` for ``op`` in eq, ne, lt, le, gt, ge: a bool, or a one-element bool tensor."""
    if _is_number(lhs) and _is_number(rhs):
        return _PYTHON[op](lhs, rhs)
    dtype = _promoted(ctx, lhs, rhs)
    a, b = number(ctx, lhs, dtype), number(ctx, rhs, dtype)
    if op in ("le", "ge"):
        strict = _layer(ctx, "LESS" if op == "le" else "GREATER", a, b)
        return _layer(ctx, "OR", strict, _layer(ctx, "EQUAL", a, b))
    if op == "ne":
        return logical_not(ctx, _layer(ctx, "EQUAL", a, b))
    return _layer(ctx, _TRT[op], a, b)


def logical(ctx: ConversionContext, op: str, lhs: Any, rhs: Any) -> Any:
    """``lhs & rhs`` / ``lhs | rhs`` on SymBools (``op`` and, or)."""
    if _is_number(lhs) and _is_number(rhs):
        return _PYTHON[op](lhs, rhs)
    return _layer(ctx, _TRT[op], number(ctx, lhs, torch.bool), number(ctx, rhs, torch.bool))


def logical_not(ctx: ConversionContext, value: Any) -> Any:
    """``torch.sym_not``: the negation of a SymBool."""
    if _is_number(value):
        return not value
    return ctx.network.add_unary(number(ctx, value, torch.bool), ctx.trt.UnaryOperation.NOT).get_output(0)


def negate(ctx: ConversionContext, value: Any) -> Any:
    """``-value`` for a SymInt or SymFloat (``0 - value``: the type's own arithmetic)."""
    if _is_number(value):
        return -value
    return arithmetic(ctx, "sub", 0.0 if _is_float(ctx, value) else 0, value)


def to_float(ctx: ConversionContext, value: Any) -> Any:
    """``torch.sym_float``: a SymInt (or SymBool) as a SymFloat."""
    if _is_number(value):
        return float(value)
    return number(ctx, value, torch.float32)


def to_int(ctx: ConversionContext, op: str, value: Any) -> Any:
    """``math.trunc`` / ``math.floor`` / ``math.ceil`` (``op``) of a SymFloat, as a SymInt; an int is itself."""
    if _is_number(value):
        return _ROUND[op](value)
    if not _is_float(ctx, value):
        return number(ctx, value, torch.int64)
    x = number(ctx, value, torch.float32)
    unary = ctx.trt.UnaryOperation
    if op == "trunc":
        # sign(x) * floor(|x|): a select on floats (impl.unary.trunc) in a shape computation is
        # refused by TensorRT for RTX's builder ("Fp shape input to Myelin graph is not expected").
        magnitude = ctx.network.add_unary(ctx.network.add_unary(x, unary.ABS).get_output(0), unary.FLOOR).get_output(0)
        return _layer(ctx, "PROD", ctx.cast(magnitude, torch.int64),
                      ctx.cast(ctx.network.add_unary(x, unary.SIGN).get_output(0), torch.int64))
    return ctx.cast(ctx.network.add_unary(x, getattr(unary, op.upper())).get_output(0), torch.int64)


def ceil_div(ctx: ConversionContext, lhs: Any, rhs: int) -> Any:
    """``ceil(lhs / rhs)`` for a positive int ``rhs`` (the length of a strided range)."""
    if rhs == 1:
        return lhs
    return int_op(ctx, "floordiv", int_op(ctx, "add", lhs, rhs - 1), rhs)
