"""Indexing converters: gather, index_select, index.Tensor (advanced indexing), embedding, cumsum.

A boolean mask among ``index.Tensor``'s indices (``x[mask]``) becomes the integer indices of its true
elements first (``impl/selection.py``): the result's length then depends on the data.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import indexing, selection
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_tensor


def _index_tensors(node: torch.fx.Node) -> bool:
    """Every index of ``aten.index.Tensor`` is None or a recorded tensor, and at least one is given."""
    indices = node_args(node)["indices"]
    if not isinstance(indices, (list, tuple)) or all(index is None for index in indices):
        return False
    return all(index is None or fake_tensor(index) is not None for index in indices)


INDEX_TENSORS = Validator("no index tensor given, or an index that is not a tensor", _index_tensors)


# The index tensors are not declared: constant indices are wrapped (negative ones counted from the
# end) at build time, before they become constants; a constant mask's indices are found then too.
@converter(aten.index.Tensor, tensors=("self",), validators=(INDEX_TENSORS,))
def index(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    indices = selection.expand_masks(ctx, list(a["indices"]))
    return indexing.advanced_index(ctx, tensor=a["self"], indices=indices)


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
