"""Resize converters: nearest, nearest-exact, (bi/tri)linear and bicubic upsampling (``F.interpolate``)."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.fx.experimental.symbolic_shapes import statically_known_true
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import resample, resize
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


def _scales(node: torch.fx.Node) -> tuple[list[Any], list[Any], list[float | None]] | None:
    """The spatial input sizes, output sizes and scales (None: none given) of an upsample node.

    None where the scales play no part: with ``align_corners`` (PyTorch maps by (in - 1) / (out - 1)
    whatever the scale), or without fake values.
    """
    bound = node_args(node)
    if bound.get("align_corners"):
        return None
    val, out = fake_tensor(_image(bound)), fake_tensor(node)
    spatial = MODES[node.target][1]
    if val is None or out is None:
        return None
    if "scale_factors" in bound:
        factors = _scale_factors(bound, spatial)
        scales: list[float | None] = [None] * spatial if factors is None else list(factors)
    else:
        scales = [v for k, v in bound.items() if k.startswith("scales")]
    return list(val.shape[-spatial:]), list(out.shape[-spatial:]), scales


def resampled(node: torch.fx.Node) -> bool:
    """Whether a scale and TensorRT's in / out ratio disagree on some dim (so ``impl.resample`` converts it)."""
    facts = _scales(node)
    if facts is None:
        return False
    sizes, outs, scales = facts
    return not all(s is None or _scale_agrees(i, s, o) for i, s, o in zip(sizes, scales, outs, strict=True))


def _exact_where_dynamic(node: torch.fx.Node) -> bool:
    facts = _scales(node)
    if facts is None or not resampled(node):
        return True
    sizes, _, scales = facts
    return all(isinstance(i, int) or s is None or resample.exact_on_dynamic_dims(s)
               for i, s in zip(sizes, scales, strict=True))


VALIDATORS = (
    Validator("non-floating-point input", _float_input),
    Validator("a scale factor on a dynamic dim whose output length differs from input x scale and which is not a "
              "multiple of 2**-16 (floor(input x scale) is then not computed exactly at run time)",
              _exact_where_dynamic),
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
    facts = _scales(ctx.node) if ctx.node is not None and resampled(ctx.node) else None
    if facts is not None:  # PyTorch maps by 1 / scale where TensorRT's resize layer would use in / out
        return resample.resample(ctx, tensor=_image(a), mode=mode, scales=facts[2],
                                 outs=None if size is None else list(size))
    return resize.upsample(ctx, tensor=_image(a), mode=mode, output_size=None if size is None else list(size),
                           scale_factors=_scale_factors(a, spatial), align_corners=bool(a.get("align_corners")))
