"""The GPU TensorRT builds on: name and compute capability, from the CUDA runtime or NVML via ctypes.

Not from torch: the CPU wheel of torch knows no GPU even where TensorRT has one, and importing torch
just to ask would cost seconds. The CUDA runtime is asked first because it is what TensorRT uses
(it honours CUDA_VISIBLE_DEVICES and the current device); NVML only when no runtime library loads.
Without a GPU or driver both answer (None, None) at once; no exception leaves this module.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import importlib.util
import os
from functools import cache

_CC_MAJOR, _CC_MINOR = 75, 76  # cudaDevAttrComputeCapabilityMajor / Minor (driver_types.h)
_PROPS_BYTES = 1 << 14  # larger than any cudaDeviceProp; its first member is char name[256]
Device = tuple[str | None, str | None]


@cache
def device_compute_capability() -> Device:
    """(GPU name, "8.9") of the device TensorRT builds on, or (None, None) without a GPU or driver."""
    runtime = _load(_cudart_candidates())
    if runtime is not None:
        return _ask_runtime(runtime)
    nvml = _load(["libnvidia-ml.so.1", "libnvidia-ml.so", "nvml.dll"])
    return _ask_nvml(nvml) if nvml is not None else (None, None)


def _cudart_candidates() -> list[str]:
    """The nvidia-cuda-runtime wheel's library first (what TensorRT's wheels load), then the system's."""
    found: list[str] = []
    spec = importlib.util.find_spec("nvidia")
    for root in (spec.submodule_search_locations or []) if spec else []:
        found += sorted(glob.glob(os.path.join(root, "*", "lib", "libcudart.so*")), reverse=True)
    system = ctypes.util.find_library("cudart")
    return found + ([system] if system else []) + ["libcudart.so", "libcudart.so.13", "libcudart.so.12"]


def _load(names: list[str]) -> ctypes.CDLL | None:
    for name in names:
        if name.endswith(".a"):
            continue  # the static archive sits beside the shared library in the wheel
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _ask_runtime(cudart: ctypes.CDLL) -> Device:
    try:
        count, device = ctypes.c_int(0), ctypes.c_int(0)
        if cudart.cudaGetDeviceCount(ctypes.byref(count)) != 0 or count.value < 1:
            return None, None  # no driver (cudaErrorInsufficientDriver) or no device
        if cudart.cudaGetDevice(ctypes.byref(device)) != 0:
            return None, None
        major, minor = ctypes.c_int(0), ctypes.c_int(0)
        if (cudart.cudaDeviceGetAttribute(ctypes.byref(major), _CC_MAJOR, device) != 0
                or cudart.cudaDeviceGetAttribute(ctypes.byref(minor), _CC_MINOR, device) != 0):
            return None, None
        return _runtime_name(cudart, device), f"{major.value}.{minor.value}"
    except (AttributeError, OSError, ValueError):  # an unusual library without these symbols
        return None, None


def _runtime_name(cudart: ctypes.CDLL, device: ctypes.c_int) -> str | None:
    props = ctypes.create_string_buffer(_PROPS_BYTES)
    query = getattr(cudart, "cudaGetDeviceProperties_v2", None) or cudart.cudaGetDeviceProperties
    if query(props, device) != 0:
        return None
    return props.raw[:256].split(b"\0", 1)[0].decode("utf-8", "replace") or None


def _ask_nvml(nvml: ctypes.CDLL) -> Device:
    try:
        if nvml.nvmlInit_v2() != 0:
            return None, None
        try:
            handle = ctypes.c_void_p()
            if nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(handle)) != 0:
                return None, None
            name = ctypes.create_string_buffer(96)
            major, minor = ctypes.c_int(0), ctypes.c_int(0)
            if nvml.nvmlDeviceGetCudaComputeCapability(handle, ctypes.byref(major), ctypes.byref(minor)) != 0:
                return None, None
            named = nvml.nvmlDeviceGetName(handle, name, ctypes.c_uint(len(name))) == 0
            return (name.value.decode("utf-8", "replace") if named else None), f"{major.value}.{minor.value}"
        finally:
            nvml.nvmlShutdown()
    except (AttributeError, OSError, ValueError):
        return None, None
