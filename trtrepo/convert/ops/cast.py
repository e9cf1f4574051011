"""dtype conversion converters."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import cast
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_tensor

# Types a TensorRT network can hold and cast to with documented semantics (INT8 is a quantized type).
CASTABLE = (torch.float32, torch.float16, torch.bfloat16, torch.int32, torch.int64, torch.bool, torch.uint8)


def _source_dtype(node: torch.fx.Node) -> torch.dtype | None:
    source = fake_tensor(node_args(node)["self"])
    return source.dtype if source is not None else None


TARGET_DTYPE = Validator(
    "cast to a dtype other than float32, float16, bfloat16, int32, int64, bool, uint8 (TensorRT has no "
    "float64, and int8 is a quantized type)",
    lambda node: node_args(node)["dtype"] in CASTABLE,
)
SOURCE_DTYPE = Validator(
    "cast from a dtype other than float32, float16, bfloat16, int32, int64, bool, uint8",
    lambda node: _source_dtype(node) in CASTABLE + (torch.int8,),
)
STRIDED = Validator("a non-strided (sparse) layout", lambda node: node_args(node)["layout"] in (None, torch.strided))


@converter(aten._to_copy.default, tensors=("self",), validators=(TARGET_DTYPE, SOURCE_DTYPE, STRIDED))
def to_copy(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """A dtype change (device, layout and memory format mean nothing inside a TensorRT engine)."""
    a = bind_args(target, args, kwargs)
    return cast.to_dtype(ctx, tensor=a["self"], dtype=a["dtype"])
