"""Pure, composable capability validators: each says which case of an op it rejects.

They look only at the FX node (its arguments, read by schema name, and the fake values torch.export
recorded), never at TensorRT state, so the whole graph can be checked before a layer is built.
"""

from __future__ import annotations

import operator
from typing import Any

import torch
import torch.fx

from trtrepo.convert.arguments import node_args
from trtrepo.convert.registry import Validator
from trtrepo.dtypes import DTYPES
from trtrepo.graph import fake_tensor, fake_value, is_constant


def constant_arg(name: str, what: str) -> Validator:
    """Rejects nodes whose argument ``name`` is computed at run time instead of from weights."""
    def accepts(node: torch.fx.Node) -> bool:
        return is_constant(node_args(node)[name])
    return Validator(f"{what} computed at run time (only weights are supported)", accepts)


def literal(name: str) -> Validator:
    """Rejects nodes whose argument ``name`` is computed (a symbolic size) instead of written as a number."""
    def accepts(node: torch.fx.Node) -> bool:
        return not isinstance(node_args(node)[name], torch.fx.Node)
    return Validator(f"{name} computed at run time (only a literal number is supported)", accepts)


def arg_in(name: str, allowed: tuple[Any, ...]) -> Validator:
    """Rejects nodes whose argument ``name`` (or its schema default) is not one of ``allowed``."""
    def accepts(node: torch.fx.Node) -> bool:
        return node_args(node)[name] in allowed
    return Validator(f"{name} other than {', '.join(map(repr, allowed))}", accepts)


def only_first_output_used(what: str) -> Validator:
    """Rejects multi-output ops whose extra outputs (e.g. pooling indices) are consumed."""
    def accepts(node: torch.fx.Node) -> bool:
        return all(user.target is operator.getitem and user.args[1] == 0 for user in node.users)
    return Validator(f"{what} output is used", accepts)


def input_rank_in(name: str, ranks: tuple[int, ...], what: str) -> Validator:
    """Rejects nodes whose tensor argument ``name`` has a rank outside ``ranks``."""
    def accepts(node: torch.fx.Node) -> bool:
        val = fake_tensor(node_args(node)[name])
        return val is not None and val.dim() in ranks
    return Validator(f"{what} of rank other than {', '.join(map(str, ranks))}", accepts)


def float_input(name: str, rejects: str = "non-floating-point input") -> Validator:
    """Rejects nodes whose tensor argument ``name`` is not floating point (or has no recorded value)."""
    def accepts(node: torch.fx.Node) -> bool:
        val = fake_tensor(node_args(node)[name])
        return val is not None and val.dtype.is_floating_point
    return Validator(rejects, accepts)


def _result_dtypes(node: torch.fx.Node) -> list[torch.dtype]:
    val = fake_value(node)
    values = val if isinstance(val, (tuple, list)) else [val]
    return [v.dtype for v in values if isinstance(v, torch.Tensor)]


def result_types_supported() -> Validator:
    """Rejects nodes whose result type TensorRT cannot carry (e.g. ``sum(dtype=torch.float64)``)."""
    supported = {d.torch for d in DTYPES.values()}
    return Validator("a result type TensorRT has no equivalent for (e.g. float64)",
                     lambda node: all(d in supported for d in _result_dtypes(node)))


def float_result() -> Validator:
    """Rejects nodes with integer or bool results (layers that compute in floating point only)."""
    return Validator("integer or bool operands (TensorRT computes this in floating point only)",
                     lambda node: all(d.is_floating_point for d in _result_dtypes(node)))
