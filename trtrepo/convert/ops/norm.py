"""Normalization converters."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.norm import batch_norm_inference
from trtrepo.convert.registry import converter
from trtrepo.convert.validators import constant_arg, only_first_output_used


@converter(
    aten._native_batch_norm_legit_no_training.default,
    validators=(
        constant_arg(1, "batch-norm weight"), constant_arg(2, "batch-norm bias"),
        constant_arg(3, "batch-norm running mean"), constant_arg(4, "batch-norm running var"),
        only_first_output_used("batch-norm saved mean/invstd"),
    ),
)
def batch_norm_eval(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor, weight, bias, mean, var, _momentum, eps = args
    out = batch_norm_inference(ctx, tensor=tensor, weight=weight, bias=bias, mean=mean, var=var, eps=eps)
    return out, None, None
