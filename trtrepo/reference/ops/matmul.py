"""MATRIX_MULTIPLY and EINSUM.

Matrix multiply applies ``op(input0) @ op(input1)``: NONE takes the last two dimensions as the
matrix, TRANSPOSE swaps them, VECTOR takes the last dimension as a vector (input 0 as a row
``[.., 1, K]``, input 1 as a column ``[.., K, 1]``; that unit dimension is dropped from the result).
The remaining (batch) dimensions of the two operands must be equally many and, per dimension,
equal or 1 (broadcast). Computed in float32, rounded to the input type.
"""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register


@register("MATRIX_MULTIPLY", "IMatrixMultiplyLayer")
def matrix_multiply(ctx: LayerContext) -> list[torch.Tensor]:
    """Batched matrix/vector product with per-input NONE/TRANSPOSE/VECTOR operations."""
    a, b = ctx.input(0), ctx.input(1)
    if not is_floating(a) or a.dtype != b.dtype:
        raise ctx.fail(f"matrix multiply needs float inputs of one type, got {describe(a)}, {describe(b)}")
    op0, op1 = ctx.layer.op0.name, ctx.layer.op1.name
    lhs = _operand(ctx, compute(a), op0, row=True)
    rhs = _operand(ctx, compute(b), op1, row=False)
    if lhs.dim() != rhs.dim():
        raise ctx.fail(f"{describe(a)} ({op0}) and {describe(b)} ({op1}) have different batch ranks")
    if lhs.shape[-1] != rhs.shape[-2]:
        raise ctx.fail(f"inner dimensions differ: {describe(a)} ({op0}) @ {describe(b)} ({op1})")
    for x, y in zip(lhs.shape[:-2], rhs.shape[:-2], strict=True):
        if x != y and 1 not in (x, y):
            raise ctx.fail(f"batch dimensions of {describe(a)} and {describe(b)} do not broadcast")
    out = torch.matmul(lhs, rhs)
    if op1 == "VECTOR":
        out = out.squeeze(-1)
    if op0 == "VECTOR":
        out = out.squeeze(-1 if op1 == "VECTOR" else -2)
    return [store(out, a.dtype)]


def _operand(ctx: LayerContext, x: torch.Tensor, op: str, row: bool) -> torch.Tensor:
    if op == "VECTOR":
        if x.dim() < 1:
            raise ctx.fail("a VECTOR operand needs at least one dimension")
        return x.unsqueeze(-2) if row else x.unsqueeze(-1)
    if x.dim() < 2:
        raise ctx.fail(f"a {op} operand needs at least two dimensions, got {list(x.shape)}")
    if op == "TRANSPOSE":
        return x.transpose(-1, -2)
    if op == "NONE":
        return x
    raise ctx.unsupported(f"matrix operation {op} is not implemented")


@register("EINSUM", "IEinsumLayer")
def einsum(ctx: LayerContext) -> list[torch.Tensor]:
    """``torch.einsum`` with the layer's equation, in float32, rounded to the input type."""
    inputs = ctx.inputs()
    if not inputs or not all(is_floating(t) and t.dtype == inputs[0].dtype for t in inputs):
        raise ctx.fail(f"einsum needs float inputs of one type, got {[describe(t) for t in inputs]}")
    out = torch.einsum(str(ctx.layer.equation), *[compute(t) for t in inputs])
    return [store(out, inputs[0].dtype)]
