"""Softmax converters: ``softmax``/``log_softmax`` (kept whole) and their ``_softmax`` internals."""

from __future__ import annotations

from typing import Any

import torch
from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import softmax
from trtrepo.convert.registry import converter
from trtrepo.convert.validators import float_result, result_types_supported

VALIDATORS = (result_types_supported(), float_result())


@converter(aten.softmax.int, aten.log_softmax.int, tensors=("self",), validators=VALIDATORS)
def softmax_int(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return softmax.softmax(ctx, tensor=a["self"], dim=a["dim"], dtype=a["dtype"], log=target is aten.log_softmax.int)


@converter(aten._softmax.default, aten._log_softmax.default, tensors=("self",), validators=VALIDATORS)
def softmax_internal(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    # half_to_float: a float16 input gives a float32 result
    return softmax.softmax(ctx, tensor=a["self"], dim=a["dim"], dtype=torch.float32 if a["half_to_float"] else None,
                           log=target is aten._log_softmax.default)
