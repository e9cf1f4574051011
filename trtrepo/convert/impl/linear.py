"""Matrix products: mm, addmm and linear on TensorRT's matrix-multiply layer."""

from __future__ import annotations

from typing import Any

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import binary
from trtrepo.convert.impl.shape import broadcast_ranks


def matmul(ctx: ConversionContext, *, lhs: Any, rhs: Any,
           transpose_lhs: bool = False, transpose_rhs: bool = False) -> Any:
    """``lhs @ rhs`` on matrices (batch dims broadcast after rank alignment)."""
    ops = ctx.trt.MatrixOperation
    lhs, rhs = broadcast_ranks(ctx, ctx.as_tensor(lhs), ctx.as_tensor(rhs))
    layer = ctx.network.add_matrix_multiply(
        lhs, ops.TRANSPOSE if transpose_lhs else ops.NONE, rhs, ops.TRANSPOSE if transpose_rhs else ops.NONE
    )
    return layer.get_output(0)


def addmm(ctx: ConversionContext, *, bias: Any, lhs: Any, rhs: Any, beta: float = 1, alpha: float = 1) -> Any:
    """``beta * bias + alpha * (lhs @ rhs)``."""
    ew = ctx.trt.ElementWiseOperation
    product = matmul(ctx, lhs=lhs, rhs=rhs)
    if alpha != 1:
        product = binary(ctx, op=ew.PROD, lhs=product, rhs=alpha)
    if beta == 0:
        return product
    if beta != 1:
        bias = binary(ctx, op=ew.PROD, lhs=ctx.as_tensor(bias), rhs=beta)
    return binary(ctx, op=ew.SUM, lhs=product, rhs=bias)


def linear(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any | None) -> Any:
    """``tensor @ weight.T + bias`` with the transpose done by the matrix-multiply layer."""
    out = matmul(ctx, lhs=tensor, rhs=weight, transpose_rhs=True)
    if bias is None:
        return out
    return binary(ctx, op=ctx.trt.ElementWiseOperation.SUM, lhs=out, rhs=bias)
