"""Matrix-product converters: mm, bmm, matmul (kept whole), mv, dot, linear, addmm/baddbmm/addmv, einsum."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.linear import addmm, einsum, linear, matmul
from trtrepo.convert.ops.reduce import float_result
from trtrepo.convert.registry import Validator, arg, converter
from trtrepo.convert.validators import input_rank_in

FLOAT_ONLY = (float_result(),)


@converter(aten.mm.default, aten.bmm.default, aten.matmul.default, aten.mv.default, aten.dot.default,
           validators=FLOAT_ONLY)
def mm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return matmul(ctx, lhs=args[0], rhs=args[1])


@converter(aten.addmm.default, aten.baddbmm.default, aten.addmv.default, validators=FLOAT_ONLY)
def addmm_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return addmm(ctx, bias=args[0], lhs=args[1], rhs=args[2],
                 beta=kwargs.get("beta", 1), alpha=kwargs.get("alpha", 1))


@converter(aten.linear.default, validators=FLOAT_ONLY + (input_rank_in(1, (2,), "linear weight"),))
def linear_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return linear(ctx, tensor=args[0], weight=args[1], bias=arg(args, kwargs, 2, "bias"))


def _einsum_supported(node: torch.fx.Node) -> bool:
    equation = str(node.args[0]).replace(" ", "")
    terms = equation.split("->")[0].split(",")
    labels = {c for c in equation if c.isalpha()}
    return ("." not in equation and len(labels) <= 26
            and all(len(set(term)) == len(term) for term in terms))


EINSUM_FORM = Validator("an einsum equation with an ellipsis, a repeated label in one operand (a diagonal) "
                        "or more than 26 labels", _einsum_supported)


@converter(aten.einsum.default, validators=FLOAT_ONLY + (EINSUM_FORM,))
def einsum_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return einsum(ctx, equation=args[0], operands=list(args[1]))
