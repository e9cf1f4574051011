"""Convolution converters: 1-d, 2-d and 3-d, forward and transposed (``aten.convolution``).

``conv1d``/``conv2d``/``conv3d``/``conv_transpose*d`` are left to torch.export's decompositions,
which turn every one of them into ``aten.convolution`` (with an explicit pad for ``padding="same"``).
"""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import conv
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import float_input
from trtrepo.graph import fake_tensor, is_constant


def _batched(node: torch.fx.Node) -> bool:
    a = node_args(node)
    tensor, weight = fake_tensor(a["input"]), fake_tensor(a["weight"])
    return tensor is not None and weight is not None and tensor.dim() == weight.dim() and weight.dim() in (3, 4, 5)


def _dilated_transposed_kernel_is_weight(node: torch.fx.Node) -> bool:
    a = node_args(node)
    if not a["transposed"] or all(d == 1 for d in a["dilation"]):
        return True
    return is_constant(a["weight"])


# Only the input is declared a tensor: a kernel and bias that are weights stay weights, which the
# layer takes as attributes; one computed at run time arrives as an ITensor and becomes a layer input.
@converter(
    aten.convolution.default,
    tensors=("input",),
    validators=(
        Validator("input not batched [N, C, *spatial] with 1 to 3 spatial dims", _batched),
        float_input("input"),
        Validator("dilated transposed convolution with a kernel computed at run time",
                  _dilated_transposed_kernel_is_weight),
    ),
)
def convolution(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return conv.convolution(ctx, tensor=a["input"], weight=a["weight"], bias=a["bias"], stride=a["stride"],
                            padding=a["padding"], dilation=a["dilation"], transposed=a["transposed"],
                            output_padding=a["output_padding"], groups=a["groups"])
