"""Upsampling (``F.interpolate``) on TensorRT's resize layer, mapped onto PyTorch's coordinate rules.

For output index ``o`` of a dim, PyTorch reads input coordinate (``r = in / out``):

* nearest: ``floor(o * r)`` -> ASYMMETRIC with FLOOR rounding;
* nearest-exact: ``floor((o + 0.5) * r)`` -> HALF_PIXEL (``(o + 0.5) * r - 0.5``) with HALF_UP
  rounding (``floor(x + 0.5)``);
* linear / bilinear / trilinear / bicubic: ``(o + 0.5) * r - 0.5`` -> HALF_PIXEL, or with
  ``align_corners`` ``o * (in - 1) / (out - 1)`` -> ALIGN_CORNERS (an output of one pixel reads
  input 0: selector UPPER); linear clamps to the input, cubic clamps the taps it reads and uses
  coefficient -0.75, exactly TensorRT's CUBIC without ``exclude_outside``.

Given a scale factor ``s``, PyTorch uses ``r = 1 / s`` rather than ``in / out``; this layer is used
only where the two agree (the output length is exactly ``in * s``), ``impl/resample.py`` elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import dim_size, size_tensor
from trtrepo.convert.impl.spatial import Size, affine_size

PYTORCH_CUBIC_COEFFICIENT = -0.75

# mode -> (trt.InterpolationMode, trt.ResizeCoordinateTransformation, trt.ResizeRoundMode) names
MODES = {
    "nearest": ("NEAREST", "ASYMMETRIC", "FLOOR"),
    "nearest-exact": ("NEAREST", "HALF_PIXEL", "HALF_UP"),
    "linear": ("LINEAR", "HALF_PIXEL", "FLOOR"),
    "cubic": ("CUBIC", "HALF_PIXEL", "FLOOR"),
}


def upsample(ctx: ConversionContext, *, tensor: Any, mode: str, output_size: Sequence[Size] | None,
             scale_factors: Sequence[float] | None, align_corners: bool = False) -> Any:
    """``upsample_*`` over the trailing spatial dims, to ``output_size`` or to ``floor(in * scale)``."""
    rank = len(tensor.shape)
    spatial = len(output_size) if output_size is not None else len(scale_factors or ())
    if spatial == 0:
        raise ValueError("upsampling needs an output size or scale factors")
    if output_size is None and all(float(s).is_integer() for s in scale_factors or ()):
        return _by_whole_scales(ctx, tensor=tensor, mode=mode, scales=[float(s) for s in scale_factors or ()],
                                align_corners=align_corners)
    sizes: list[Size] = [dim_size(ctx, tensor=tensor, dim=d) for d in range(rank - spatial)]
    if output_size is not None:
        sizes += list(output_size)
    else:
        assert scale_factors is not None
        for i, scale in enumerate(scale_factors):
            sizes.append(_scaled(ctx, dim_size(ctx, tensor=tensor, dim=rank - spatial + i), float(scale)))
    layer = ctx.network.add_resize(tensor)
    if any(ctx.is_tensor(s) for s in sizes):
        layer.set_input(1, size_tensor(ctx, sizes))
    else:
        layer.shape = tuple(int(s) for s in sizes)
    _configure(ctx, layer, mode, align_corners)
    return layer.get_output(0)


def _by_whole_scales(ctx: ConversionContext, *, tensor: Any, mode: str, scales: list[float],
                     align_corners: bool) -> Any:
    """Whole scale factors as the layer's own scales: its output ``floor(in * s)`` is PyTorch's
    exactly, for static and dynamic dims alike, with no shape arithmetic in the network."""
    layer = ctx.network.add_resize(tensor)
    layer.scales = (1.0,) * (len(tensor.shape) - len(scales)) + tuple(scales)
    _configure(ctx, layer, mode, align_corners)
    return layer.get_output(0)


def _scaled(ctx: ConversionContext, size: Size, scale: float) -> Size:
    """PyTorch's output length ``floor(in * scale)``; a dynamic length needs a whole scale (validated)."""
    if not ctx.is_tensor(size):
        return int(size * scale)
    if not scale.is_integer():
        raise ValueError(f"scale factor {scale} of a dynamic dim must be a whole number")
    return affine_size(ctx, size, scale=int(scale))


def _configure(ctx: ConversionContext, layer: Any, mode: str, align_corners: bool) -> None:
    trt = ctx.trt
    interpolation, transform, rounding = MODES[mode]
    layer.resize_mode = getattr(trt.InterpolationMode, interpolation)
    layer.nearest_rounding = getattr(trt.ResizeRoundMode, rounding)
    if align_corners:
        layer.coordinate_transformation = trt.ResizeCoordinateTransformation.ALIGN_CORNERS
        layer.selector_for_single_pixel = trt.ResizeSelector.UPPER
    else:
        layer.coordinate_transformation = getattr(trt.ResizeCoordinateTransformation, transform)
        layer.selector_for_single_pixel = trt.ResizeSelector.FORMULA
    if interpolation == "CUBIC":
        layer.cubic_coeff = PYTORCH_CUBIC_COEFFICIENT
        layer.exclude_outside = False
