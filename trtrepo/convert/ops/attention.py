"""Attention converters: ``aten.scaled_dot_product_attention`` kept whole."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.attention import scaled_dot_product_attention
from trtrepo.convert.ops.reduce import float_result
from trtrepo.convert.registry import Validator, arg, converter


def _val(node: torch.fx.Node, index: int) -> Any:
    value = node.args[index] if index < len(node.args) else None
    return value.meta.get("val") if isinstance(value, torch.fx.Node) else None


def _no_dropout(node: torch.fx.Node) -> bool:
    return arg(node.args, node.kwargs, 4, "dropout_p", 0.0) == 0.0


def _mask_type(node: torch.fx.Node) -> bool:
    mask = _val(node, 3)
    return mask is None or mask.dtype == torch.bool or mask.dtype.is_floating_point


def _gqa_heads(node: torch.fx.Node) -> bool:
    """Grouped-query attention needs static head counts, the key/value heads dividing the query heads."""
    query, key, value = _val(node, 0), _val(node, 1), _val(node, 2)
    if query is None or key is None or value is None or min(query.dim(), key.dim(), value.dim()) < 3:
        return False
    heads = [t.shape[-3] for t in (query, key, value)]
    if not all(isinstance(h, int) for h in heads):  # comparing symbolic sizes would guard on them
        return False
    return heads[1] == heads[2] and heads[0] % heads[1] == 0


def _gqa_ok(node: torch.fx.Node) -> bool:
    return not node.kwargs.get("enable_gqa", False) or _gqa_heads(node)


VALIDATORS = (
    float_result(),
    Validator("dropout_p other than 0 (random, and training only)", _no_dropout),
    Validator("an attention mask that is neither bool nor float", _mask_type),
    Validator("grouped-query attention with dynamic head counts, or key/value heads not dividing the query heads",
              _gqa_ok),
)


@converter(aten.scaled_dot_product_attention.default, validators=VALIDATORS)
def sdpa(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return scaled_dot_product_attention(
        ctx, query=args[0], key=args[1], value=args[2], attn_mask=arg(args, kwargs, 3, "attn_mask"),
        is_causal=arg(args, kwargs, 5, "is_causal", False), scale=kwargs.get("scale"),
        enable_gqa=kwargs.get("enable_gqa", False),
    )
