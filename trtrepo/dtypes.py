"""One table of the data types trtrepo handles, in every vocabulary it meets.

models.yaml, PyTorch, TensorRT, Triton's config (``TYPE_FP32``), Triton's wire protocol (``FP32``)
and NumPy each name types differently; keeping them in one row per type means a new type is added
once and the vocabularies can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class DType:
    """A data type as every layer of the stack names it."""

    name: str  # canonical models.yaml name
    torch: torch.dtype
    trt_name: str  # attribute of trt.DataType
    triton: str  # config.pbtxt data_type
    wire: str  # tritonclient datatype string
    is_float: bool

    @property
    def numpy(self) -> np.dtype:
        """NumPy dtype used on the wire (bf16 travels as its raw 16 bits: NumPy has no bf16)."""
        if self.name == "bf16":
            return np.dtype(np.uint16)
        return torch.empty((), dtype=self.torch).numpy().dtype


DTYPES: dict[str, DType] = {
    d.name: d
    for d in (
        DType("fp32", torch.float32, "FLOAT", "TYPE_FP32", "FP32", True),
        DType("fp16", torch.float16, "HALF", "TYPE_FP16", "FP16", True),
        DType("bf16", torch.bfloat16, "BF16", "TYPE_BF16", "BF16", True),
        DType("int64", torch.int64, "INT64", "TYPE_INT64", "INT64", False),
        DType("int32", torch.int32, "INT32", "TYPE_INT32", "INT32", False),
        DType("int8", torch.int8, "INT8", "TYPE_INT8", "INT8", False),
        DType("uint8", torch.uint8, "UINT8", "TYPE_UINT8", "UINT8", False),
        DType("bool", torch.bool, "BOOL", "TYPE_BOOL", "BOOL", False),
    )
}

# Spellings accepted in models.yaml besides the canonical names.
ALIASES: dict[str, str] = {
    "float32": "fp32", "float": "fp32", "float16": "fp16", "half": "fp16",
    "bfloat16": "bf16", "long": "int64", "int": "int32",
}


def parse_dtype(text: str) -> DType | None:
    """The DType a models.yaml spelling names, or None when it names none."""
    key = text.strip().lower()
    return DTYPES.get(ALIASES.get(key, key))


def from_torch(dtype: torch.dtype) -> DType:
    """The DType of a torch dtype; KeyError for types TensorRT networks cannot carry."""
    for d in DTYPES.values():
        if d.torch == dtype:
            return d
    raise KeyError(f"no TensorRT equivalent for torch dtype {dtype}")


def from_trt(trt_dtype: object) -> DType:
    """The DType of a ``trt.DataType`` value."""
    name = str(trt_dtype).rsplit(".", 1)[-1]
    for d in DTYPES.values():
        if d.trt_name == name:
            return d
    raise KeyError(f"unsupported TensorRT data type {trt_dtype}")


def to_trt(dtype: DType | torch.dtype):  # type: ignore[no-untyped-def]
    """The ``trt.DataType`` for a DType or torch dtype."""
    from trtrepo.trt_flavour import trt

    d = dtype if isinstance(dtype, DType) else from_torch(dtype)
    return getattr(trt().DataType, d.trt_name)
