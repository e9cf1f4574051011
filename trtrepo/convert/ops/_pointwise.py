"""Argument unpacking and validators shared by the pointwise families (no converters here)."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx

from trtrepo.convert.registry import Validator, arg
from trtrepo.convert.validators import is_constant

# dtypes no TensorRT layer computes in: float64 and complex do not exist, int8 is a quantized type,
# uint8 only converts to and from float, int16 and unsigned wider types do not exist.
_NO_COMPUTE = {
    torch.float64: "float64", torch.complex64: "complex64", torch.complex128: "complex128",
    torch.int8: "int8", torch.uint8: "uint8", torch.int16: "int16",
}



def _meta(value: Any) -> Any:
    return value.meta.get("val") if isinstance(value, torch.fx.Node) else None


def _runtime_tensors(node: torch.fx.Node) -> list[torch.Tensor]:
    """Fake tensors of the node's inputs computed at run time (weights become constants of the node's float type)."""
    values = [_meta(a) for a in node.all_input_nodes if not is_constant(a)]
    return [v for v in values if isinstance(v, torch.Tensor)]


def _dtype_problem(node: torch.fx.Node) -> str | None:
    out = _meta(node)
    outs = [out] if isinstance(out, torch.Tensor) else []
    for tensor in outs + _runtime_tensors(node):
        if tensor.dtype in _NO_COMPUTE:
            return _NO_COMPUTE[tensor.dtype]
    return None


COMPUTABLE_DTYPES = Validator(
    "an input or result of dtype float64, complex, int8, uint8 or int16 (TensorRT computes none of them)",
    lambda node: _dtype_problem(node) is None,
)


def _all_bool(node: torch.fx.Node) -> bool:
    tensors = _runtime_tensors(node)
    out = _meta(node)
    return all(t.dtype == torch.bool for t in tensors) and isinstance(out, torch.Tensor) and out.dtype == torch.bool


BOOL_ONLY = Validator("bitwise op on integer tensors (TensorRT has no bitwise integer operations)", _all_bool)


def kwarg_in(index: int, name: str, allowed: tuple[Any, ...], default: Any) -> Validator:
    """Rejects nodes whose argument ``index`` / keyword ``name`` is not one of ``allowed``."""
    def accepts(node: torch.fx.Node) -> bool:
        return arg(node.args, node.kwargs, index, name, default) in allowed
    return Validator(f"{name} other than {', '.join(map(repr, allowed))}", accepts)


def literal(index: int, name: str) -> Validator:
    """Rejects nodes whose argument ``index`` / keyword ``name`` is computed (a symbolic size)."""
    def accepts(node: torch.fx.Node) -> bool:
        return not isinstance(arg(node.args, node.kwargs, index, name), torch.fx.Node)
    return Validator(f"{name} computed at run time (only a literal number is supported)", accepts)
