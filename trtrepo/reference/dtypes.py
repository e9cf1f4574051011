"""TensorRT data types as torch dtypes, and the interpreter's precision policy.

Policy: every tensor is *stored* in the torch dtype matching its TensorRT type (float16 as
``torch.float16``, bfloat16 as ``torch.bfloat16``, bool as ``torch.bool`` ...). Floating-point layers
*compute* in float32 and round to the storage type once, when the layer writes its output. That
models TensorRT's half/bfloat16 kernels, which accumulate in float32 and round on store, and keeps
the oracle free of the extra rounding a half-precision CPU implementation would add between the
steps of one layer. Integer and bool layers compute in their own type, with the wrap-around of that
type.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import torch

from trtrepo.trt_flavour import trt

# TensorRT DataType member name -> torch dtype. FP8 is E4M3 (torch.float8_e4m3fn: no infinities,
# max 448), which only quantize/dequantize layers produce and read. INT4, FP4 and E8M0 have no exact
# torch counterpart the interpreter uses; they are reported as unsupported.
_BY_NAME: dict[str, torch.dtype] = {
    "FLOAT": torch.float32,
    "HALF": torch.float16,
    "BF16": torch.bfloat16,
    "INT8": torch.int8,
    "UINT8": torch.uint8,
    "INT32": torch.int32,
    "INT64": torch.int64,
    "BOOL": torch.bool,
    "FP8": torch.float8_e4m3fn,
}

FLOATING = (torch.float32, torch.float16, torch.bfloat16)
INTEGER = (torch.int8, torch.uint8, torch.int32, torch.int64)


def trt_dtype_name(dtype: Any) -> str:
    """The member name of a TensorRT ``DataType`` (``"FLOAT"``, ``"HALF"``, ...)."""
    return str(getattr(dtype, "name", dtype))


def to_torch(dtype: Any) -> torch.dtype | None:
    """The torch dtype that stores a TensorRT ``DataType``, or None if the interpreter lacks one."""
    return _BY_NAME.get(trt_dtype_name(dtype))


@cache
def _to_trt_table() -> dict[torch.dtype, Any]:
    data_type = trt().DataType
    return {torch_dtype: getattr(data_type, name) for name, torch_dtype in _BY_NAME.items()}


def to_trt(dtype: torch.dtype) -> Any:
    """The TensorRT ``DataType`` for a torch dtype (KeyError if TensorRT has none)."""
    return _to_trt_table()[dtype]


def is_floating(t: torch.Tensor) -> bool:
    """Whether a tensor holds float32, float16 or bfloat16 values."""
    return t.dtype in FLOATING


def is_integer(t: torch.Tensor) -> bool:
    """Whether a tensor holds int8, uint8, int32 or int64 values."""
    return t.dtype in INTEGER


def compute(t: torch.Tensor) -> torch.Tensor:
    """The tensor in its compute precision: float16/bfloat16 widen to float32, others unchanged."""
    if t.dtype in (torch.float16, torch.bfloat16):
        return t.to(torch.float32)
    return t


def store(t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Round/convert a computed tensor to its storage dtype (contiguous, so views never leak)."""
    return t.to(dtype).contiguous()


def cast(t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Convert like TensorRT's Cast layer.

    Float to integer truncates toward zero (the operator documentation's own example turns 8.9 into
    8); float narrowing rounds to nearest even; anything to bool is ``value != 0``; bool to a
    number is 0 or 1.
    """
    if dtype == torch.bool:
        return (t != 0).contiguous()
    if t.dtype in FLOATING and dtype in INTEGER:
        return torch.trunc(compute(t)).to(dtype).contiguous()
    return t.to(dtype).contiguous()
