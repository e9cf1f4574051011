"""Arithmetic, comparisons and logic on symbolic values (SymInt/SymFloat/SymBool nodes torch.export
leaves as Python operators and ``torch.sym_*`` / ``math`` functions).

``x.view(x.size(0) * 3, -1)`` traces to ``operator.mul(sym_size(x, 0), 3)``; ``x.shape[1] / 2`` to
``operator.truediv``; ``torch.sym_int(h * 0.5)`` to ``math.trunc(operator.mul(sym_float(h), 0.5))``;
``x.shape[1] > 5`` to ``operator.gt``. The results feed shape arguments (view, expand, arange, full,
slice) or tensor arithmetic as scalars. A Python operator has no ATen schema: its operands always
arrive positionally, and the shims read ``args`` directly.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import symbolic
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_value

ARITHMETIC = {
    operator.add: "add", operator.sub: "sub", operator.mul: "mul", operator.truediv: "truediv",
    operator.floordiv: "floordiv", operator.mod: "mod", operator.pow: "pow",
    torch.sym_max: "max", torch.sym_min: "min",
}
COMPARISONS = {getattr(operator, op): op for op in symbolic.COMPARISONS}
LOGICAL = {operator.and_: "and", operator.or_: "or"}
ROUNDINGS = {math.trunc: "trunc", math.floor: "floor", math.ceil: "ceil"}

NUMBER_RESULT = Validator(
    "a symbolic operation on tensors or other non-number values (only SymInt/SymFloat/SymBool are supported)",
    lambda node: isinstance(fake_value(node), (int, float, bool, torch.SymInt, torch.SymFloat, torch.SymBool)),
)
BOOL_RESULT = Validator(
    "bitwise and/or of symbolic integers (TensorRT has no bitwise integer operations)",
    lambda node: isinstance(fake_value(node), (bool, torch.SymBool)),
)


@converter(*ARITHMETIC, validators=(NUMBER_RESULT,))
def sym_arith(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return symbolic.arithmetic(ctx, ARITHMETIC[target], args[0], args[1])


@converter(*COMPARISONS, validators=(NUMBER_RESULT,))
def sym_compare(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return symbolic.compare(ctx, COMPARISONS[target], args[0], args[1])


@converter(*LOGICAL, validators=(BOOL_RESULT,))
def sym_logical(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return symbolic.logical(ctx, LOGICAL[target], args[0], args[1])


@converter(torch.sym_not, validators=(NUMBER_RESULT,))
def sym_not(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return symbolic.logical_not(ctx, args[0])


@converter(operator.neg, validators=(NUMBER_RESULT,))
def sym_neg(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return symbolic.negate(ctx, args[0])


@converter(torch.sym_float, validators=(NUMBER_RESULT,))
def sym_float(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return symbolic.to_float(ctx, args[0])


@converter(*ROUNDINGS, validators=(NUMBER_RESULT,))
def sym_round(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return symbolic.to_int(ctx, ROUNDINGS[target], args[0])
