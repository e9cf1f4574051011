"""One table of the data types trtrepo handles, in every vocabulary it meets.

models.yaml, PyTorch, TensorRT, Triton's config (``TYPE_FP32``), Triton's wire protocol (``FP32``)
and NumPy each name types differently; keeping them in one row per type means a new type is added
once and the vocabularies can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import torch


@dataclass(frozen=True)
class DType:
    """A data type as every layer of the stack names it.

    torch and numpy are imported on first use only: reading models.yaml (and deciding a model is
    unchanged) must not pay for importing PyTorch.
    """

    name: str  # canonical models.yaml name
    torch_name: str  # attribute of the torch module
    trt_name: str  # attribute of trt.DataType
    triton: str  # config.pbtxt data_type
    wire: str  # tritonclient datatype string
    is_float: bool

    @property
    def torch(self) -> torch.dtype:
        """The torch dtype."""
        import torch

        return getattr(torch, self.torch_name)

    @property
    def numpy(self) -> np.dtype:
        """NumPy dtype on the wire (bf16 is ``ml_dtypes.bfloat16``, as tritonclient expects)."""
        import numpy as np

        if self.name == "bf16":
            import ml_dtypes

            return np.dtype(ml_dtypes.bfloat16)
        import torch

        return torch.empty((), dtype=self.torch).numpy().dtype


DTYPES: dict[str, DType] = {
    d.name: d
    for d in (
        DType("fp32", "float32", "FLOAT", "TYPE_FP32", "FP32", True),
        DType("fp16", "float16", "HALF", "TYPE_FP16", "FP16", True),
        DType("bf16", "bfloat16", "BF16", "TYPE_BF16", "BF16", True),
        DType("int64", "int64", "INT64", "TYPE_INT64", "INT64", False),
        DType("int32", "int32", "INT32", "TYPE_INT32", "INT32", False),
        DType("int8", "int8", "INT8", "TYPE_INT8", "INT8", False),
        DType("uint8", "uint8", "UINT8", "TYPE_UINT8", "UINT8", False),
        DType("bool", "bool", "BOOL", "TYPE_BOOL", "BOOL", False),
    )
}

# Spellings accepted in models.yaml besides the canonical names (case does not matter): each
# type's torch name with and without ``torch.`` (``float32``, ``torch.float16``), Triton's config
# name (``TYPE_FP32``), and torch's short names (``float``, ``half``, ``long``, ``int``).
_TORCH_SHORT_NAMES = {"float": "fp32", "half": "fp16", "long": "int64", "int": "int32"}
ALIASES: dict[str, str] = {
    **{spelling.lower(): d.name for d in DTYPES.values()
       for spelling in (d.torch_name, f"torch.{d.torch_name}", d.triton)},
    **_TORCH_SHORT_NAMES,
    **{f"torch.{short}": name for short, name in _TORCH_SHORT_NAMES.items()},
}
ALIASES = {spelling: name for spelling, name in ALIASES.items() if spelling != name}

# Types users reach for that TensorRT networks cannot carry, with what to write instead.
_NO_TENSORRT_TYPE = {
    "TensorRT has no 64-bit floats: declare fp32": ("fp64", "float64", "double", "type_fp64"),
    "TensorRT has no 16-bit integers: declare int32": ("int16", "short", "type_int16"),
    "TensorRT has no unsigned integers but uint8: declare int32 or int64": (
        "uint16", "uint32", "uint64", "type_uint16", "type_uint32", "type_uint64"),
    "TensorRT engines take numeric tensors only (tokenize on the client or in a Triton ensemble)": (
        "string", "bytes", "type_string", "type_bytes"),
}


def parse_dtype(text: str) -> DType | None:
    """The DType a models.yaml spelling names (a canonical name or one of ALIASES), or None."""
    key = text.strip().lower()
    return DTYPES.get(ALIASES.get(key, key))


def unknown_dtype_help(text: str) -> str:
    """What to write instead of ``text``, a spelling ``parse_dtype`` does not know."""
    key = text.strip().lower().removeprefix("torch.")
    reason = next((why for why, spellings in _NO_TENSORRT_TYPE.items() if key in spellings), None)
    names = ", ".join(DTYPES)
    valid = f"valid names: {names}, or Triton's and torch's names of these types (TYPE_FP32, float32, torch.float32)"
    return f"{reason}; {valid}" if reason else valid


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


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A CPU numpy array with the same bits; bf16 becomes ``ml_dtypes.bfloat16``."""
    import torch

    tensor = tensor.detach().cpu().contiguous()
    if tensor.dtype == torch.bfloat16:
        return tensor.view(torch.int16).numpy().view(DTYPES["bf16"].numpy)
    return tensor.numpy()


def from_numpy(array: np.ndarray) -> torch.Tensor:
    """A torch tensor with the same bits; ``ml_dtypes.bfloat16`` becomes torch.bfloat16."""
    import numpy as np
    import torch

    if not array.flags.writeable:
        array = array.copy()  # torch cannot wrap read-only memory (e.g. a response buffer) safely
    if array.dtype.name == "bfloat16":
        return torch.from_numpy(np.ascontiguousarray(array).view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(np.ascontiguousarray(array))


def from_wire(name: str) -> DType:
    """The DType of a Triton wire datatype string (``FP32``) or config type (``TYPE_FP32``)."""
    for d in DTYPES.values():
        if name in (d.wire, d.triton):
            return d
    raise KeyError(f"unsupported Triton data type {name}")
