"""Converters for the ``prims`` ops that decompositions and hand-written code leave in exported graphs.

``torch._refs`` decompositions and code calling ``torch.ops.prims`` directly produce them; torch.export
keeps them as they are. Prims do not promote types: their operands already share one dtype.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import arithmetic, cast, reduce
from trtrepo.convert.impl.shape import reshape, sizes_of
from trtrepo.convert.impl.slicing import expand
from trtrepo.convert.ops._pointwise import COMPUTABLE_DTYPES
from trtrepo.convert.ops.cast import CASTABLE
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import float_input, result_types_supported
from trtrepo.graph import fake_tensor

prims = torch.ops.prims

FLOAT_SUM = float_input("inp", "integer or bool input (PyTorch's eager prims.sum accumulates it in int64, the "
                               "exported graph keeps the input's dtype: the two disagree)")
DIMS_GIVEN = Validator("an empty dims list (eager prims.sum reduces every dim, the exported graph none)",
                       lambda node: len(node_args(node)["dims"] or ()) > 0)


def _cast_source(node: torch.fx.Node) -> bool:
    source = fake_tensor(node_args(node)["a"])
    return source is not None and source.dtype in CASTABLE + (torch.int8,)


CAST_TYPES = (
    Validator("cast to a dtype other than float32, float16, bfloat16, int32, int64, bool, uint8 (TensorRT has no "
              "float64, and int8 is a quantized type)", lambda node: node_args(node)["dtype"] in CASTABLE),
    Validator("cast from a dtype other than float32, float16, bfloat16, int32, int64, bool, uint8", _cast_source),
)


@converter(prims.sum.default, tensors=("inp",), validators=(FLOAT_SUM, DIMS_GIVEN, result_types_supported()))
def prims_sum(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return reduce.accumulate(ctx, tensor=a["inp"], dims=a["dims"], keepdim=False, dtype=a["output_dtype"])


@converter(prims.div.default, validators=(COMPUTABLE_DTYPES,))
def prims_div(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """True division of floats; integers divide rounding toward zero (C's ``/``), as prims.div defines."""
    a = bind_args(target, args, kwargs)
    integer = not _dtype(ctx, a["self"]).is_floating_point
    return arithmetic.divide(ctx, lhs=a["self"], rhs=a["other"], rounding_mode="trunc" if integer else None)


def _dtype(ctx: ConversionContext, value: Any) -> torch.dtype:
    """The dtype of an operand: an ITensor, a weight or a Python number."""
    return ctx.dtype_of(value) if ctx.is_tensor(value) else torch.as_tensor(value).dtype


@converter(prims.convert_element_type.default, tensors=("a",), validators=CAST_TYPES)
def prims_convert_element_type(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return cast.to_dtype(ctx, tensor=a["a"], dtype=a["dtype"])


@converter(prims.broadcast_in_dim.default, tensors=("a",))
def prims_broadcast_in_dim(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    """``a``'s dims placed at ``broadcast_dimensions`` of ``shape`` (unit dims elsewhere), then expanded."""
    a = bind_args(target, args, kwargs)
    tensor, shape, placed = a["a"], list(a["shape"]), list(a["broadcast_dimensions"])
    own = sizes_of(ctx, tensor)
    lifted = [own[placed.index(d)] if d in placed else 1 for d in range(len(shape))]
    return expand(ctx, tensor=reshape(ctx, tensor=tensor, sizes=lifted), sizes=shape)
