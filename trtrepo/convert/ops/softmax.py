"""Softmax converters: ``softmax``/``log_softmax`` (kept whole) and their ``_softmax`` internals."""

from __future__ import annotations

from typing import Any

import torch
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.softmax import softmax
from trtrepo.convert.ops.reduce import float_result, result_types_supported
from trtrepo.convert.registry import arg, converter

VALIDATORS = (result_types_supported(), float_result())


@converter(aten.softmax.int, aten.log_softmax.int, validators=VALIDATORS)
def softmax_int(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return softmax(ctx, tensor=args[0], dim=args[1], dtype=arg(args, kwargs, 2, "dtype"),
                   log=target is aten.log_softmax.int)


@converter(aten._softmax.default, aten._log_softmax.default, validators=VALIDATORS)
def softmax_internal(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    # half_to_float: a float16 input gives a float32 result
    half_to_float = arg(args, kwargs, 2, "half_to_float", False)
    return softmax(ctx, tensor=args[0], dim=args[1], dtype=torch.float32 if half_to_float else None,
                   log=target is aten._log_softmax.default)
