"""Grid sampling (``F.grid_sample``, exported as ``grid_sampler_2d``) on TensorRT's GridSample layer.

PyTorch and TensorRT read the grid the same way: ``grid[n, h, w] = (x, y)`` in coordinates
normalised to ``[-1, 1]``, x along the input's width, y along its height, with the same two
``align_corners`` conventions. PyTorch's padding modes are TensorRT's sample modes: zeros reads 0
outside the input (FILL), border clamps to the edge (CLAMP), reflection mirrors at the borders
(REFLECT).
"""

from __future__ import annotations

from typing import Any

from trtrepo.convert.context import ConversionContext

# PyTorch's integer codes (GridSamplerInterpolation / GridSamplerPadding) -> TensorRT member names
INTERPOLATION = {0: "LINEAR", 1: "NEAREST"}  # 2, bicubic, is refused by the converter's validator
PADDING = {0: "FILL", 1: "CLAMP", 2: "REFLECT"}


def grid_sample(ctx: ConversionContext, *, tensor: Any, grid: Any, interpolation_mode: int, padding_mode: int,
                align_corners: bool) -> Any:
    """``grid_sampler_2d``: ``[N, C, H, W]`` sampled at ``[N, H_out, W_out, 2]`` -> ``[N, C, H_out, W_out]``."""
    layer = ctx.network.add_grid_sample(tensor, grid)
    layer.interpolation_mode = getattr(ctx.trt.InterpolationMode, INTERPOLATION[interpolation_mode])
    layer.sample_mode = getattr(ctx.trt.SampleMode, PADDING[padding_mode])
    layer.align_corners = bool(align_corners)
    return layer.get_output(0)
