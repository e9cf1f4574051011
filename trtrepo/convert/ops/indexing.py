"""Indexing converters: gather, index_select, index.Tensor (advanced indexing), embedding, cumsum."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.indexing import advanced_index, cumsum, embedding, gather_elements, index_select
from trtrepo.convert.registry import Validator, arg, converter


def _integer_indices(node: torch.fx.Node) -> bool:
    """Every index of ``aten.index.Tensor`` is None or an integer tensor, and at least one is given."""
    indices = node.args[1]
    if not isinstance(indices, (list, tuple)) or all(index is None for index in indices):
        return False
    for index in indices:
        val = index.meta.get("val") if isinstance(index, torch.fx.Node) else None
        if index is not None and (val is None or val.dtype in (torch.bool, torch.uint8)):
            return False
    return True


INTEGER_INDICES = Validator("boolean-mask indexing (its output shape depends on the data)", _integer_indices)


@converter(aten.index.Tensor, validators=(INTEGER_INDICES,))
def index(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return advanced_index(ctx, tensor=ctx.as_tensor(args[0]), indices=list(args[1]))


@converter(aten.gather.default)
def gather(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return gather_elements(ctx, tensor=ctx.as_tensor(args[0]), dim=args[1], index=args[2])


@converter(aten.index_select.default)
def index_select_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return index_select(ctx, tensor=ctx.as_tensor(args[0]), dim=args[1], index=args[2])


@converter(aten.embedding.default)
def embedding_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    # padding_idx, scale_grad_by_freq and sparse only change gradients.
    return embedding(ctx, weight=args[0], indices=args[1])


@converter(aten.cumsum.default)
def cumsum_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return cumsum(ctx, tensor=ctx.as_tensor(args[0]), dim=args[1], dtype=arg(args, kwargs, 2, "dtype"))
