"""Convolution converters: 1-d, 2-d and 3-d, forward and transposed (``aten.convolution``).

``conv1d``/``conv2d``/``conv3d``/``conv_transpose*d`` are left to torch.export's decompositions,
which turn every one of them into ``aten.convolution`` (with an explicit pad for ``padding="same"``).
"""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.conv import convolution
from trtrepo.convert.impl.spatial import schema_args
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import is_constant


def _val(value: Any) -> Any:
    return value.meta.get("val") if isinstance(value, torch.fx.Node) else value


def _batched(node: torch.fx.Node) -> bool:
    tensor, weight = _val(node.args[0]), _val(node.args[1])
    return tensor is not None and weight is not None and tensor.dim() == weight.dim() and weight.dim() in (3, 4, 5)


def _float_input(node: torch.fx.Node) -> bool:
    tensor = _val(node.args[0])
    return tensor is not None and tensor.dtype.is_floating_point


def _dilated_transposed_kernel_is_weight(node: torch.fx.Node) -> bool:
    bound = schema_args(node.target, node.args, node.kwargs)
    if not bound["transposed"] or all(d == 1 for d in bound["dilation"]):
        return True
    return is_constant(bound["weight"])


@converter(
    aten.convolution.default,
    validators=(
        Validator("input not batched [N, C, *spatial] with 1 to 3 spatial dims", _batched),
        Validator("non-floating-point input", _float_input),
        Validator("dilated transposed convolution with a kernel computed at run time",
                  _dilated_transposed_kernel_is_weight),
    ),
)
def convolution_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor, weight, bias, stride, padding, dilation, transposed, output_padding, groups = args
    return convolution(ctx, tensor=ctx.as_tensor(tensor), weight=weight, bias=bias, stride=stride,
                       padding=padding, dilation=dilation, transposed=transposed,
                       output_padding=output_padding, groups=groups)
