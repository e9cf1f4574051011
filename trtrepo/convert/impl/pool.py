"""Max and average pooling on TensorRT's pooling layer, with PyTorch's window arithmetic.

TensorRT pools 2-d and 3-d windows of batched inputs: 1-d pooling borrows a trailing unit dim and
unbatched inputs a leading one. PyTorch's ``ceil_mode`` keeps a last partial window unless it would
start in the right padding; TensorRT's EXPLICIT_ROUND_UP keeps that one too. So ceil mode is done
with extra post padding where padding does not count, else by rounding up and slicing the surplus off.
TensorRT has no dilated pooling: dilated max pooling is the maximum of one strided slice per kernel
tap, each reading -inf outside the input.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import dim_size
from trtrepo.convert.impl.spatial import (
    Size,
    add_batch_dim,
    affine_size,
    append_unit_dim,
    drop_batch_dim,
    drop_last_dim,
    per_dim,
    slice_axes,
)


@dataclass(frozen=True)
class Window:
    """One pooling window's geometry, one entry per spatial dim."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    ceil_mode: bool

    @classmethod
    def of(cls, spatial: int, kernel: Sequence[int] | int, stride: Sequence[int] | int,
           padding: Sequence[int] | int, dilation: Sequence[int] | int = 1, ceil_mode: bool = False) -> Window:
        """From PyTorch's arguments (an empty stride means the kernel size; one value serves every dim)."""
        kernel = per_dim(kernel, spatial)
        return cls(kernel, per_dim(stride, spatial) if stride else kernel, per_dim(padding, spatial),
                   per_dim(dilation, spatial), bool(ceil_mode))

    @property
    def spatial(self) -> int:
        """How many trailing dims the window covers."""
        return len(self.kernel)

    def length_offset(self, i: int) -> int:
        """``c`` in PyTorch's output length ``floor((input + c) / stride) + 1`` for spatial dim ``i``.

        Ceil mode keeps a window when it starts before ``input + padding`` (not in the right padding).
        """
        k, s, p, d = self.kernel[i], self.stride[i], self.padding[i], self.dilation[i]
        floor_offset = 2 * p - d * (k - 1) - 1
        return min(floor_offset + s - 1, p - 1) if self.ceil_mode else floor_offset

    def length(self, ctx: ConversionContext, size: Size, i: int) -> Size:
        """PyTorch's output length of spatial dim ``i`` for an input ``size`` (int or shape tensor)."""
        return affine_size(ctx, size, offset=self.length_offset(i) + self.stride[i], divisor=self.stride[i])

    def may_overshoot(self, i: int) -> bool:
        """Whether TensorRT's EXPLICIT_ROUND_UP can make one window more than PyTorch on dim ``i``."""
        return self.ceil_mode and self.padding[i] + self.stride[i] > self.kernel[i]

    def ceil_post_padding(self, i: int) -> int:
        """Post padding that makes EXPLICIT_ROUND_DOWN produce PyTorch's ceil-mode length on dim ``i``.

        ``floor((input + padding + post - kernel) / stride) + 1`` equals the ceil-mode length for
        ``post = min(padding + stride - 1, kernel - 1)`` (undilated windows).
        """
        return min(self.padding[i] + self.stride[i] - 1, self.kernel[i] - 1)

    def lifted(self) -> Window:
        """The same window with a trailing unit dim (a 1-d pool as a 2-d one)."""
        return Window(self.kernel + (1,), self.stride + (1,), self.padding + (0,), self.dilation + (1,),
                      self.ceil_mode)


def max_pool(ctx: ConversionContext, *, tensor: Any, window: Window) -> Any:
    """``max_pool{1,2,3}d``: padding never wins (it is -inf), as in PyTorch."""
    if any(d != 1 for d in window.dilation):
        return _dilated_max_pool(ctx, tensor=tensor, window=window)
    return _pool(ctx, tensor=tensor, window=window, kind="MAX")


def avg_pool(ctx: ConversionContext, *, tensor: Any, window: Window, count_include_pad: bool,
             divisor_override: int | None) -> Any:
    """``avg_pool{1,2,3}d``; ``divisor_override`` rescales the padding-inclusive average to a sum / divisor."""
    if divisor_override is None:
        return _pool(ctx, tensor=tensor, window=window, kind="AVERAGE", exclude_padding=not count_include_pad)
    average = _pool(ctx, tensor=tensor, window=window, kind="AVERAGE", exclude_padding=False)
    counts = _window_counts(ctx, tensor=tensor, window=window)
    scale = ctx.constant(counts / float(divisor_override), dtype=ctx.dtype_of(average))
    return ctx.network.add_elementwise(average, scale, ctx.trt.ElementWiseOperation.PROD).get_output(0)


def _rounds_up(window: Window, kind: str, exclude_padding: bool) -> bool:
    """Whether ceil mode needs EXPLICIT_ROUND_UP (and a trim) rather than extra post padding.

    Extra post padding is exact where padding is never counted (max: it is -inf; averages that
    exclude padding). A padding-inclusive average counts only PyTorch's own padding, so it rounds up:
    TensorRT counts neither the overhang past the padded input.
    """
    return window.ceil_mode and kind == "AVERAGE" and not exclude_padding


