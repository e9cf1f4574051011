"""Pairwise distances: ``torch.cdist`` (``_cdist_forward``) and ``F.pdist`` (``_pdist_forward``).

Both are p-norms of coordinate differences along the feature dim: p = 0 counts the coordinates
that differ, p = 1 sums their magnitudes, p = 2 is the Euclidean norm, p = inf takes the largest
and any other p is ``(sum |d|^p)^(1/p)``, as PyTorch's kernels compute them.

For p = 2 ``_cdist_forward`` has a second algorithm, ``|a|^2 + |b|^2 - 2 a.b`` in one matrix
multiply ("mm", faster, but it loses precision where points nearly coincide). PyTorch takes it when
``compute_mode`` is 1 (use_mm_for_euclid_dist), or when it is 0/None (..._if_necessary) and either
set has more than 25 points; 2 (donot_use_mm...) never does. The converter makes the same choice
— at run time, from the sizes, when they are dynamic — so its numbers are PyTorch's.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.creation import full_like, linspace
from trtrepo.convert.impl.elementwise import select
from trtrepo.convert.impl.linear import matmul
from trtrepo.convert.impl.shape import prepend_ones, reshape, sizes_of, unsqueeze
from trtrepo.convert.impl.slicing import slice_layer
from trtrepo.convert.impl.symbolic import int_op, size_value

MM_THRESHOLD = 25  # PyTorch's cdist switches to the mm algorithm above this many points (Distance.cpp)
USE_MM, IF_NECESSARY, NEVER_MM = 1, 0, 2  # compute_mode values


def p_norm(ctx: ConversionContext, *, difference: Any, p: float, axis: int) -> Any:
    """The p-norm of ``difference`` along ``axis`` (the axis is dropped)."""
    ops, reduce_ops = ctx.trt.UnaryOperation, ctx.trt.ReduceOperation
    rank = len(difference.shape)
    mask = 1 << (axis % rank)
    magnitude = ctx.network.add_unary(difference, ops.ABS).get_output(0)
    if difference.shape[axis] == 0:  # no coordinates: every distance is 0, whatever p
        p = 1.0
    if p == 0:
        differs = _elementwise(ctx, magnitude, ctx.scalar(0, magnitude), "GREATER")
        return ctx.network.add_reduce(ctx.cast(differs, ctx.dtype_of(difference)), reduce_ops.SUM, mask,
                                      False).get_output(0)
    if math.isinf(p):
        return ctx.network.add_reduce(magnitude, reduce_ops.MAX, mask, False).get_output(0)
    if p == 1:
        return ctx.network.add_reduce(magnitude, reduce_ops.SUM, mask, False).get_output(0)
    if p == 2:
        squares = _elementwise(ctx, difference, difference, "PROD")
        total = ctx.network.add_reduce(squares, reduce_ops.SUM, mask, False).get_output(0)
        return ctx.network.add_unary(total, ops.SQRT).get_output(0)
    powers = _elementwise(ctx, magnitude, ctx.scalar(p, magnitude), "POW")
    total = ctx.network.add_reduce(powers, reduce_ops.SUM, mask, False).get_output(0)
    return _elementwise(ctx, total, ctx.scalar(1.0 / p, total), "POW")


def cdist(ctx: ConversionContext, *, x1: Any, x2: Any, p: float, compute_mode: int | None) -> Any:
    """``_cdist_forward(x1, x2, p, compute_mode)``: ``[*, P, M]`` and ``[*, R, M]`` -> ``[*, P, R]``.

    Batch dims broadcast; the algorithm for p = 2 is PyTorch's choice (see the module docstring).
    """
    x1, x2 = _same_rank(ctx, x1, x2)
    mode = IF_NECESSARY if compute_mode is None else int(compute_mode)
    if p != 2 or mode == NEVER_MM:
        return _direct(ctx, x1, x2, p)
    if mode == USE_MM:
        return _euclidean_mm(ctx, x1, x2)
    points = (x1.shape[-2], x2.shape[-2])
    if all(n >= 0 for n in points):
        mm = any(n > MM_THRESHOLD for n in points)
        return _euclidean_mm(ctx, x1, x2) if mm else _direct(ctx, x1, x2, p)
    return select(ctx, condition=_more_points_than_threshold(ctx, x1, x2), then=_euclidean_mm(ctx, x1, x2),
                  other=_direct(ctx, x1, x2, p))


def pdist(ctx: ConversionContext, *, tensor: Any, p: float) -> Any:
    """``_pdist_forward(x, p)``: the distances between rows i < j of ``[N, M]``, row-major, ``[N (N - 1) / 2]``."""
    count = sizes_of(ctx, tensor)[0]
    if isinstance(count, int) and count < 2:  # no pairs: an empty result (TensorRT has no empty constants)
        return slice_layer(ctx, tensor=reshape(ctx, tensor=tensor, sizes=[-1]), start=[0], size=[0], stride=[1])
    first, second = pair_indices(ctx, count=count)
    rows_i = ctx.network.add_gather(tensor, first, 0).get_output(0)
    rows_j = ctx.network.add_gather(tensor, second, 0).get_output(0)
    return p_norm(ctx, difference=_elementwise(ctx, rows_i, rows_j, "SUB"), p=p, axis=1)


def pair_indices(ctx: ConversionContext, *, count: Any) -> tuple[Any, Any]:
    """The int64 indices (i, j) of every pair i < j of ``count`` rows, in row-major order.

    Known sizes give constants. A run-time ``count`` n gives them by arithmetic on k = 0, 1, ...:
    row i starts at ``s(i) = i (2n - i - 1) / 2``, so i is the largest with ``s(i) <= k``. A float
    square root gives its estimate and integer comparisons correct it by one either way; then
    ``j = k - s(i) + i + 1``.
    """
    if isinstance(count, int):
        pairs = torch.triu_indices(count, count, offset=1)
        return ctx.constant(pairs[0].contiguous()), ctx.constant(pairs[1].contiguous())
    n = size_value(ctx, count)
    k = linspace(ctx, length=int_op(ctx, "floordiv", int_op(ctx, "mul", n, int_op(ctx, "sub", n, 1)), 2),
                 start=0, step=1, dtype=torch.int64)
    b = int_op(ctx, "sub", int_op(ctx, "mul", n, 2), 1)  # 2n - 1
    # (2n - 1)^2 - 8k exactly in int64, then one rounding to float32: the root is off by far less than 1.
    discriminant = _elementwise(ctx, int_op(ctx, "mul", b, b), _times(ctx, k, 8), "SUB")
    root = ctx.network.add_unary(ctx.cast(discriminant, torch.float32), ctx.trt.UnaryOperation.SQRT).get_output(0)
    half = _elementwise(ctx, _elementwise(ctx, ctx.cast(b, torch.float32), root, "SUB"),
                        ctx.constant(torch.tensor([0.5]), torch.float32), "PROD")
    i = ctx.cast(ctx.network.add_unary(half, ctx.trt.UnaryOperation.FLOOR).get_output(0), torch.int64)
    one = ctx.constant(torch.tensor([1], dtype=torch.int64))
    # One step up where row i + 1 already starts at or before k, one down where row i starts after it.
    next_row = _elementwise(ctx, i, one, "SUM")
    up = ctx.network.add_unary(_elementwise(ctx, k, _row_start(ctx, n, next_row), "LESS"),
                               ctx.trt.UnaryOperation.NOT).get_output(0)
    i = _elementwise(ctx, i, ctx.cast(up, torch.int64), "SUM")
    down = _elementwise(ctx, _row_start(ctx, n, i), k, "GREATER")
    i = _elementwise(ctx, i, ctx.cast(down, torch.int64), "SUB")
    j = _elementwise(ctx, _elementwise(ctx, _elementwise(ctx, k, _row_start(ctx, n, i), "SUB"), i, "SUM"), one, "SUM")
    return i, j


def _row_start(ctx: ConversionContext, n: Any, i: Any) -> Any:
    """``s(i) = i (2n - i - 1) / 2``: the index of row i's first pair (i, i + 1)."""
    width = _elementwise(ctx, int_op(ctx, "sub", int_op(ctx, "mul", n, 2), 1), i, "SUB")
    return _elementwise(ctx, _elementwise(ctx, i, width, "PROD"), ctx.constant(torch.tensor([2])), "FLOOR_DIV")


