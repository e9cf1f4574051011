"""Elementwise arithmetic with PyTorch's broadcasting and type promotion."""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import broadcast_ranks


def promote(ctx: ConversionContext, a: Any, b: Any) -> tuple[Any, Any]:
    """Both operands as ITensors of one dtype and rank, following ``torch.result_type``.

    A Python scalar adopts the tensor's dtype unless it is a float next to an integer tensor
    (then both become the default float), exactly as PyTorch promotes.
    """
    if not ctx.is_tensor(a) and not ctx.is_tensor(b):
        raise TypeError("elementwise op with no tensor operand should have been folded")
    like = a if ctx.is_tensor(a) else b
    dtype = torch.result_type(_probe(ctx, a), _probe(ctx, b))
    return broadcast_ranks(ctx, _operand(ctx, a, dtype, like), _operand(ctx, b, dtype, like))


def _probe(ctx: ConversionContext, value: Any) -> Any:
    """Something ``torch.result_type`` understands with the same dtype category as ``value``."""
    if ctx.is_tensor(value):
        return torch.empty((1,), dtype=ctx.dtype_of(value))
    if isinstance(value, torch.Tensor) and value.dim() == 0:
        return value.item()  # a 0-d tensor promotes like a scalar
    return value


def _operand(ctx: ConversionContext, value: Any, dtype: torch.dtype, like: Any) -> Any:
    if ctx.is_tensor(value):
        return ctx.cast(value, dtype)
    tensor = torch.as_tensor(value, dtype=dtype)
    if tensor.dim() == 0:
        tensor = tensor.reshape((1,) * len(like.shape))
    return ctx.constant(tensor, dtype=dtype)


def binary(ctx: ConversionContext, *, op: Any, lhs: Any, rhs: Any) -> Any:
    """``lhs <op> rhs`` for a ``trt.ElementWiseOperation``."""
    lhs, rhs = promote(ctx, lhs, rhs)
    return ctx.network.add_elementwise(lhs, rhs, op).get_output(0)


def add(ctx: ConversionContext, *, lhs: Any, rhs: Any, alpha: float = 1, subtract: bool = False) -> Any:
    """``lhs + alpha * rhs`` (or ``-``), as ``aten.add``/``aten.sub`` define it."""
    ops = ctx.trt.ElementWiseOperation
    if alpha != 1:
        rhs = binary(ctx, op=ops.PROD, lhs=rhs, rhs=alpha)
    return binary(ctx, op=ops.SUB if subtract else ops.SUM, lhs=lhs, rhs=rhs)
