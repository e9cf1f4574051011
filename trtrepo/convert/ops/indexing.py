"""Indexing converters: gather, index_select, index.Tensor (advanced indexing), embedding, cumsum."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import indexing
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_tensor


def _integer_indices(node: torch.fx.Node) -> bool:
    """Every index of ``aten.index.Tensor`` is None or an integer tensor, and at least one is given."""
    indices = node_args(node)["indices"]
    if not isinstance(indices, (list, tuple)) or all(index is None for index in indices):
        return False
    for index in indices:
        val = fake_tensor(index)
        if index is not None and (val is None or val.dtype in (torch.bool, torch.uint8)):
            return False
    return True


INTEGER_INDICES = Validator("boolean-mask indexing (its output shape depends on the data)", _integer_indices)


# The index tensors are not declared: constant indices are wrapped (negative ones counted from the
# end) at build time, before they become constants.
@converter(aten.index.Tensor, tensors=("self",), validators=(INTEGER_INDICES,))
def index(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return indexing.advanced_index(ctx, tensor=a["self"], indices=list(a["indices"]))


@converter(aten.gather.default, tensors=("self", "index"))
def gather(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return indexing.gather_elements(ctx, tensor=a["self"], dim=a["dim"], index=a["index"])


@converter(aten.index_select.default, tensors=("self", "index"))
def index_select(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return indexing.index_select(ctx, tensor=a["self"], dim=a["dim"], index=a["index"])


@converter(aten.embedding.default, tensors=("weight", "indices"))
def embedding(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    # padding_idx, scale_grad_by_freq and sparse only change gradients.
    a = bind_args(target, args, kwargs)
    return indexing.embedding(ctx, weight=a["weight"], indices=a["indices"])


@converter(aten.cumsum.default, tensors=("self",))
def cumsum(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return indexing.cumsum(ctx, tensor=a["self"], dim=a["dim"], dtype=a["dtype"])
