"""Arithmetic on symbolic sizes (SymInt nodes torch.export leaves as Python operators).

``x.view(x.size(0) * 3, -1)`` traces to ``operator.mul(sym_size(x, 0), 3)``; the result feeds shape
arguments of view/expand/arange/full. Sizes arrive as ints or one-element int64 tensors.
"""

from __future__ import annotations

import operator
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import symbolic
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_value

_OPS = {
    operator.add: "add",
    operator.sub: "sub",
    operator.mul: "mul",
    operator.floordiv: "floordiv",
    operator.mod: "mod",
}


INTEGER_RESULT = Validator(
    "arithmetic on non-integer symbolic values (SymFloat/SymBool)",
    lambda node: isinstance(fake_value(node), (int, torch.SymInt)),
)


@converter(*_OPS, validators=(INTEGER_RESULT,))
def sym_arith(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    # A Python operator has no ATen schema: its two operands always arrive positionally.
    return symbolic.int_op(ctx, _OPS[target], args[0], args[1])
