"""Elementwise arithmetic converters (tensor-tensor and tensor-scalar)."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import add, binary
from trtrepo.convert.registry import converter


@converter(aten.add.Tensor, aten.add.Scalar)
def add_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return add(ctx, lhs=args[0], rhs=args[1], alpha=kwargs.get("alpha", 1))


@converter(aten.sub.Tensor, aten.sub.Scalar)
def sub(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return add(ctx, lhs=args[0], rhs=args[1], alpha=kwargs.get("alpha", 1), subtract=True)


@converter(aten.mul.Tensor, aten.mul.Scalar)
def mul(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return binary(ctx, op=ctx.trt.ElementWiseOperation.PROD, lhs=args[0], rhs=args[1])
