"""SHUFFLE, SQUEEZE, UNSQUEEZE, CONCATENATION and REVERSE_SEQUENCE: layers that move data without changing it.

Shuffle = first transpose, then reshape, then second transpose. A permutation lists, for each
output dimension, the input dimension it takes (CHW -> HWC is ``[1, 2, 0]``). In the reshape
dimensions, -1 is inferred from the volume and 0 copies the input dimension at the same index when
``zero_is_placeholder`` is true (the default), or means a zero-length dimension when it is false.
Dynamic reshape dimensions (input 1) follow the same rules.
"""

from __future__ import annotations

import torch

from trtrepo.reference.layer import LayerContext, describe, dims
from trtrepo.reference.registry import register


@register("SHUFFLE", "IShuffleLayer")
def shuffle(ctx: LayerContext) -> list[torch.Tensor]:
    """Transpose, reshape, transpose."""
    x = ctx.input(0)
    x = _permute(ctx, x, dims(ctx.layer.first_transpose) or [], "first_transpose")
    spec: list[int] | None
    if ctx.has_input(1):
        spec = ctx.shape_values(1, "reshape dimensions")
    else:
        spec = dims(ctx.layer.reshape_dims)
    if spec is not None:
        x = x.reshape(resolve_reshape(ctx, list(x.shape), spec, bool(ctx.layer.zero_is_placeholder)))
    x = _permute(ctx, x, dims(ctx.layer.second_transpose) or [], "second_transpose")
    return [x.contiguous()]


def _permute(ctx: LayerContext, x: torch.Tensor, order: list[int], what: str) -> torch.Tensor:
    # The Python API returns all Dims::MAX_DIMS entries; only the first rank ones apply.
    rank = x.dim()
    perm = order[:rank]
    if len(perm) < rank or sorted(perm) != list(range(rank)):
        raise ctx.fail(f"{what} {order} is not a permutation of {rank} dimensions")
    return x.permute(perm)


def resolve_reshape(ctx: LayerContext, shape: list[int], spec: list[int], zero_is_placeholder: bool) -> list[int]:
    """Concrete dimensions for a reshape spec with 0 placeholders and one -1."""
    out: list[int] = []
    for i, d in enumerate(spec):
        if d == 0 and zero_is_placeholder:
            if i >= len(shape):
                raise ctx.fail(f"reshape dimension {i} is 0 but the input has only {len(shape)} dimensions")
            out.append(shape[i])
        elif d < -1:
            raise ctx.fail(f"reshape dimensions {spec} hold the invalid value {d}")
        else:
            out.append(d)
    volume = 1
    for d in shape:
        volume *= d
    if out.count(-1) > 1:
        raise ctx.fail(f"reshape dimensions {spec} hold more than one -1")
    if -1 in out:
        known = 1
        for d in out:
            if d != -1:
                known *= d
        if known == 0 or volume % known:
            raise ctx.fail(f"cannot infer -1 in {spec} for input shape {shape}")
        out[out.index(-1)] = volume // known
    target = 1
    for d in out:
        target *= d
    if target != volume:
        raise ctx.fail(f"reshape {spec} -> {out} changes the volume of input shape {shape}")
    return out


@register("SQUEEZE", "ISqueezeLayer")
def squeeze(ctx: LayerContext) -> list[torch.Tensor]:
    """Remove the unit dimensions named by the axes tensor (input 1), or without it every dimension the
    network declares as 1: a dynamic dimension stays, and must not be 1 at run time (the output rank is
    fixed when the network is defined)."""
    x = ctx.input(0)
    if ctx.has_input(1):
        axes = sorted({ctx.axis(a, x.dim()) for a in ctx.shape_values(1, "axes")})
    else:
        declared = [int(d) for d in ctx.layer.get_input(0).shape]
        axes = [i for i, d in enumerate(declared) if d == 1]
        dynamic_ones = [i for i, d in enumerate(declared) if d == -1 and x.shape[i] == 1]
        if dynamic_ones:
            raise ctx.fail(f"dynamic dimensions {dynamic_ones} of {describe(x)} are 1 at run time; without an "
                           "axes input only dimensions declared as 1 are removed")
    for a in axes:
        if x.shape[a] != 1:
            raise ctx.fail(f"cannot squeeze axis {a} of length {x.shape[a]} in {describe(x)}")
    keep = [d for i, d in enumerate(x.shape) if i not in axes]
    return [x.reshape(keep).contiguous()]


@register("UNSQUEEZE", "IUnsqueezeLayer")
def unsqueeze(ctx: LayerContext) -> list[torch.Tensor]:
    """Insert unit dimensions at the output axes named by the axes tensor (input 1, required)."""
    x = ctx.input(0)
    if not ctx.has_input(1):
        raise ctx.fail("an unsqueeze layer needs its axes input (input 1)")
    given = ctx.shape_values(1, "axes")
    rank = x.dim() + len(given)
    axes = {ctx.axis(a, rank) for a in given}
    if len(axes) != len(given):
        raise ctx.fail(f"unsqueeze axes {given} repeat an axis")
    source = iter(x.shape)
    shape = [1 if i in axes else next(source) for i in range(rank)]
    return [x.reshape(shape).contiguous()]


@register("CONCATENATION", "IConcatenationLayer")
def concatenation(ctx: LayerContext) -> list[torch.Tensor]:
    """Join the inputs along ``axis``; every other dimension must match."""
    inputs = ctx.inputs()
    first = inputs[0]
    axis = int(ctx.layer.axis)
    if not 0 <= axis < first.dim():  # TensorRT's builder rejects negative axes here
        raise ctx.fail(f"concatenation axis {axis} is outside [0, {first.dim()})")
    for t in inputs[1:]:
        same = t.dim() == first.dim() and all(
            a == b for i, (a, b) in enumerate(zip(t.shape, first.shape, strict=True)) if i != axis
        )
        if t.dtype != first.dtype or not same:
            raise ctx.fail(f"inputs {[describe(t) for t in inputs]} cannot be joined on axis {axis}")
    return [torch.cat(inputs, dim=axis)]


@register("REVERSE_SEQUENCE", "IReverseSequenceLayer")
def reverse_sequence(ctx: LayerContext) -> list[torch.Tensor]:
    """For each batch entry ``b`` (along ``batch_axis``), reverse its first ``lengths[b]`` elements along
    ``sequence_axis``; the rest stay in place."""
    x = ctx.input(0)
    lengths = ctx.shape_values(1, "sequence lengths")
    batch_axis = ctx.axis(int(ctx.layer.batch_axis), x.dim(), "batch_axis")
    sequence_axis = ctx.axis(int(ctx.layer.sequence_axis), x.dim(), "sequence_axis")
    if batch_axis == sequence_axis or len(lengths) != x.shape[batch_axis]:
        raise ctx.fail(f"{len(lengths)} sequence lengths for batch axis {batch_axis} and sequence axis "
                       f"{sequence_axis} of {describe(x)}")
    out = x.clone()
    for b, length in enumerate(lengths):
        if not 0 <= length <= x.shape[sequence_axis]:
            raise ctx.fail(f"sequence length {length} of batch entry {b} is outside [0, {x.shape[sequence_axis]}]")
        entry = x.select(batch_axis, b)
        axis = sequence_axis - (sequence_axis > batch_axis)
        head = entry.narrow(axis, 0, length).flip(axis)
        out.select(batch_axis, b).narrow(axis, 0, length).copy_(head)
    return [out.contiguous()]
