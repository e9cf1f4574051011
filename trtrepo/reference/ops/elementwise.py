"""ELEMENTWISE and SELECT: binary/ternary ops with TensorRT's same-rank broadcasting.

Broadcasting: the inputs must have equal rank and, per dimension, equal lengths or a length of 1
(which broadcasts). Integer DIV truncates toward zero (C semantics, what a GPU integer divide does;
the documentation only says "divide"), FLOOR_DIV rounds toward negative infinity; integer division
by zero is reported as an error rather than given a made-up value. AND/OR/XOR take bool;
EQUAL/GREATER/LESS output bool (EQUAL also accepts bool inputs, as TensorRT's builder does).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from trtrepo.reference.dtypes import INTEGER, compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register

Binary = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

ARITHMETIC: dict[str, Binary] = {
    "SUM": torch.add,
    "PROD": torch.mul,
    "MAX": torch.maximum,
    "MIN": torch.minimum,
    "SUB": torch.sub,
}
LOGICAL: dict[str, Binary] = {
    "AND": torch.logical_and,
    "OR": torch.logical_or,
    "XOR": torch.logical_xor,
}
COMPARISON: dict[str, Binary] = {
    "EQUAL": torch.eq,
    "GREATER": torch.gt,
    "LESS": torch.lt,
}


def check_broadcast(ctx: LayerContext, tensors: list[torch.Tensor]) -> list[int]:
    """The broadcast shape of same-rank tensors, or an error naming the layer."""
    ranks = {t.dim() for t in tensors}
    if len(ranks) != 1:
        raise ctx.fail(f"inputs must have equal rank, got {[describe(t) for t in tensors]}")
    shape = []
    for sizes in zip(*(t.shape for t in tensors), strict=True):
        others = {s for s in sizes if s != 1}
        if len(others) > 1:
            raise ctx.fail(f"inputs are not broadcastable: {[describe(t) for t in tensors]}")
        shape.append(others.pop() if others else 1)
    return shape


@register("ELEMENTWISE", "IElementWiseLayer")
def elementwise(ctx: LayerContext) -> list[torch.Tensor]:
    """Apply the layer's binary operation with broadcasting."""
    op = ctx.layer.op.name
    a, b = ctx.input(0), ctx.input(1)
    if a.dtype != b.dtype:
        raise ctx.fail(f"{op} needs inputs of one type, got {describe(a)} and {describe(b)}")
    check_broadcast(ctx, [a, b])
    if op in LOGICAL:
        if a.dtype != torch.bool:
            raise ctx.fail(f"{op} needs bool inputs, got {describe(a)}")
        return [LOGICAL[op](a, b)]
    if a.dtype == torch.bool and op != "EQUAL":  # TensorRT's builder accepts EQUAL, and only it, on bool
        raise ctx.fail(f"{op} is not defined on bool inputs")
    if op in COMPARISON:
        return [COMPARISON[op](compute(a), compute(b))]
    if is_floating(a):
        return [store(_float_op(ctx, op, compute(a), compute(b)), a.dtype)]
    return [_int_op(ctx, op, a, b).contiguous()]


def _float_op(ctx: LayerContext, op: str, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if op in ARITHMETIC:
        return ARITHMETIC[op](a, b)
    if op == "DIV":
        return a / b
    if op == "FLOOR_DIV":
        return torch.floor(a / b)
    if op == "POW":
        return torch.pow(a, b)
    raise ctx.unsupported(f"elementwise operation {op} is not implemented")


def _int_op(ctx: LayerContext, op: str, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    if a.dtype not in INTEGER:
        raise ctx.fail(f"{op} on {describe(a)} is not supported")
    if op in ARITHMETIC:
        return ARITHMETIC[op](a, b)
    if op in ("DIV", "FLOOR_DIV"):
        if bool((b == 0).any()):
            raise ctx.fail(f"integer {op} by zero")
        return torch.div(a, b, rounding_mode="trunc" if op == "DIV" else "floor")
    if op == "POW":
        if bool((b < 0).any()):
            raise ctx.fail("integer POW with a negative exponent is not supported")
        return torch.pow(a, b)
    raise ctx.unsupported(f"elementwise operation {op} is not implemented")


@register("SELECT", "ISelectLayer")
def select(ctx: LayerContext) -> list[torch.Tensor]:
    """``condition ? then : else`` elementwise, with same-rank broadcasting."""
    condition, then, other = ctx.input(0), ctx.input(1), ctx.input(2)
    if condition.dtype != torch.bool:
        raise ctx.fail(f"the condition must be bool, got {describe(condition)}")
    if then.dtype != other.dtype:
        raise ctx.fail(f"then/else must have one type, got {describe(then)} and {describe(other)}")
    check_broadcast(ctx, [condition, then, other])
    return [torch.where(condition, then, other).contiguous()]
