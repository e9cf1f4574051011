"""Tensors made from sizes: full/zeros/ones (and their ``_like``/``new_`` forms), arange, triangle masks.

A filled tensor is one constant element broadcast by a stride-0 slice, so it costs no engine memory
and follows run-time sizes. ``arange`` over a run-time length is a LINSPACE fill layer whose shape
input is a shape tensor, so sequence-length masks work with dynamic dims.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import prepend_ones, reshape, sizes_of
from trtrepo.convert.impl.slicing import expand
from trtrepo.convert.impl.symbolic import ceil_div, int_op, is_static, size_value
from trtrepo.dtypes import to_trt

# Types a LINSPACE fill can produce; other results are filled in the nearest of these and cast.
_LINSPACE_TYPES = (torch.int32, torch.int64, torch.float32)


def scalar_dtype(value: Any) -> torch.dtype:
    """The dtype PyTorch gives a tensor created from the Python scalar ``value`` (``torch.full``)."""
    if isinstance(value, bool):
        return torch.bool
    if isinstance(value, int):
        return torch.int64
    return torch.get_default_dtype()


def typed_constant(ctx: ConversionContext, value: torch.Tensor, dtype: torch.dtype) -> Any:
    """A constant of exactly ``dtype`` (bf16, which weights cannot hold, is made in fp32 and cast)."""
    if dtype == torch.bfloat16:
        return ctx.cast(ctx.constant(value.to(torch.float32), torch.float32), dtype)
    return ctx.constant(value.to(dtype), dtype)


def full(ctx: ConversionContext, *, sizes: Sequence[Any], value: Any, dtype: torch.dtype) -> Any:
    """``torch.full(sizes, value, dtype=dtype)``; sizes may hold symbolic (tensor) sizes."""
    rank = len(sizes)
    if ctx.is_tensor(value):  # a symbolic scalar as the fill value
        one = reshape(ctx, tensor=ctx.cast(value, dtype), sizes=[1] * rank)
    else:
        one = typed_constant(ctx, torch.full((1,) * rank, value), dtype)
    return expand(ctx, tensor=one, sizes=list(sizes))


def full_like(ctx: ConversionContext, *, tensor: Any, value: Any, dtype: torch.dtype | None = None) -> Any:
    """``torch.full_like(tensor, value, dtype=dtype)`` following ``tensor``'s run-time shape."""
    dtype = dtype or ctx.dtype_of(tensor)
    return full(ctx, sizes=sizes_of(ctx, tensor), value=value, dtype=dtype)


def arange(ctx: ConversionContext, *, start: Any, end: Any, step: Any, dtype: torch.dtype | None) -> Any:
    """``torch.arange(start, end, step, dtype=dtype)``; any bound may be a symbolic size.

    With all bounds known it is a constant; otherwise the length ``ceil((end - start) / step)`` is
    computed at run time (integer start and step) and a LINSPACE fill produces the values.
    """
    numbers = [v for v in (start, end, step) if not ctx.is_tensor(v)]
    if dtype is None:
        dtype = torch.get_default_dtype() if any(isinstance(v, float) for v in numbers) else torch.int64
    if all(is_static(v) or isinstance(v, float) for v in (start, end, step)):
        return typed_constant(ctx, torch.arange(start, end, step, dtype=torch.float64), dtype)
    if step > 0:
        length = ceil_div(ctx, int_op(ctx, "sub", end, start), int(step))
    else:  # ceil(d / s) for s < 0 is ceil(-d / -s)
        length = ceil_div(ctx, int_op(ctx, "sub", start, end), -int(step))
    length = int_op(ctx, "max", length, 0)
    return linspace(ctx, length=length, start=start, step=step, dtype=dtype)


def linspace(ctx: ConversionContext, *, length: Any, start: Any, step: Any, dtype: torch.dtype) -> Any:
    """``start + step * i`` for ``i`` in ``range(length)`` (a LINSPACE fill; ``length`` may be symbolic)."""
    fill_type = dtype if dtype in _LINSPACE_TYPES else (torch.float32 if dtype.is_floating_point else torch.int64)
    layer = ctx.network.add_fill((1,), ctx.trt.FillOperation.LINSPACE, to_trt(fill_type))
    layer.set_input(0, size_value(ctx, length))
    if ctx.is_tensor(start):
        alpha = reshape(ctx, tensor=ctx.cast(start, fill_type), sizes=[])
    else:
        alpha = typed_constant(ctx, torch.tensor(start), fill_type)
    layer.set_input(1, alpha)
    layer.set_input(2, typed_constant(ctx, torch.tensor([step]), fill_type))
    return ctx.cast(layer.get_output(0), dtype)


def triangle(ctx: ConversionContext, *, tensor: Any, diagonal: int, upper: bool) -> Any:
    """``torch.triu`` (upper) or ``torch.tril`` of the last two dims: zero outside the band.

    The keep-mask compares column minus row against ``diagonal`` on index ranges of the run-time
    sizes, then a select layer picks the input or zero.
    """
    rank = len(tensor.shape)
    sizes = sizes_of(ctx, tensor)
    rows = reshape(ctx, tensor=_iota(ctx, sizes[-2]), sizes=[-1, 1])
    cols = reshape(ctx, tensor=_iota(ctx, sizes[-1]), sizes=[1, -1])
    ew = ctx.trt.ElementWiseOperation
    offset = ctx.network.add_elementwise(cols, rows, ew.SUB).get_output(0)  # col - row, [rows, cols]
    if upper:  # keep col - row >= diagonal
        bound = ctx.constant(torch.tensor([[diagonal - 1]], dtype=torch.int64))
        keep = ctx.network.add_elementwise(offset, bound, ew.GREATER).get_output(0)
    else:  # keep col - row <= diagonal
        bound = ctx.constant(torch.tensor([[diagonal + 1]], dtype=torch.int64))
        keep = ctx.network.add_elementwise(offset, bound, ew.LESS).get_output(0)
    keep = prepend_ones(ctx, tensor=keep, count=rank - 2)
    zero = typed_constant(ctx, torch.zeros((1,) * rank), ctx.dtype_of(tensor))
    return ctx.network.add_select(keep, tensor, zero).get_output(0)


def _iota(ctx: ConversionContext, length: Any) -> Any:
    """``arange(length)`` as int64: a constant when static, a fill when symbolic."""
    if is_static(length):
        return ctx.constant(torch.arange(int(length), dtype=torch.int64))
    return linspace(ctx, length=length, start=0, step=1, dtype=torch.int64)
