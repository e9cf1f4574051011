"""UNARY: one function per ``UnaryOperation``.

Per NvInfer.h: NOT takes bool; SIGN and ABS take floating-point or integer inputs (NEG is accepted
on integers too, as the operators page lists it); ISINF/ISNAN output bool; ROUND rounds half to
even; every other operation takes floating-point input and is computed in float32.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from trtrepo.reference.dtypes import INTEGER, compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register

FLOAT_OPS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "EXP": torch.exp,
    "LOG": torch.log,
    "SQRT": torch.sqrt,
    "RECIP": torch.reciprocal,
    "ABS": torch.abs,
    "NEG": torch.neg,
    "SIN": torch.sin,
    "COS": torch.cos,
    "TAN": torch.tan,
    "SINH": torch.sinh,
    "COSH": torch.cosh,
    "ASIN": torch.asin,
    "ACOS": torch.acos,
    "ATAN": torch.atan,
    "ASINH": torch.asinh,
    "ACOSH": torch.acosh,
    "ATANH": torch.atanh,
    "CEIL": torch.ceil,
    "FLOOR": torch.floor,
    "ERF": torch.erf,
    "SIGN": torch.sign,
    "ROUND": torch.round,  # round half to even
}
INT_OPS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "ABS": torch.abs,
    "NEG": torch.neg,
    "SIGN": torch.sign,
}
PREDICATES: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "ISINF": torch.isinf,
    "ISNAN": torch.isnan,
}


@register("UNARY", "IUnaryLayer")
def unary(ctx: LayerContext) -> list[torch.Tensor]:
    """Apply the layer's unary operation elementwise."""
    op = ctx.layer.op.name
    x = ctx.input(0)
    if op == "NOT":
        if x.dtype != torch.bool:
            raise ctx.fail(f"NOT needs a bool input, got {describe(x)}")
        return [torch.logical_not(x)]
    if op in PREDICATES:
        if not is_floating(x):
            raise ctx.fail(f"{op} needs a floating-point input, got {describe(x)}")
        return [PREDICATES[op](x)]
    if x.dtype in INTEGER and op in INT_OPS:
        return [INT_OPS[op](x).contiguous()]
    if not is_floating(x):
        raise ctx.fail(f"unary {op} on {describe(x)} is not supported")
    fn = FLOAT_OPS.get(op)
    if fn is None:
        raise ctx.unsupported(f"unary operation {op} is not implemented")
    return [store(fn(compute(x)), x.dtype)]
