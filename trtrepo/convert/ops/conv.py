"""Convolution converters."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.conv import convolution
from trtrepo.convert.registry import converter
from trtrepo.convert.validators import arg_equals, input_rank_in


@converter(
    aten.convolution.default,
    validators=(
        arg_equals(6, "transposed", False, False),
        input_rank_in(0, (4, 5), "input (1-d convolution)"),
    ),
)
def convolution_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor, weight, bias, stride, padding, dilation, _transposed, _output_padding, groups = args
    return convolution(ctx, tensor=tensor, weight=weight, bias=bias, stride=stride,
                       padding=padding, dilation=dilation, groups=groups)
