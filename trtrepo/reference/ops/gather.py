"""GATHER, SCATTER, ONE_HOT and NON_ZERO: indexing layers.

Gather modes follow NvInfer.h: DEFAULT is ONNX Gather (``num_elementwise_dims`` 0 or 1, the latter
pairing the leading dimension of data and indices with broadcasting), ELEMENT is ONNX
GatherElements, ND is ONNX GatherND (leading ``num_elementwise_dims`` are batch dimensions).
Negative indices count from the end of the axis; out-of-bounds indices read zero ("Zero will be
stored for OOB access"). Scatter writes each update once: different updates to one target and shapes
outside the documented constraints are errors. One-hot treats an index ``i < 0`` as ``i + depth`` and an index outside
``[0, depth)`` as all-off, as ONNX OneHot does.
"""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import INTEGER
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register


def _normalise(idx: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices made non-negative (0 where out of bounds) and the in-bounds mask."""
    idx = idx.to(torch.int64)
    ok = (idx >= -length) & (idx < length)
    norm = torch.where(idx < 0, idx + length, idx)
    return torch.where(ok, norm, torch.zeros_like(norm)), ok


def gather_default(data: torch.Tensor, idx: torch.Tensor, axis: int) -> torch.Tensor:
    """ONNX Gather along ``axis``; out-of-bounds indices read zero."""
    out_shape = list(data.shape[:axis]) + list(idx.shape) + list(data.shape[axis + 1 :])
    length = data.shape[axis]
    if length == 0:
        return torch.zeros(out_shape, dtype=data.dtype)
    norm, ok = _normalise(idx, length)
    out = torch.index_select(data, axis, norm.reshape(-1)).reshape(out_shape)
    mask = ok.reshape([1] * axis + list(idx.shape) + [1] * (data.dim() - axis - 1))
    return torch.where(mask, out, torch.zeros((), dtype=data.dtype))


@register("GATHER", "IGatherLayer")
def gather(ctx: LayerContext) -> list[torch.Tensor]:
    """Gather in the layer's mode."""
    data, idx = ctx.input(0), ctx.input(1)
    if idx.dtype not in (torch.int32, torch.int64):
        raise ctx.fail(f"indices must be int32 or int64, got {describe(idx)}")
    mode = ctx.layer.mode.name
    ne = int(ctx.layer.num_elementwise_dims)
    if mode == "DEFAULT":
        return [_gather_default_layer(ctx, data, idx, ne).contiguous()]
    if mode == "ELEMENT":
        return [_gather_element(ctx, data, idx, ne).contiguous()]
    if mode == "ND":
        return [_gather_nd(ctx, data, idx, ne).contiguous()]
    raise ctx.unsupported(f"gather mode {mode} is not implemented")


def _gather_default_layer(ctx: LayerContext, data: torch.Tensor, idx: torch.Tensor, ne: int) -> torch.Tensor:
    axis = ctx.axis(int(ctx.layer.axis), data.dim())
    if ne == 0:
        return gather_default(data, idx, axis)
    if ne != 1 or axis < 1 or idx.dim() < 1:
        raise ctx.fail(f"DEFAULT gather with num_elementwise_dims {ne} and axis {axis} is not supported")
    batch = {data.shape[0], idx.shape[0]} - {1}
    if len(batch) > 1:
        raise ctx.fail(f"elementwise dimension of {describe(data)} and {describe(idx)} do not broadcast")
    count = batch.pop() if batch else 1
    parts = [
        gather_default(data[b if data.shape[0] > 1 else 0], idx[b if idx.shape[0] > 1 else 0], axis - 1)
        for b in range(count)
    ]
    return torch.stack(parts, dim=0)


def _gather_element(ctx: LayerContext, data: torch.Tensor, idx: torch.Tensor, ne: int) -> torch.Tensor:
    axis = ctx.axis(int(ctx.layer.axis), data.dim())
    if ne != 0 or idx.dim() != data.dim():
        raise ctx.fail(
            f"ELEMENT gather needs equal ranks and num_elementwise_dims 0: {describe(data)}, {describe(idx)}"
        )
    norm, ok = _normalise(idx, data.shape[axis])
    out = torch.gather(data, axis, norm)
    return torch.where(ok, out, torch.zeros((), dtype=data.dtype))


def _gather_nd(ctx: LayerContext, data: torch.Tensor, idx: torch.Tensor, ne: int) -> torch.Tensor:
    k = idx.shape[-1] if idx.dim() else 0
    if idx.dim() < 1 or list(data.shape[:ne]) != list(idx.shape[:ne]) or ne + k > data.dim():
        raise ctx.fail(f"ND gather of {describe(data)} with indices {describe(idx)}, batch dims {ne}")
    batch = 1
    for d in data.shape[:ne]:
        batch *= d
    rest = list(data.shape[ne + k :])
    flat_data = data.reshape([batch] + list(data.shape[ne:]))
    coords = idx.reshape(batch, -1, k).to(torch.int64)
    ok = torch.ones(coords.shape[:2], dtype=torch.bool)
    subscripts: list[torch.Tensor] = [torch.arange(batch).reshape(batch, 1)]
    for j in range(k):
        norm, inside = _normalise(coords[..., j], data.shape[ne + j])
        subscripts.append(norm)
        ok &= inside
    out = flat_data[tuple(subscripts)]  # [batch, m, *rest]
    out = torch.where(ok.reshape(list(ok.shape) + [1] * len(rest)), out, torch.zeros((), dtype=data.dtype))
    return out.reshape(list(idx.shape[:-1]) + rest)


@register("SCATTER", "IScatterLayer")
def scatter(ctx: LayerContext) -> list[torch.Tensor]:
    """A copy of data with ``updates`` written at ``indices`` (ELEMENT or ND mode).

    TensorRT's scatter is ONNX ScatterElements / ScatterND without reduction: which of several
    updates to one element wins is not defined, so different updates to one target are an error
    here rather than an answer an engine need not give. Shapes are held to the documented constraints (ELEMENT:
    indices and updates of one shape, no larger than data off the axis; ND: updates of shape
    ``indices.shape[:-1] + data.shape[k:]``), which PyTorch's own scatter would otherwise relax.
    """
    data, idx, updates = ctx.input(0), ctx.input(1), ctx.input(2)
    if idx.dtype not in (torch.int32, torch.int64) or updates.dtype != data.dtype:
        raise ctx.fail(f"scatter of {describe(updates)} into {describe(data)} at {describe(idx)}")
    mode = ctx.layer.mode.name
    if mode == "ELEMENT":
        return [_scatter_element(ctx, data, idx, updates)]
    if mode == "ND":
        return [_scatter_nd(ctx, data, idx, updates)]
    raise ctx.unsupported(f"scatter mode {mode} is not implemented")


def _scatter_element(ctx: LayerContext, data: torch.Tensor, idx: torch.Tensor, updates: torch.Tensor) -> torch.Tensor:
    axis = ctx.axis(int(ctx.layer.axis), data.dim())
    fits = idx.dim() == data.dim() and all(idx.shape[a] <= data.shape[a] for a in range(idx.dim()) if a != axis)
    if list(updates.shape) != list(idx.shape) or not fits:
        raise ctx.fail(f"ELEMENT scatter of {describe(updates)} at {describe(idx)} into {describe(data)} on axis "
                       f"{axis}: indices and updates must have one shape, no larger than data off the axis")
    norm, ok = _normalise(idx, data.shape[axis])
    if not bool(ok.all()):
        raise ctx.fail("scatter indices are out of bounds")
    grids = torch.meshgrid(*[torch.arange(n) for n in idx.shape], indexing="ij") if idx.dim() else ()
    targets = [norm if a == axis else g for a, g in enumerate(grids)]
    _refuse_conflicts(ctx, targets, list(data.shape), updates)
    return data.clone().scatter_(axis, norm, updates)


def _scatter_nd(ctx: LayerContext, data: torch.Tensor, idx: torch.Tensor, updates: torch.Tensor) -> torch.Tensor:
    k = idx.shape[-1] if idx.dim() else 0
    expected = list(idx.shape[:-1]) + list(data.shape[k:])
    if idx.dim() < 1 or k > data.dim() or list(updates.shape) != expected:
        raise ctx.fail(f"ND scatter of {describe(updates)} at {describe(idx)} into {describe(data)}: "
                       f"updates must have shape {expected}")
    subscripts = []
    for j in range(k):
        norm, ok = _normalise(idx[..., j], data.shape[j])
        if not bool(ok.all()):
            raise ctx.fail("scatter indices are out of bounds")
        subscripts.append(norm)
    _refuse_conflicts(ctx, subscripts, list(data.shape[:k]), updates)
    out = data.clone()
    out[tuple(subscripts)] = updates
    return out


def _refuse_conflicts(ctx: LayerContext, subscripts: list[torch.Tensor], sizes: list[int],
                      updates: torch.Tensor) -> None:
    """Fail when two different updates target one element (or slice): TensorRT leaves the winner
    undefined. Equal updates to one target give one answer whichever is kept."""
    flat = torch.zeros(subscripts[0].shape if subscripts else (), dtype=torch.int64)
    for subscript, size in zip(subscripts, sizes, strict=True):
        flat = flat * size + subscript
    flat = flat.reshape(-1)
    if flat.numel() == torch.unique(flat).numel():
        return
    order = torch.argsort(flat, stable=True)
    rows = updates.reshape(flat.numel(), -1)[order]
    repeated = flat[order][1:] == flat[order][:-1]
    same = (rows[1:] == rows[:-1]) | (torch.isnan(rows[1:]) & torch.isnan(rows[:-1])) \
        if rows.is_floating_point() else rows[1:] == rows[:-1]
    if bool((repeated & ~same.all(dim=1)).any()):
        raise ctx.fail("several different updates write one element: TensorRT does not define which one is kept")


@register("ONE_HOT", "IOneHotLayer")
def one_hot(ctx: LayerContext) -> list[torch.Tensor]:
    """``on`` where the new axis equals the index, ``off`` elsewhere; values = [off, on]."""
    idx, values = ctx.input(0), ctx.input(1)
    depth = int(ctx.scalar(2, "depth"))
    if idx.dtype not in INTEGER or values.numel() != 2 or depth < 0:
        raise ctx.fail(f"one-hot of {describe(idx)} with values {describe(values)} and depth {depth}")
    axis = ctx.axis(int(ctx.layer.axis), idx.dim() + 1)
    norm = torch.where(idx < 0, idx.to(torch.int64) + depth, idx.to(torch.int64))
    hot = torch.arange(depth) == norm.unsqueeze(-1)
    off, on = values.reshape(-1)[0], values.reshape(-1)[1]
    return [torch.movedim(torch.where(hot, on, off), -1, axis).contiguous()]


# INonZeroLayer's documented input types (TensorRT operator reference, NonZero: T1); no int64.
NON_ZERO_INPUTS = (torch.bool, torch.int8, torch.int32, torch.float16, torch.float32, torch.bfloat16)


@register("NON_ZERO", "INonZeroLayer")
def non_zero(ctx: LayerContext) -> list[torch.Tensor]:
    """Subscripts of the non-zero (true) elements as a ``[rank, count]`` matrix of the layer's indices type.

    Columns are in lexical (row-major) order; ``count`` is known only now, from the values: the
    network declares that dim as -1. A 0-d input gives ``[0, count]``, as ONNX NonZero does.
    """
    x = ctx.input(0)
    if x.dtype not in NON_ZERO_INPUTS:
        raise ctx.fail(f"NonZero does not take {describe(x)} (its input types: bool, int8, int32, fp16, fp32, bf16)")
    subscripts = torch.nonzero(x.reshape(1) if x.dim() == 0 else x).t()[: x.dim()]
    return [subscripts.to(ctx.output_dtype(0)).contiguous()]
