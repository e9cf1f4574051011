"""Read TensorRT weights (flat, as the Python API returns them) into torch tensors.

The Python API hands most weights back as a flat numpy view of the caller's buffer. bfloat16 has
no numpy dtype, so ``Weights.numpy()`` returns the ``Weights`` object itself; for that case the
raw 16-bit words are read through the C ``nvinfer1::Weights`` struct (type, pointer, count) that the
pybind11 wrapper holds, checked against the wrapper's own ``dtype`` and ``size`` before use.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np
import torch

from trtrepo.reference.dtypes import to_torch, trt_dtype_name

# Layout of a pybind11 instance: PyObject header (refcount, type), then the pointer to the held C++
# value. nvinfer1::Weights is {DataType type (int32, padded to 8); void const* values; int64 count}.
_PYOBJECT_HEADER = 16
_VALUES_OFFSET = 8
_COUNT_OFFSET = 16


class WeightsError(ValueError):
    """Weights that cannot be read (the caller adds which layer and attribute)."""


def weights_to_tensor(weights: Any) -> torch.Tensor:
    """A flat torch tensor (a copy) of TensorRT weights; empty weights give an empty float32 tensor."""
    if isinstance(weights, np.ndarray):
        return _from_numpy(weights)
    dtype_name = trt_dtype_name(getattr(weights, "dtype", None))
    if int(getattr(weights, "size", 0)) == 0:
        dtype = to_torch(getattr(weights, "dtype", None)) or torch.float32
        return torch.empty(0, dtype=dtype)
    if dtype_name == "BF16":
        return _raw_words(weights, ctypes.c_uint16).view(torch.bfloat16)
    if dtype_name == "FP8":
        return _raw_words(weights, ctypes.c_uint8).view(torch.float8_e4m3fn)
    raise WeightsError(f"weights of type {dtype_name} cannot be read (no numpy or torch equivalent)")


def _from_numpy(array: np.ndarray) -> torch.Tensor:
    flat = np.ascontiguousarray(array).reshape(-1)
    try:
        return torch.from_numpy(flat.copy())
    except TypeError as exc:
        raise WeightsError(f"weights of numpy dtype {flat.dtype} have no torch equivalent") from exc


def _raw_words(weights: Any, word: Any) -> torch.Tensor:
    """The raw words of weights numpy has no type for (bfloat16, FP8), as a flat integer tensor."""
    count = int(weights.size)
    value_ptr = ctypes.c_void_p.from_address(id(weights) + _PYOBJECT_HEADER).value
    if not value_ptr:
        raise WeightsError(f"{trt_dtype_name(weights.dtype)} weights: the wrapper holds no value")
    type_code = ctypes.c_int32.from_address(value_ptr).value
    data_ptr = ctypes.c_void_p.from_address(value_ptr + _VALUES_OFFSET).value
    held_count = ctypes.c_int64.from_address(value_ptr + _COUNT_OFFSET).value
    if type_code != int(weights.dtype) or held_count != count or not data_ptr:
        raise WeightsError(
            f"{trt_dtype_name(weights.dtype)} weights: the wrapper's layout is not the expected nvinfer1::Weights "
            f"(type {type_code}, count {held_count}, expected {int(weights.dtype)}, {count})"
        )
    words = np.ctypeslib.as_array((word * count).from_address(data_ptr)).copy()
    return torch.from_numpy(words)
