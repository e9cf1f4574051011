"""Elementwise arithmetic with PyTorch's broadcasting and type promotion.

TensorRT's elementwise layer wants two inputs of one type and one rank; PyTorch promotes types
(``torch.result_type``) and broadcasts ranks. ``promote`` bridges the two. Division, remainders and
powers live in ``impl/arithmetic.py``; comparisons in ``impl/comparison.py``.
"""

from __future__ import annotations

from typing import Any

import torch
from torch._prims_common import ELEMENTWISE_TYPE_PROMOTION_KIND, elementwise_dtypes

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.shape import prepend_ones, reshape
from trtrepo.graph import fake_value

# TensorRT computes none of these on bool; PyTorch's bool arithmetic equals int arithmetic cast back.
_ARITHMETIC = {"SUM", "PROD", "MAX", "MIN", "SUB", "DIV", "POW", "FLOOR_DIV"}
# Documented input types of EQUAL/GREATER/LESS: int32, int64 and floats, not bool.
_COMPARISON = {"EQUAL", "GREATER", "LESS"}


# ---- type promotion ------------------------------------------------------------------------

def result_dtype(ctx: ConversionContext, *values: Any) -> torch.dtype:
    """``torch.result_type`` of the operands (ITensors, weights, Python scalars; None is skipped).

    Where PyTorch would pick its default float (integers meeting a float scalar) or float64 (which
    TensorRT lacks), the node's float type (``ctx.float_dtype``, set by the precision policy) is used.
    """
    probes = [_probe(ctx, v) for v in values if v is not None]
    # PyTorch's own n-ary promotion: torch.result_type takes two operands, clamp has three.
    dtype = elementwise_dtypes(*probes, type_promotion_kind=ELEMENTWISE_TYPE_PROMOTION_KIND.DEFAULT)[1]
    float_tensor = any(isinstance(p, torch.Tensor) and p.is_floating_point() for p in probes)
    if dtype == torch.float64 or (dtype.is_floating_point and not float_tensor):
        return ctx.float_dtype
    return dtype


def _probe(ctx: ConversionContext, value: Any) -> Any:
    """Something ``torch.result_type`` understands with the same dtype and dimensionality as ``value``."""
    if ctx.is_tensor(value):
        dtype = ctx.dtype_of(value)
        if is_symbolic_scalar(ctx, value):  # a SymInt promotes like a Python int, not like a tensor
            return 0.0 if dtype.is_floating_point else False if dtype == torch.bool else 0
        return torch.empty((1,) if len(value.shape) else (), dtype=dtype)
    if isinstance(value, torch.Tensor):
        dtype = ctx.float_dtype if value.is_floating_point() else value.dtype  # as ctx.constant stores it
        return torch.empty((1,) if value.dim() else (), dtype=dtype)
    return value


def is_symbolic_scalar(ctx: ConversionContext, value: Any) -> bool:
    """True for an ITensor that carries a SymInt/SymFloat argument of the node being converted.

    Symbolic sizes reach converters as one-element 1-D tensors named after their FX node; PyTorch
    treats them as Python numbers in type promotion and broadcasting.
    """
    if ctx.node is None or not ctx.is_tensor(value):
        return False
    for arg in ctx.node.all_input_nodes:
        if arg.name == value.name and isinstance(fake_value(arg), (torch.SymInt, torch.SymFloat, torch.SymBool)):
            return True
    return False


def promote(ctx: ConversionContext, a: Any, b: Any, *, dtype: torch.dtype | None = None,
            like: Any | None = None) -> tuple[Any, Any]:
    """Both operands as ITensors of one dtype and rank, following ``torch.result_type``.

    A Python scalar adopts the tensor's dtype unless it is a float next to an integer tensor
    (then both become the default float), exactly as PyTorch promotes. ``dtype`` overrides the
    promoted type; ``like`` gives the rank for two scalars.
    """
    like = like if like is not None else a if ctx.is_tensor(a) else b
    if not ctx.is_tensor(like):
        raise TypeError("elementwise op with no tensor operand should have been folded")
    dtype = dtype or result_dtype(ctx, a, b)
    return broadcast_all(ctx, operand(ctx, a, dtype, like), operand(ctx, b, dtype, like))


