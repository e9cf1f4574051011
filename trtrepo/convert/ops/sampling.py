"""Sampling converters: ``F.grid_sample`` on 4-D inputs (``grid_sampler_2d``).

``F.grid_sample`` exports as ``aten.grid_sampler``, which the lowering decomposes into
``grid_sampler_2d`` for 4-D inputs (5-D inputs become ``grid_sampler_3d``: TensorRT's GridSample
layer is 2-D only, and that op stays without a converter).
"""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import sampling
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import arg_in, float_input

VALIDATORS = (
    float_input("input"),
    # TensorRT's CUBIC grid sample documents no coefficient and no rule for the taps near a border,
    # so nothing shows it is PyTorch's bicubic (A = -0.75, the padding mode applied to every tap).
    Validator("bicubic interpolation (mode='bicubic'): TensorRT's CUBIC grid sample is not documented to "
              "match PyTorch's (coefficient -0.75, padding applied per tap)",
              arg_in("interpolation_mode", tuple(sampling.INTERPOLATION)).accepts),
    arg_in("padding_mode", tuple(sampling.PADDING)),
)


@converter(aten.grid_sampler_2d.default, tensors=("input", "grid"), validators=VALIDATORS)
def grid_sampler_2d(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return sampling.grid_sample(ctx, tensor=a["input"], grid=a["grid"], interpolation_mode=int(a["interpolation_mode"]),
                                padding_mode=int(a["padding_mode"]), align_corners=bool(a["align_corners"]))
