"""Padding (constant, reflect, replicate, circular) as one ISliceLayer with a sample mode.

A slice that starts before the input and runs past its end reads outside it; the sample mode says
what it reads there: FILL (a constant), REFLECT (mirror without repeating the edge, as PyTorch's
``reflect``), CLAMP (the edge value, PyTorch's ``replicate``) or WRAP (PyTorch's ``circular``).
Negative pads start inside the input or stop short of its end: they crop, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import dim_size
from trtrepo.convert.impl.spatial import affine_size, slice_axes

# PyTorch's padding mode -> TensorRT's slice sample mode.
SAMPLE_MODES = {"constant": "FILL", "reflect": "REFLECT", "replicate": "CLAMP", "circular": "WRAP"}


def pad(ctx: ConversionContext, *, tensor: Any, pads: Sequence[int], mode: str = "constant",
        value: float | int | None = None) -> Any:
    """``torch.nn.functional.pad``: ``pads`` lists (before, after) pairs from the last dim backwards."""
    if len(pads) % 2:
        raise ValueError(f"padding {list(pads)} must hold (before, after) pairs")
    rank = len(tensor.shape)
    if len(pads) // 2 > rank:
        raise ValueError(f"padding {list(pads)} pads more dims than the input's {rank}")
    before = {rank - 1 - i: int(pads[2 * i]) for i in range(len(pads) // 2)}
    after = {rank - 1 - i: int(pads[2 * i + 1]) for i in range(len(pads) // 2)}
    return pad_axes(ctx, tensor=tensor, before=before, after=after, mode=SAMPLE_MODES[mode], fill=value or 0)


def pad_axes(ctx: ConversionContext, *, tensor: Any, before: dict[int, int], after: dict[int, int],
             mode: str = "FILL", fill: float | int = 0) -> Any:
    """Pad (or crop, when negative) the given axes by ``before``/``after`` positions.

    ``mode`` is a ``trt.SampleMode`` name; the padded size of a dynamic axis is a shape tensor.
    """
    axes = [a for a in before if before[a] or after.get(a, 0)]
    if not axes:
        return tensor
    sizes = {a: affine_size(ctx, dim_size(ctx, tensor=tensor, dim=a), offset=before[a] + after.get(a, 0))
             for a in axes}
    starts = {a: -before[a] for a in axes}
    return slice_axes(ctx, tensor, starts=starts, sizes=sizes, mode=mode, fill=fill)
