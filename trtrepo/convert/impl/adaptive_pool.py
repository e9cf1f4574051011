"""Adaptive average and max pooling, one spatial dim at a time.

PyTorch's adaptive window ``i`` of a dim spans ``[floor(i * in / out), ceil((i + 1) * in / out))``.
Both the mean and the max over a box equal the same reduction taken dim after dim, so each dim is
handled by the cheapest exact means: a reduce when its output is 1 (which also works for dynamic
dims), one pooling layer for every dim whose input divides evenly (equal, non-overlapping windows),
and otherwise one slice-and-reduce per window, concatenated.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.pool import Window, batched_2d_or_3d, pool_layer
from trtrepo.convert.impl.spatial import concat, reduce_axes, slice_axes

# kind -> (trt.ReduceOperation name, trt.PoolingType name)
KINDS = {"avg": ("AVG", "AVERAGE"), "max": ("MAX", "MAX")}


def adaptive_windows(in_size: int, out_size: int) -> list[tuple[int, int]]:
    """PyTorch's (start, end) of every adaptive window along one dim."""
    return [(i * in_size // out_size, -(-(i + 1) * in_size // out_size)) for i in range(out_size)]


def adaptive_pool(ctx: ConversionContext, *, tensor: Any, output_size: Sequence[int], kind: str) -> Any:
    """``adaptive_{avg,max}_pool{1,2,3}d`` over the trailing ``len(output_size)`` dims.

    A dynamic dim must be pooled to 1 (the validators guarantee it); static dims may go to any size.
    """
    reduce_op, pool_type = KINDS[kind]
    rank, spatial = len(tensor.shape), len(output_size)
    axes = list(range(rank - spatial, rank))
    out_sizes = dict(zip(axes, (int(o) for o in output_size), strict=True))
    whole = [a for a in axes if out_sizes[a] == 1 and tensor.shape[a] != 1]
    if whole:
        tensor = reduce_axes(ctx, tensor, axes=whole, op=reduce_op)
    even = {a: tensor.shape[a] // out_sizes[a] for a in axes
            if tensor.shape[a] != out_sizes[a] and tensor.shape[a] % out_sizes[a] == 0}
    if even:
        kernel = tuple(even.get(a, 1) for a in axes)
        window = Window(kernel, kernel, (0,) * spatial, (1,) * spatial, False)
        tensor = batched_2d_or_3d(ctx, tensor=tensor, spatial=spatial, window=window,
                                  build=lambda x, w: pool_layer(ctx, tensor=x, window=w, kind=pool_type))
    for axis in axes:
        if tensor.shape[axis] != out_sizes[axis]:
            tensor = _uneven(ctx, tensor=tensor, axis=axis, out_size=out_sizes[axis], op=reduce_op)
    return tensor


def _uneven(ctx: ConversionContext, *, tensor: Any, axis: int, out_size: int, op: str) -> Any:
    """Windows of unequal or overlapping spans: reduce each slice, then concatenate."""
    pieces = []
    for start, end in adaptive_windows(int(tensor.shape[axis]), out_size):
        piece = slice_axes(ctx, tensor, starts={axis: start}, sizes={axis: end - start})
        pieces.append(piece if end - start == 1 else reduce_axes(ctx, piece, axes=[axis], op=op))
    return concat(ctx, pieces, axis)