def operand(ctx: ConversionContext, value: Any, dtype: torch.dtype, like: Any) -> Any:
    """``value`` as an ITensor of ``dtype``; scalars get ``like``'s rank (all dims 1) for broadcasting."""
    if ctx.is_tensor(value):
        if is_symbolic_scalar(ctx, value):
            value = reshape(ctx, tensor=value, sizes=[1] * len(like.shape))
        return ctx.cast(value, dtype)
    tensor = torch.as_tensor(value, dtype=dtype)
    if tensor.dim() == 0:
        tensor = tensor.reshape((1,) * len(like.shape))
    return ctx.constant(tensor, dtype=dtype)


def broadcast_all(ctx: ConversionContext, *tensors: Any) -> tuple[Any, ...]:
    """Bring tensors to one rank by prepending unit dims (TensorRT broadcasts only equal ranks)."""
    rank = max(len(t.shape) for t in tensors)
    return tuple(prepend_ones(ctx, tensor=t, count=rank - len(t.shape)) for t in tensors)


def is_float(ctx: ConversionContext, tensor: Any) -> bool:
    """Whether an ITensor holds a floating-point type."""
    return ctx.dtype_of(tensor).is_floating_point


# ---- layers --------------------------------------------------------------------------------

def elementwise(ctx: ConversionContext, *, op: Any, lhs: Any, rhs: Any) -> Any:
    """One elementwise layer on operands already of one dtype and rank.

    Bool operands of arithmetic and comparisons go through int32, which TensorRT accepts:
    ``True + True`` is ``True`` in PyTorch as ``bool(1 + 1)`` is.
    """
    name = op.name
    if ctx.dtype_of(lhs) == torch.bool and name in _ARITHMETIC | _COMPARISON:
        out = ctx.network.add_elementwise(ctx.cast(lhs, torch.int32), ctx.cast(rhs, torch.int32), op).get_output(0)
        return out if name in _COMPARISON else ctx.cast(out, torch.bool)
    return ctx.network.add_elementwise(lhs, rhs, op).get_output(0)


def binary(ctx: ConversionContext, *, op: Any, lhs: Any, rhs: Any) -> Any:
    """``lhs <op> rhs`` for a ``trt.ElementWiseOperation``, with type promotion and broadcasting."""
    lhs, rhs = promote(ctx, lhs, rhs)
    return elementwise(ctx, op=op, lhs=lhs, rhs=rhs)


def ew(ctx: ConversionContext, name: str) -> Any:
    """The ``trt.ElementWiseOperation`` called ``name``."""
    return getattr(ctx.trt.ElementWiseOperation, name)


def add(ctx: ConversionContext, *, lhs: Any, rhs: Any, alpha: float = 1, subtract: bool = False) -> Any:
    """``lhs + alpha * rhs`` (or ``-``), as ``aten.add``/``aten.sub`` define it."""
    lhs, rhs = promote(ctx, lhs, rhs)  # alpha takes no part in promotion (PyTorch rejects a float alpha on ints)
    if alpha != 1:
        rhs = elementwise(ctx, op=ew(ctx, "PROD"), lhs=rhs, rhs=ctx.scalar(alpha, rhs))
    return elementwise(ctx, op=ew(ctx, "SUB" if subtract else "SUM"), lhs=lhs, rhs=rhs)


def select(ctx: ConversionContext, *, condition: Any, then: Any, other: Any) -> Any:
    """``condition ? then : other`` for ITensors of one dtype (ranks are broadcast)."""
    condition, then, other = broadcast_all(ctx, condition, then, other)
    return ctx.network.add_select(condition, then, other).get_output(0)
