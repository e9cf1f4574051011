"""Matrix products on TensorRT's matrix-multiply layer: mm, bmm, matmul, linear, the add* forms, einsum.

``torch.matmul`` semantics map onto the layer directly: a 1-D operand is a VECTOR (its unit dim is
dropped from the result, as PyTorch drops it), a transposed operand is TRANSPOSE (so ``linear``
needs no separate transpose of its weight), and batch dims broadcast once both operands have the
same number of them, which leading unit dims provide.
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import binary
from trtrepo.convert.impl.shape import prepend_ones


def same_float_type(ctx: ConversionContext, *values: Any) -> list[Any]:
    """ITensors cast to one dtype, by PyTorch's promotion (matrix products need equal types)."""
    dtype = ctx.dtype_of(values[0])
    for tensor in values[1:]:
        dtype = torch.promote_types(dtype, ctx.dtype_of(tensor))
    return [ctx.cast(t, dtype) for t in values]


def matmul(ctx: ConversionContext, *, lhs: Any, rhs: Any,
           transpose_lhs: bool = False, transpose_rhs: bool = False) -> Any:
    """``torch.matmul(lhs, rhs)`` for any ranks >= 1, either operand optionally transposed (rank >= 2)."""
    lhs, rhs = same_float_type(ctx, lhs, rhs)
    ops = ctx.trt.MatrixOperation
    op0 = ops.VECTOR if len(lhs.shape) == 1 else ops.TRANSPOSE if transpose_lhs else ops.NONE
    op1 = ops.VECTOR if len(rhs.shape) == 1 else ops.TRANSPOSE if transpose_rhs else ops.NONE
    # batch dims are those before the matrix (2 dims) or vector (1 dim); the layer needs equally many
    batch0 = len(lhs.shape) - (1 if op0 == ops.VECTOR else 2)
    batch1 = len(rhs.shape) - (1 if op1 == ops.VECTOR else 2)
    lhs = prepend_ones(ctx, tensor=lhs, count=batch1 - batch0)
    rhs = prepend_ones(ctx, tensor=rhs, count=batch0 - batch1)
    return ctx.network.add_matrix_multiply(lhs, op0, rhs, op1).get_output(0)


def scaled_sum(ctx: ConversionContext, *, bias: Any, product: Any, beta: float = 1, alpha: float = 1) -> Any:
    """``beta * bias + alpha * product``, the tail of addmm/baddbmm/addmv.

    With ``beta == 0`` the bias is ignored entirely (NaN and inf in it do not propagate), as PyTorch
    documents.
    """
    ew = ctx.trt.ElementWiseOperation
    if alpha != 1:
        product = binary(ctx, op=ew.PROD, lhs=product, rhs=alpha)
    if beta == 0:
        return product
    if beta != 1:
        # A weight bias stays a weight for the final sum (no extra layers); scaling it by the Python
        # number beta needs one tensor operand, so only then does it become a constant.
        bias = binary(ctx, op=ew.PROD, lhs=ctx.as_tensor(bias), rhs=beta)
    return binary(ctx, op=ew.SUM, lhs=product, rhs=bias)


def addmm(ctx: ConversionContext, *, bias: Any, lhs: Any, rhs: Any, beta: float = 1, alpha: float = 1) -> Any:
    """``beta * bias + alpha * (lhs @ rhs)`` (addmm, baddbmm, addmv)."""
    return scaled_sum(ctx, bias=bias, product=matmul(ctx, lhs=lhs, rhs=rhs), beta=beta, alpha=alpha)


def linear(ctx: ConversionContext, *, tensor: Any, weight: Any, bias: Any | None) -> Any:
    """``tensor @ weight.T + bias`` with the transpose done by the matrix-multiply layer."""
    out = matmul(ctx, lhs=tensor, rhs=weight, transpose_rhs=True)
    if bias is None:
        return out
    if isinstance(bias, torch.Tensor) and bias.dim() < len(out.shape):
        # A weight bias is made a constant of the output's rank at once: no shuffle to broadcast it.
        bias = bias.reshape((1,) * (len(out.shape) - bias.dim()) + tuple(bias.shape))
    return binary(ctx, op=ctx.trt.ElementWiseOperation.SUM, lhs=out, rhs=bias)


def einsum(ctx: ConversionContext, *, equation: str, operands: list[Any]) -> Any:
    """``torch.einsum`` on the einsum layer, whose equations take lower-case labels only.

    PyTorch also accepts upper-case labels; every label is renamed to a lower-case one (an equation
    has at most 26 distinct labels once validated). The output is first made explicit (PyTorch's
    implicit output: the labels used once, upper case before lower case), so renaming cannot
    reorder it.
    """
    equation = equation.replace(" ", "")
    if "->" not in equation:
        once = sorted(c for c in set(equation) if c.isalpha() and equation.count(c) == 1)
        equation += "->" + "".join(once)
    labels = sorted({c for c in equation if c.isalpha()})
    rename = dict(zip(labels, "abcdefghijklmnopqrstuvwxyz", strict=False))
    equation = "".join(rename.get(c, c) for c in equation)
    tensors = same_float_type(ctx, *operands)
    return ctx.network.add_einsum(tensors, equation).get_output(0)
