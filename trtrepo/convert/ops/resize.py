"""Resize converters: nearest, nearest-exact, (bi/tri)linear and bicubic upsampling (``F.interpolate``)."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.fx.experimental.symbolic_shapes import statically_known_true
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import resize
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_tensor

# op -> (interpolation mode, spatial dims)
NEAREST = {
    aten.upsample_nearest1d.vec: ("nearest", 1), aten.upsample_nearest1d.default: ("nearest", 1),
    aten.upsample_nearest2d.vec: ("nearest", 2), aten.upsample_nearest2d.default: ("nearest", 2),
    aten.upsample_nearest3d.vec: ("nearest", 3), aten.upsample_nearest3d.default: ("nearest", 3),
    aten._upsample_nearest_exact1d.vec: ("nearest-exact", 1),
    aten._upsample_nearest_exact1d.default: ("nearest-exact", 1),
    aten._upsample_nearest_exact2d.vec: ("nearest-exact", 2),
    aten._upsample_nearest_exact2d.default: ("nearest-exact", 2),
    aten._upsample_nearest_exact3d.vec: ("nearest-exact", 3),
    aten._upsample_nearest_exact3d.default: ("nearest-exact", 3),
}
INTERPOLATING = {
    aten.upsample_linear1d.vec: ("linear", 1), aten.upsample_linear1d.default: ("linear", 1),
    aten.upsample_bilinear2d.vec: ("linear", 2),
    aten.upsample_trilinear3d.vec: ("linear", 3), aten.upsample_trilinear3d.default: ("linear", 3),
    aten.upsample_bicubic2d.vec: ("cubic", 2),
}
# upsample_bilinear2d.default and upsample_bicubic2d.default are not here: torch registers Python
# Autograd-key decompositions for them, which run_decompositions applies whatever the table says,
# so they never reach a converter (F.interpolate produces the .vec overloads anyway).
MODES = {**NEAREST, **INTERPOLATING}


def _image(bound: dict[str, Any]) -> Any:
    """The tensor resized, which the ``.vec`` schemas call ``input`` and the others ``self``."""
    return bound["input"] if "input" in bound else bound["self"]


def _float_input(node: torch.fx.Node) -> bool:
    val = fake_tensor(_image(node_args(node)))
    return val is not None and val.dtype.is_floating_point


def _scale_agrees(size: Any, scale: float, out: Any | None) -> bool:
    """PyTorch maps coordinates by 1 / scale, TensorRT by in / out: they agree when out == in * scale."""
    if isinstance(size, int):
        exact = float(size * scale)
        return exact.is_integer() and (out is None or out == int(exact))
    if not float(scale).is_integer():
        return False
    return out is None or statically_known_true(out == size * int(scale))


def _scales_agree(node: torch.fx.Node) -> bool:
    bound = node_args(node)
    if bound.get("align_corners"):
        return True  # align_corners maps by (in - 1) / (out - 1) whatever the scale
    val, out = fake_tensor(_image(bound)), fake_tensor(node)
    spatial = MODES[node.target][1]
    if val is None or out is None:
        return False
    sizes, outs = list(val.shape[-spatial:]), list(out.shape[-spatial:])
    if "scale_factors" in bound:
        scales = _scale_factors(bound, spatial)
        return scales is None or all(_scale_agrees(i, s, None) for i, s in zip(sizes, scales, strict=True))
    scales = [v for k, v in bound.items() if k.startswith("scales")]
    return all(s is None or _scale_agrees(i, s, o) for i, s, o in zip(sizes, scales, outs, strict=True))


VALIDATORS = (
    Validator("non-floating-point input", _float_input),
    Validator("scale factor whose output length is not exactly input x scale (PyTorch then maps coordinates "
              "by 1/scale, TensorRT by the length ratio) or, on a dynamic dim, is not a whole number",
              _scales_agree),
)


def _scale_factors(bound: dict[str, Any], spatial: int) -> list[float] | None:
    """``.vec``'s scale factors, one per spatial dim (``.default`` has none: it always gives sizes)."""
    scales = bound.get("scale_factors")
    if scales is None:
        return None
    return list(scales) * spatial if len(scales) == 1 else list(scales)


@converter(*(op for op in MODES if op._overloadname == "vec"), tensors=("input",), validators=VALIDATORS)
@converter(*(op for op in MODES if op._overloadname != "vec"), tensors=("self",), validators=VALIDATORS)
def upsample(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """Every upsample overload; only the interpolating ones have ``align_corners``."""
    a = bind_args(target, args, kwargs)
    mode, spatial = MODES[target]
    size = a["output_size"]
    return resize.upsample(ctx, tensor=_image(a), mode=mode, output_size=None if size is None else list(size),
                           scale_factors=_scale_factors(a, spatial), align_corners=bool(a.get("align_corners")))
