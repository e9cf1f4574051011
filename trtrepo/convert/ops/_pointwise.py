"""dtype validators shared by the pointwise families (no converters here)."""

from __future__ import annotations

import torch
import torch.fx

from trtrepo.convert.registry import Validator
from trtrepo.graph import fake_tensor, is_constant

# dtypes no TensorRT layer computes in: float64 and complex do not exist, int8 is a quantized type,
# uint8 only converts to and from float, int16 and unsigned wider types do not exist.
_NO_COMPUTE = {
    torch.float64: "float64", torch.complex64: "complex64", torch.complex128: "complex128",
    torch.int8: "int8", torch.uint8: "uint8", torch.int16: "int16",
}


def _runtime_tensors(node: torch.fx.Node) -> list[torch.Tensor]:
    """Fake tensors of the node's inputs computed at run time (weights become constants of the node's float type)."""
    values = [fake_tensor(a) for a in node.all_input_nodes if not is_constant(a)]
    return [v for v in values if v is not None]


def _dtype_problem(node: torch.fx.Node) -> str | None:
    out = fake_tensor(node)
    for tensor in ([out] if out is not None else []) + _runtime_tensors(node):
        if tensor.dtype in _NO_COMPUTE:
            return _NO_COMPUTE[tensor.dtype]
    return None


COMPUTABLE_DTYPES = Validator(
    "an input or result of dtype float64, complex, int8, uint8 or int16 (TensorRT computes none of them)",
    lambda node: _dtype_problem(node) is None,
)


def _all_bool(node: torch.fx.Node) -> bool:
    out = fake_tensor(node)
    return all(t.dtype == torch.bool for t in _runtime_tensors(node)) and out is not None and out.dtype == torch.bool


BOOL_ONLY = Validator("bitwise op on integer tensors (TensorRT has no bitwise integer operations)", _all_bool)
