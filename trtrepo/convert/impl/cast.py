"""dtype conversion (``aten._to_copy``) as TensorRT cast layers.

TensorRT's cast truncates float to integer toward zero and maps anything to bool as ``!= 0``, as
PyTorch does. UINT8 converts only to and from float32/float16, so other uint8 casts pass through
float32 (exact for every uint8 value).
"""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.convert.context import ConversionContext

_UINT8_PARTNERS = (torch.float32, torch.float16)


def to_dtype(ctx: ConversionContext, *, tensor: Any, dtype: torch.dtype) -> Any:
    """``tensor.to(dtype)`` with explicit cast layers (routing uint8 through float32)."""
    source = ctx.dtype_of(tensor)
    if source == dtype:
        return tensor
    if torch.uint8 in (source, dtype) and not {source, dtype} & set(_UINT8_PARTNERS):
        tensor = ctx.cast(tensor, torch.float32)
    return ctx.cast(tensor, dtype)
