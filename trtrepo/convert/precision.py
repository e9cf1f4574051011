"""Which float type each node computes in, for fp32, fp16 and bf16 engines.

Networks are strongly typed: every tensor's type is explicit and casts are layers. In an fp16 or
bf16 engine, float activations and weights are stored in the low-precision type, except around ops
whose results are numerically sensitive (softmax, normalization, reductions, exp/log/pow, attention
scores): those run in fp32 between casts. models.yaml can override the choice per op type
(``op_precision``) or per FX node (``node_precision``); a node override wins over an op override.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from trtrepo.dtypes import DTYPES

# Ops kept in fp32 by default in low-precision engines. Accumulations over many elements and
# exponentials lose most to an 8- or 11-bit mantissa; everything else tolerates it well.
FP32_BY_DEFAULT = frozenset({
    "aten._softmax.default", "aten.softmax.int", "aten._log_softmax.default", "aten.log_softmax.int",
    "aten.native_layer_norm.default", "aten.layer_norm.default",
    "aten.native_group_norm.default", "aten.group_norm.default",
    "aten.sum.default", "aten.sum.dim_IntList", "aten.mean.default", "aten.mean.dim",
    "aten.var.correction", "aten.std.correction", "aten.var_mean.correction",
    "aten.prod.default", "aten.prod.dim_int", "aten.cumsum.default", "aten.linalg_vector_norm.default",
    "aten.exp.default", "aten.log.default", "aten.log1p.default", "aten.log2.default",
    "aten.pow.Tensor_Scalar", "aten.pow.Tensor_Tensor", "aten.pow.Scalar",
    "aten.scaled_dot_product_attention.default",
    # Arithmetic on symbolic sizes (SymFloats are float32 tensors): an fp16 size is wrong above 2048.
    *(f"operator.{op}" for op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "neg",
                                  "eq", "ne", "lt", "le", "gt", "ge")),
    "torch.sym_max", "torch.sym_min", "torch.sym_float", "math.trunc", "math.floor", "math.ceil",
})


def compute_dtype(op: str, node: str, precision: str, op_precision: Mapping[str, str],
                  node_precision: Mapping[str, str]) -> torch.dtype:
    """The float dtype node ``node`` (running ``op``) computes in."""
    if node in node_precision:
        return DTYPES[node_precision[node]].torch
    if op in op_precision:
        return DTYPES[op_precision[op]].torch
    if precision != "fp32" and op in FP32_BY_DEFAULT:
        return torch.float32
    return DTYPES[precision].torch
