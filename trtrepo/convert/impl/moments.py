"""Variance and standard deviation (``aten.var/std/var_mean/std_mean.correction``).

Two passes (mean, then the mean square of the deviations) in the input's float type. With a
correction the sum of squares is divided by ``max(N - correction, 0)``, where ``N``, the number of
elements reduced, is computed from the runtime shape when a reduced dim is dynamic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.elementwise import binary
from trtrepo.convert.impl.reduce import reduce, reduce_dims
from trtrepo.convert.impl.shape import dim_size, reshape, squeeze


def moments(ctx: ConversionContext, *, tensor: Any, dims: int | Sequence[int] | None, correction: float,
            keepdim: bool) -> tuple[Any, Any]:
    """``(var, mean)`` over ``dims`` (None or empty: all dims) with Bessel-style ``correction``."""
    if len(tensor.shape) == 0:  # a scalar: reduce a one-element vector back to 0-d
        tensor, dims, keepdim = reshape(ctx, tensor=tensor, sizes=[1]), [0], False
    axes = reduce_dims(dims, len(tensor.shape))
    ew, ops = ctx.trt.ElementWiseOperation, ctx.trt.ReduceOperation
    average = reduce(ctx, tensor=tensor, op=ops.AVG, dims=axes, keepdim=True)
    centred = ctx.network.add_elementwise(tensor, average, ew.SUB).get_output(0)
    squares = ctx.network.add_elementwise(centred, centred, ew.PROD).get_output(0)
    if correction == 0:
        var = reduce(ctx, tensor=squares, op=ops.AVG, dims=axes, keepdim=keepdim)
    else:
        total = reduce(ctx, tensor=squares, op=ops.SUM, dims=axes, keepdim=keepdim)
        var = binary(ctx, op=ew.DIV, lhs=total, rhs=_divisor(ctx, tensor=tensor, dims=axes, correction=correction))
    return var, average if keepdim else squeeze(ctx, tensor=average, dims=axes)


def standard_deviation(ctx: ConversionContext, *, var: Any) -> Any:
    """``sqrt(var)``."""
    return ctx.network.add_unary(var, ctx.trt.UnaryOperation.SQRT).get_output(0)


def _divisor(ctx: ConversionContext, *, tensor: Any, dims: list[int], correction: float) -> Any:
    """``max(N - correction, 0)``: a Python float when the reduced dims are static, else a 0-d tensor."""
    sizes = [dim_size(ctx, tensor=tensor, dim=d) for d in dims]
    static = math.prod(s for s in sizes if not ctx.is_tensor(s))
    dynamic = [s for s in sizes if ctx.is_tensor(s)]
    if not dynamic:
        return float(max(static - correction, 0))
    ew = ctx.trt.ElementWiseOperation
    count = dynamic[0]
    for size in dynamic[1:]:
        count = ctx.network.add_elementwise(count, size, ew.PROD).get_output(0)
    dtype = ctx.dtype_of(tensor)
    count = binary(ctx, op=ew.PROD, lhs=ctx.cast(count, dtype), rhs=float(static))
    count = binary(ctx, op=ew.SUB, lhs=count, rhs=float(correction))
    count = binary(ctx, op=ew.MAX, lhs=count, rhs=0.0)
    return reshape(ctx, tensor=count, sizes=[])
