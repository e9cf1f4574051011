"""GRID_SAMPLE: sample ``[N, C, H, W]`` at the normalised points of a ``[N, H_out, W_out, 2]`` grid.

TensorRT's GridSample operator: ``grid[n, h, w] = (x, y)`` names a point of the input in
coordinates normalised to ``[-1, 1]`` (x along W, y along H); the output ``[N, C, H_out, W_out]``
holds the input interpolated there. A coordinate ``g`` of an axis of length ``L`` maps to the pixel
coordinate ``(g + 1) / 2 * (L - 1)`` with ``align_corners`` (-1 and 1 are the centres of the corner
pixels) and ``((g + 1) * L - 1) / 2`` without (-1 and 1 are the outer edges of the corner pixels).

``sample_mode`` says what an out-of-bounds point reads:

* FILL: every neighbour outside the input reads 0;
* CLAMP: the coordinate is clamped to ``[0, L - 1]`` (the nearest border value);
* REFLECT: the coordinate is reflected by the borders until it lies inside — about the corner
  pixels' centres (0 and L - 1) with ``align_corners``, about their outer edges (-0.5 and L - 0.5)
  without — and then clamped to ``[0, L - 1]``.

LINEAR blends the four neighbours bilinearly; NEAREST takes the pixel the coordinate rounds to,
halves to even. CUBIC is not implemented here.
"""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import compute, is_floating, store
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register

SAMPLE_MODES = ("FILL", "CLAMP", "REFLECT")


@register("GRID_SAMPLE", "IGridSampleLayer")
def grid_sample(ctx: LayerContext) -> list[torch.Tensor]:
    """Interpolate input 0 at the points of grid input 1."""
    x, grid = ctx.input(0), ctx.input(1)
    _check_inputs(ctx, x, grid)
    sample = ctx.layer.sample_mode.name
    if sample not in SAMPLE_MODES:
        raise ctx.fail(f"sample mode {sample} is not one GridSample supports ({', '.join(SAMPLE_MODES)})")
    align = bool(ctx.layer.align_corners)
    height, width = x.shape[2], x.shape[3]
    points = compute(grid)
    cols = _source(points[..., 0], width, align, sample)
    rows = _source(points[..., 1], height, align, sample)
    value = compute(x)
    mode = ctx.layer.interpolation_mode.name
    if mode == "NEAREST":
        out = _tap(value, torch.round(rows).to(torch.int64), torch.round(cols).to(torch.int64))
    elif mode == "LINEAR":
        out = _bilinear(value, rows, cols)
    else:
        raise ctx.fail(f"{mode} grid sampling is not implemented")
    return [store(out, x.dtype)]


def _check_inputs(ctx: LayerContext, x: torch.Tensor, grid: torch.Tensor) -> None:
    if x.dim() != 4 or grid.dim() != 4 or grid.shape[3] != 2 or grid.shape[0] != x.shape[0]:
        raise ctx.fail(f"needs input [N, C, H, W] and grid [N, H_out, W_out, 2], "
                       f"got {describe(x)} and {describe(grid)}")
    if not is_floating(x) or grid.dtype != x.dtype:
        raise ctx.fail(f"input and grid must share one floating type, got {describe(x)} and {describe(grid)}")


def _source(g: torch.Tensor, length: int, align: bool, sample: str) -> torch.Tensor:
    """Pixel coordinates of normalised coordinates ``g`` along an axis of ``length``."""
    coord = (g + 1) / 2 * (length - 1) if align else ((g + 1) * length - 1) / 2
    if sample == "CLAMP":
        return coord.clamp(0, length - 1)
    if sample == "REFLECT":
        low, high = (0.0, length - 1.0) if align else (-0.5, length - 0.5)
        return _reflect(coord, low, high).clamp(0, length - 1)
    return coord


def _reflect(coord: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Fold ``coord`` into ``[low, high]`` by mirroring it at both ends, as often as it takes."""
    span = high - low
    if span <= 0:
        return torch.zeros_like(coord)
    distance = (coord - low).abs()
    flips = torch.floor(distance / span)
    extra = distance - flips * span
    even = torch.remainder(flips, 2) == 0
    return torch.where(even, low + extra, high - extra)


def _bilinear(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    top, left = torch.floor(rows), torch.floor(cols)
    dy, dx = (rows - top).unsqueeze(1), (cols - left).unsqueeze(1)  # [N, 1, H_out, W_out]
    top_i, left_i = top.to(torch.int64), left.to(torch.int64)
    return (_tap(x, top_i, left_i) * (1 - dy) * (1 - dx) + _tap(x, top_i, left_i + 1) * (1 - dy) * dx
            + _tap(x, top_i + 1, left_i) * dy * (1 - dx) + _tap(x, top_i + 1, left_i + 1) * dy * dx)


def _tap(x: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
    """``x[n, :, rows, cols]`` as ``[N, C, H_out, W_out]``; 0 where the pixel lies outside ``x``."""
    n, _, height, width = x.shape
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    batch = torch.arange(n).view(n, 1, 1)
    picked = x.permute(0, 2, 3, 1)[batch, rows.clamp(0, max(height - 1, 0)), cols.clamp(0, max(width - 1, 0))]
    return torch.where(inside.unsqueeze(-1), picked, torch.zeros_like(picked)).permute(0, 3, 1, 2)
