"""Softmax and log-softmax along one dim."""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.reduce import reduce
from trtrepo.convert.impl.shape import normalize_dim, reshape


def softmax(ctx: ConversionContext, *, tensor: Any, dim: int, dtype: torch.dtype | None = None,
            log: bool = False) -> Any:
    """``softmax(tensor, dim)`` (or its log), after casting to ``dtype`` when one is given.

    The softmax layer takes at least two dims, so a vector (or a 0-d tensor, which PyTorch treats
    as one element) gets leading unit dims and loses them again.
    """
    if dtype is not None:
        tensor = ctx.cast(tensor, dtype)
    rank = len(tensor.shape)
    dim = normalize_dim(dim, rank)
    if rank < 2:
        lifted = reshape(ctx, tensor=tensor, sizes=[1, 1] if rank == 0 else [1, -1])
        out = softmax(ctx, tensor=lifted, dim=1, log=log)
        return reshape(ctx, tensor=out, sizes=[] if rank == 0 else [-1])
    if log:
        return log_softmax(ctx, tensor=tensor, dim=dim)
    layer = ctx.network.add_softmax(tensor)
    layer.axes = 1 << dim
    return layer.get_output(0)


def log_softmax(ctx: ConversionContext, *, tensor: Any, dim: int) -> Any:
    """``x - max - log(sum(exp(x - max)))``: unlike ``log(softmax(x))`` it stays finite where softmax underflows."""
    ew, unary, ops = ctx.trt.ElementWiseOperation, ctx.trt.UnaryOperation, ctx.trt.ReduceOperation
    peak = reduce(ctx, tensor=tensor, op=ops.MAX, dims=[dim], keepdim=True)
    centred = ctx.network.add_elementwise(tensor, peak, ew.SUB).get_output(0)
    exp = ctx.network.add_unary(centred, unary.EXP).get_output(0)
    total = reduce(ctx, tensor=exp, op=ops.SUM, dims=[dim], keepdim=True)
    log = ctx.network.add_unary(total, unary.LOG).get_output(0)
    return ctx.network.add_elementwise(centred, log, ew.SUB).get_output(0)