def _times(ctx: ConversionContext, tensor: Any, factor: int) -> Any:
    return _elementwise(ctx, tensor, ctx.constant(torch.tensor([factor], dtype=torch.int64)), "PROD")


def _direct(ctx: ConversionContext, x1: Any, x2: Any, p: float) -> Any:
    """Every difference ``[*, P, R, M]`` made explicitly, then its p-norm over M."""
    rank = len(x1.shape)
    a = unsqueeze(ctx, tensor=x1, dim=rank - 1)  # [*, P, 1, M]
    b = unsqueeze(ctx, tensor=x2, dim=rank - 2)  # [*, 1, R, M]
    return p_norm(ctx, difference=_elementwise(ctx, a, b, "SUB"), p=p, axis=rank)


def _euclidean_mm(ctx: ConversionContext, x1: Any, x2: Any) -> Any:
    """PyTorch's ``_euclidean_dist``: ``[-2a, |a|^2, 1] . [b, 1, |b|^2]``, clamped at 1e-30, square-rooted."""
    reduce_sum = ctx.trt.ReduceOperation.SUM
    last = 1 << (len(x1.shape) - 1)
    norm1 = ctx.network.add_reduce(_elementwise(ctx, x1, x1, "PROD"), reduce_sum, last, True).get_output(0)
    norm2 = ctx.network.add_reduce(_elementwise(ctx, x2, x2, "PROD"), reduce_sum, last, True).get_output(0)
    left = _concat_last(ctx, [_elementwise(ctx, x1, ctx.scalar(-2, x1), "PROD"), norm1,
                              full_like(ctx, tensor=norm1, value=1)])
    right = _concat_last(ctx, [x2, full_like(ctx, tensor=norm2, value=1), norm2])
    squared = matmul(ctx, lhs=left, rhs=right, transpose_rhs=True)
    clamped = _elementwise(ctx, squared, ctx.scalar(1e-30, squared), "MAX")
    return ctx.network.add_unary(clamped, ctx.trt.UnaryOperation.SQRT).get_output(0)


