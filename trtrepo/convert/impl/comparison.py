"""Comparisons, logic and selection: the ops that make or consume bool tensors."""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import (
    broadcast_all,
    elementwise,
    ew,
    operand,
    promote,
    select,
)
from trtrepo.convert.impl.unary import unary_layer

# PyTorch's comparison -> (TensorRT operation, negate the result)
_COMPARISONS = {"eq": ("EQUAL", False), "ne": ("EQUAL", True), "lt": ("LESS", False), "gt": ("GREATER", False)}


def compare(ctx: ConversionContext, *, op: str, lhs: Any, rhs: Any) -> Any:
    """``eq ne lt le gt ge`` as a bool tensor, comparing in the promoted type (NaN is unordered)."""
    a, b = promote(ctx, lhs, rhs)
    if op in _COMPARISONS:
        name, negate = _COMPARISONS[op]
        out = elementwise(ctx, op=ew(ctx, name), lhs=a, rhs=b)
        return unary_layer(ctx, out, "NOT") if negate else out
    if op not in ("le", "ge"):
        raise ValueError(f"unknown comparison {op!r}")
    # "lt or eq" rather than "not gt", which would call NaN <= x true.
    strict = elementwise(ctx, op=ew(ctx, "LESS" if op == "le" else "GREATER"), lhs=a, rhs=b)
    equal = elementwise(ctx, op=ew(ctx, "EQUAL"), lhs=a, rhs=b)
    return ctx.network.add_elementwise(strict, equal, ew(ctx, "OR")).get_output(0)


def logical(ctx: ConversionContext, *, op: str, lhs: Any, rhs: Any) -> Any:
    """``logical_and/or/xor`` (also ``bitwise_*`` on bools): operands are truth values (``!= 0``)."""
    like = lhs if ctx.is_tensor(lhs) else rhs
    a, b = broadcast_all(ctx, operand(ctx, lhs, torch.bool, like), operand(ctx, rhs, torch.bool, like))
    return ctx.network.add_elementwise(a, b, ew(ctx, op.upper())).get_output(0)


def where(ctx: ConversionContext, *, condition: Any, then: Any, other: Any) -> Any:
    """``torch.where(condition, then, other)``: values promoted together, all three broadcast."""
    condition = ctx.cast(condition, torch.bool)
    a, b = promote(ctx, then, other, like=condition)
    return select(ctx, condition=condition, then=a, other=b)


def masked_fill(ctx: ConversionContext, *, tensor: Any, mask: Any, value: Any) -> Any:
    """``tensor.masked_fill(mask, value)``: the fill value takes the tensor's dtype (no promotion)."""
    dtype = ctx.dtype_of(tensor)
    fill = operand(ctx, value, dtype, tensor)
    return select(ctx, condition=ctx.cast(mask, torch.bool), then=fill, other=tensor)
