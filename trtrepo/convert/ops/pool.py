"""Pooling converters."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.pool import global_average, pool
from trtrepo.convert.registry import converter
from trtrepo.convert.validators import (
    arg_equals,
    input_rank_in,
    only_first_output_used,
    static_spatial_dims,
)


def _arg(args: Any, index: int, default: Any) -> Any:
    return args[index] if len(args) > index else default


@converter(
    aten.max_pool2d_with_indices.default,
    validators=(only_first_output_used("max-pool indices"), arg_equals(4, "dilation", 1, 1),
                input_rank_in(0, (4,), "input (unbatched pooling)")),
)
def max_pool2d(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    out = pool(ctx, tensor=args[0], kind="MAX", kernel=args[1], stride=_arg(args, 2, []),
               padding=_arg(args, 3, 0), ceil_mode=_arg(args, 5, False))
    return out, None


@converter(
    aten.avg_pool2d.default,
    validators=(arg_equals(4, "ceil_mode", False, False), arg_equals(6, "divisor_override", None, None),
                input_rank_in(0, (4,), "input (unbatched pooling)")),
)
def avg_pool2d(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return pool(ctx, tensor=args[0], kind="AVERAGE", kernel=args[1], stride=_arg(args, 2, []),
                padding=_arg(args, 3, 0), ceil_mode=False, exclude_padding=not _arg(args, 5, True))


@converter(
    aten._adaptive_avg_pool2d.default, aten.adaptive_avg_pool2d.default,
    validators=(static_spatial_dims(0, 2), input_rank_in(0, (4,), "input (unbatched pooling)")),
)
def adaptive_avg_pool2d(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    tensor, output_size = args[0], list(args[1])
    if output_size == [1, 1]:
        return global_average(ctx, tensor=tensor, spatial=2)
    in_h, in_w = tensor.shape[-2], tensor.shape[-1]
    out_h, out_w = output_size
    if in_h % out_h or in_w % out_w:
        raise ValueError(f"adaptive pooling from {in_h}x{in_w} to {out_h}x{out_w} needs uneven windows")
    kernel = [in_h // out_h, in_w // out_w]
    return pool(ctx, tensor=tensor, kind="AVERAGE", kernel=kernel, stride=kernel, padding=0, ceil_mode=False)
