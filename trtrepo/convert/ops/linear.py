"""Matrix-product converters: mm, bmm, matmul (kept whole), mv, dot, linear, addmm/baddbmm/addmv, einsum.

Each schema names its operands differently, hence one small shim per schema.
"""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import linear
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import float_result, input_rank_in

FLOAT_ONLY = (float_result(),)


@converter(aten.mm.default, aten.bmm.default, tensors=("self", "mat2"), validators=FLOAT_ONLY)
def mm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return linear.matmul(ctx, lhs=a["self"], rhs=a["mat2"])


@converter(aten.matmul.default, tensors=("self", "other"), validators=FLOAT_ONLY)
def matmul(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return linear.matmul(ctx, lhs=a["self"], rhs=a["other"])


@converter(aten.mv.default, tensors=("self", "vec"), validators=FLOAT_ONLY)
def mv(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return linear.matmul(ctx, lhs=a["self"], rhs=a["vec"])


@converter(aten.dot.default, tensors=("self", "tensor"), validators=FLOAT_ONLY)
def dot(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return linear.matmul(ctx, lhs=a["self"], rhs=a["tensor"])


# The bias (``self``) is not declared a tensor: a weight bias is added as a weight (see linear.scaled_sum).
@converter(aten.addmm.default, tensors=("mat1", "mat2"), validators=FLOAT_ONLY)
def addmm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return linear.addmm(ctx, bias=a["self"], lhs=a["mat1"], rhs=a["mat2"], beta=a["beta"], alpha=a["alpha"])


@converter(aten.baddbmm.default, tensors=("batch1", "batch2"), validators=FLOAT_ONLY)
def baddbmm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return linear.addmm(ctx, bias=a["self"], lhs=a["batch1"], rhs=a["batch2"], beta=a["beta"], alpha=a["alpha"])


@converter(aten.addmv.default, tensors=("mat", "vec"), validators=FLOAT_ONLY)
def addmv(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return linear.addmm(ctx, bias=a["self"], lhs=a["mat"], rhs=a["vec"], beta=a["beta"], alpha=a["alpha"])


# The bias is not declared a tensor either: the sum promotes a weight bias as a weight.
@converter(aten.linear.default, tensors=("input", "weight"),
           validators=FLOAT_ONLY + (input_rank_in("weight", (2,), "linear weight"),))
def linear_layer(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return linear.linear(ctx, tensor=a["input"], weight=a["weight"], bias=a["bias"])


def _einsum_supported(node: torch.fx.Node) -> bool:
    equation = str(node_args(node)["equation"]).replace(" ", "")
    terms = equation.split("->")[0].split(",")
    labels = {c for c in equation if c.isalpha()}
    return ("." not in equation and len(labels) <= 26
            and all(len(set(term)) == len(term) for term in terms))


EINSUM_FORM = Validator("an einsum equation with an ellipsis, a repeated label in one operand (a diagonal) "
                        "or more than 26 labels", _einsum_supported)


@converter(aten.einsum.default, tensors=("tensors",), validators=FLOAT_ONLY + (EINSUM_FORM,))
def einsum(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return linear.einsum(ctx, equation=a["equation"], operands=list(a["tensors"]))
