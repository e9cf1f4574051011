"""Pure, composable capability validators: each says which case of an op it rejects.

They look only at the FX node (its arguments and the ``meta`` torch.export and our lowering put
there), never at TensorRT state, so the whole graph can be checked before a layer is built.
"""

from __future__ import annotations

import operator
from typing import Any

import torch.fx

from trtrepo.convert.registry import Validator
from trtrepo.graph import fake_tensor, is_constant


def constant_arg(index: int, what: str) -> Validator:
    """Rejects nodes whose argument ``index`` is computed at run time instead of from weights."""
    def accepts(node: torch.fx.Node) -> bool:
        return index >= len(node.args) or is_constant(node.args[index])
    return Validator(f"{what} computed at run time (only weights are supported)", accepts)


def only_first_output_used(what: str) -> Validator:
    """Rejects multi-output ops whose extra outputs (e.g. pooling indices) are consumed."""
    def accepts(node: torch.fx.Node) -> bool:
        return all(user.target is operator.getitem and user.args[1] == 0 for user in node.users)
    return Validator(f"{what} output is used", accepts)


def arg_equals(index: int, name: str, expected: Any, default: Any) -> Validator:
    """Rejects nodes whose argument ``index`` (or keyword ``name``) is not ``expected``.

    PyTorch spells "1 for every spatial dim" as ``1``, ``[1]`` or ``[1, 1]``: all compare equal.
    """
    def accepts(node: torch.fx.Node) -> bool:
        value = node.args[index] if index < len(node.args) else node.kwargs.get(name, default)
        return _uniform(value) == _uniform(expected)
    return Validator(f"{name} other than {expected!r}", accepts)


def _uniform(value: Any) -> Any:
    if isinstance(value, (list, tuple)) and value and all(v == value[0] for v in value):
        return value[0]
    return value


def input_rank_in(index: int, ranks: tuple[int, ...], what: str) -> Validator:
    """Rejects nodes whose tensor argument ``index`` has a rank outside ``ranks``."""
    def accepts(node: torch.fx.Node) -> bool:
        val = fake_tensor(node.args[index])
        return val is not None and val.dim() in ranks
    return Validator(f"{what} of rank other than {', '.join(map(str, ranks))}", accepts)


def static_spatial_dims(index: int, spatial: int) -> Validator:
    """Rejects nodes whose trailing ``spatial`` dims of argument ``index`` are dynamic."""
    def accepts(node: torch.fx.Node) -> bool:
        val = fake_tensor(node.args[index])
        return val is not None and all(isinstance(s, int) for s in val.shape[-spatial:])
    return Validator("dynamic spatial dims", accepts)
