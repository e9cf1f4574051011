"""``torch.linalg.vector_norm`` (``aten.linalg_vector_norm``): p-norms over some dims, or all of them.

PyTorch's kernel, per ``ord``: ``inf`` is the largest magnitude, ``-inf`` the smallest, 0 counts the
nonzero elements, 1 sums the magnitudes, 2 is ``sqrt(sum x^2)`` and any other p (fractional or
negative) is ``(sum |x|^p)^(1/p)``, where a zero to a negative p is ``inf`` and ``inf^(1/p)`` is 0.
float16/bfloat16 inputs accumulate in float32, as PyTorch's CPU and CUDA kernels do, and the result
is rounded to the result type once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import elementwise, ew
from trtrepo.convert.impl.reduce import reduce
from trtrepo.convert.impl.unary import unary_layer

NARROW_FLOATS = (torch.float16, torch.bfloat16)


def vector_norm(ctx: ConversionContext, *, tensor: Any, ord: float, dims: int | Sequence[int] | None,
                keepdim: bool, dtype: torch.dtype | None) -> Any:
    """The ``ord``-norm of ``tensor`` over ``dims`` (None or empty: every dim), in ``dtype`` if given.

    ``dtype`` never narrows the input (PyTorch refuses that), so casting the input to it is exact:
    it only decides the result type.
    """
    result = dtype or ctx.dtype_of(tensor)
    work = ctx.cast(tensor, torch.float32) if ctx.dtype_of(tensor) in NARROW_FLOATS else tensor
    ops = ctx.trt.ReduceOperation
    p = float(ord)
    if math.isinf(p):
        out = reduce(ctx, tensor=unary_layer(ctx, work, "ABS"), op=ops.MAX if p > 0 else ops.MIN,
                     dims=dims, keepdim=keepdim)
    elif p == 0:
        nonzero = unary_layer(ctx, elementwise(ctx, op=ew(ctx, "EQUAL"), lhs=work, rhs=ctx.scalar(0.0, work)), "NOT")
        out = reduce(ctx, tensor=ctx.cast(nonzero, ctx.dtype_of(work)), op=ops.SUM, dims=dims, keepdim=keepdim)
    elif p == 1:
        out = reduce(ctx, tensor=unary_layer(ctx, work, "ABS"), op=ops.SUM, dims=dims, keepdim=keepdim)
    elif p == 2:
        squares = elementwise(ctx, op=ew(ctx, "PROD"), lhs=work, rhs=work)
        out = unary_layer(ctx, reduce(ctx, tensor=squares, op=ops.SUM, dims=dims, keepdim=keepdim), "SQRT")
    else:
        magnitude = unary_layer(ctx, work, "ABS")
        powers = elementwise(ctx, op=ew(ctx, "POW"), lhs=magnitude, rhs=ctx.scalar(p, magnitude))
        total = reduce(ctx, tensor=powers, op=ops.SUM, dims=dims, keepdim=keepdim)
        out = elementwise(ctx, op=ew(ctx, "POW"), lhs=total, rhs=ctx.scalar(1.0 / p, total))
    return ctx.cast(out, result)
