"""Integer arithmetic on sizes that may be symbolic.

torch.export keeps a size that depends on a dynamic dim as a SymInt; our interpreter carries it as a
one-element int64 tensor (from ``sym_size``). Arithmetic on two Python ints stays a Python int, so a
static size never becomes a layer; as soon as one operand is a tensor the result is computed by
elementwise layers at run time, with Python's floor semantics for ``//`` and ``%``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import as_1d_int64

# Python's own meaning of each operation, used when both operands are ints.
_PYTHON: dict[str, Callable[[int, int], int]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "floordiv": lambda a, b: a // b,
    "mod": lambda a, b: a % b,
    "max": max,
    "min": min,
}
_TRT = {"add": "SUM", "sub": "SUB", "mul": "PROD", "floordiv": "FLOOR_DIV", "max": "MAX", "min": "MIN"}


def is_static(value: Any) -> bool:
    """True for a size known at build time (a Python int)."""
    return isinstance(value, int)


def size_value(ctx: ConversionContext, value: Any) -> Any:
    """A size as a one-element int64 tensor (ints become constants)."""
    if ctx.is_tensor(value):
        return as_1d_int64(ctx, value)
    return ctx.constant(torch.tensor([int(value)], dtype=torch.int64))


def int_op(ctx: ConversionContext, op: str, lhs: Any, rhs: Any) -> Any:
    """``lhs <op> rhs`` on sizes: an int when both are ints, else a one-element int64 tensor.

    ``op`` is one of add, sub, mul, floordiv, mod, max, min.
    """
    if is_static(lhs) and is_static(rhs):
        return int(_PYTHON[op](lhs, rhs))
    if op == "mod":  # no elementwise modulo in TensorRT: a - (a // b) * b, floor-based like Python
        quotient = int_op(ctx, "floordiv", lhs, rhs)
        return int_op(ctx, "sub", lhs, int_op(ctx, "mul", quotient, rhs))
    operation = getattr(ctx.trt.ElementWiseOperation, _TRT[op])
    return ctx.network.add_elementwise(size_value(ctx, lhs), size_value(ctx, rhs), operation).get_output(0)


def ceil_div(ctx: ConversionContext, lhs: Any, rhs: int) -> Any:
    """``ceil(lhs / rhs)`` for a positive int ``rhs`` (the length of a strided range)."""
    if rhs == 1:
        return lhs
    return int_op(ctx, "floordiv", int_op(ctx, "add", lhs, rhs - 1), rhs)