def pool_layer(ctx: ConversionContext, *, tensor: Any, window: Window, kind: str,
               exclude_padding: bool = False) -> Any:
    """One IPoolingLayer (``kind``: a ``trt.PoolingType`` name) over a batched 2-d or 3-d input.

    When rounding up in ceil mode the output may hold one window too many per dim (see :func:`_pool`).
    """
    layer = ctx.network.add_pooling_nd(tensor, getattr(ctx.trt.PoolingType, kind), window.kernel)
    layer.stride_nd = window.stride
    if _rounds_up(window, kind, exclude_padding):
        layer.padding_nd = window.padding
        layer.padding_mode = ctx.trt.PaddingMode.EXPLICIT_ROUND_UP
    else:
        layer.pre_padding = window.padding
        layer.post_padding = tuple(window.ceil_post_padding(i) if window.ceil_mode else window.padding[i]
                                   for i in range(window.spatial))
    if kind == "AVERAGE":
        layer.average_count_excludes_padding = exclude_padding
    return layer.get_output(0)


def _pool(ctx: ConversionContext, *, tensor: Any, window: Window, kind: str, exclude_padding: bool = False) -> Any:
    pooled = batched_2d_or_3d(ctx, tensor=tensor, spatial=window.spatial, window=window,
                              build=lambda x, w: pool_layer(ctx, tensor=x, window=w, kind=kind,
                                                            exclude_padding=exclude_padding))
    if not _rounds_up(window, kind, exclude_padding):
        return pooled
    return _drop_overshoot(ctx, pooled=pooled, tensor=tensor, window=window)


def batched_2d_or_3d(ctx: ConversionContext, *, tensor: Any, spatial: int, window: Window,
                     build: Callable[[Any, Window], Any]) -> Any:
    """Run ``build`` on ``tensor`` made ``[N, C, *2-d or 3-d]``, and bring its result back."""
    unbatched = len(tensor.shape) == spatial + 1
    x = add_batch_dim(ctx, tensor) if unbatched else tensor
    if spatial == 1:
        x, window = append_unit_dim(ctx, x), window.lifted()
    out = build(x, window)
    if spatial == 1:
        out = drop_last_dim(ctx, out)
    return drop_batch_dim(ctx, out) if unbatched else out


def _drop_overshoot(ctx: ConversionContext, *, pooled: Any, tensor: Any, window: Window) -> Any:
    """Slice off the last window of each dim where TensorRT's round-up kept one that PyTorch drops."""
    rank = len(tensor.shape)
    sizes: dict[int, Size] = {}
    for i in range(window.spatial):
        axis = rank - window.spatial + i
        if not window.may_overshoot(i):
            continue
        length = window.length(ctx, dim_size(ctx, tensor=tensor, dim=axis), i)
        if ctx.is_tensor(length) or length != pooled.shape[axis]:
            sizes[axis] = length
    if not sizes:
        return pooled
    return slice_axes(ctx, pooled, starts={}, sizes=sizes)


def _dilated_max_pool(ctx: ConversionContext, *, tensor: Any, window: Window) -> Any:
    """Elementwise max over one strided slice per kernel tap, reading -inf outside the input."""
    rank = len(tensor.shape)
    axes = [rank - window.spatial + i for i in range(window.spatial)]
    lengths = {a: window.length(ctx, dim_size(ctx, tensor=tensor, dim=a), i) for i, a in enumerate(axes)}
    strides = {a: window.stride[i] for i, a in enumerate(axes)}
    result = None
    for taps in itertools.product(*(range(k) for k in window.kernel)):
        starts = {a: taps[i] * window.dilation[i] - window.padding[i] for i, a in enumerate(axes)}
        piece = slice_axes(ctx, tensor, starts=starts, sizes=lengths, strides=strides, mode="FILL",
                           fill=float("-inf"))
        result = piece if result is None else ctx.network.add_elementwise(
            result, piece, ctx.trt.ElementWiseOperation.MAX).get_output(0)
    return result


def _window_counts(ctx: ConversionContext, *, tensor: Any, window: Window) -> torch.Tensor:
    """How many positions of the padded input each window covers (PyTorch's ``pool_size``).

    Outside ceil mode every window lies inside the padded input; in ceil mode the last one may
    overhang it, which needs static spatial dims (the validator guarantees them).
    """
    rank = len(tensor.shape)
    if not window.ceil_mode:
        count = 1
        for k in window.kernel:
            count *= k
        return torch.full((1,) * rank, float(count))
    counts = torch.ones(())
    for i in range(window.spatial):
        size = int(tensor.shape[rank - window.spatial + i])
        k, s, p = window.kernel[i], window.stride[i], window.padding[i]
        length = int(window.length(ctx, size, i))
        per_axis = torch.tensor([float(min(o * s - p + k, size + p) - (o * s - p)) for o in range(length)])
        counts = counts.unsqueeze(-1) * per_axis
    return counts.reshape((1,) * (rank - window.spatial) + tuple(counts.shape))