def _more_points_than_threshold(ctx: ConversionContext, x1: Any, x2: Any) -> Any:
    """A bool ``[1, ..., 1]`` tensor: whether P or R exceeds 25, from the run-time shapes."""
    threshold = ctx.constant(torch.tensor([MM_THRESHOLD], dtype=torch.int64))
    over = [_elementwise(ctx, size_value(ctx, sizes_of(ctx, x)[-2]), threshold, "GREATER") for x in (x1, x2)]
    either = _elementwise(ctx, over[0], over[1], "OR")
    return prepend_ones(ctx, tensor=either, count=len(x1.shape) - 1)


def _same_rank(ctx: ConversionContext, x1: Any, x2: Any) -> tuple[Any, Any]:
    rank = max(len(x1.shape), len(x2.shape))
    return (prepend_ones(ctx, tensor=x1, count=rank - len(x1.shape)),
            prepend_ones(ctx, tensor=x2, count=rank - len(x2.shape)))


def _concat_last(ctx: ConversionContext, tensors: list[Any]) -> Any:
    layer = ctx.network.add_concatenation(tensors)
    layer.axis = len(tensors[0].shape) - 1
    return layer.get_output(0)


def _elementwise(ctx: ConversionContext, lhs: Any, rhs: Any, op: str) -> Any:
    return ctx.network.add_elementwise(lhs, rhs, getattr(ctx.trt.ElementWiseOperation, op)).get_output(0)
