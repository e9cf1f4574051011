"""Attention converters: ``aten.scaled_dot_product_attention`` kept whole."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import attention
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import float_result
from trtrepo.graph import fake_tensor


def _no_dropout(node: torch.fx.Node) -> bool:
    return node_args(node)["dropout_p"] == 0.0


def _mask_type(node: torch.fx.Node) -> bool:
    mask = fake_tensor(node_args(node)["attn_mask"])
    return mask is None or mask.dtype == torch.bool or mask.dtype.is_floating_point


def _gqa_heads(node: torch.fx.Node) -> bool:
    """Grouped-query attention needs static head counts, the key/value heads dividing the query heads."""
    a = node_args(node)
    query, key, value = fake_tensor(a["query"]), fake_tensor(a["key"]), fake_tensor(a["value"])
    if query is None or key is None or value is None or min(query.dim(), key.dim(), value.dim()) < 3:
        return False
    heads = [t.shape[-3] for t in (query, key, value)]
    if not all(isinstance(h, int) for h in heads):  # comparing symbolic sizes would guard on them
        return False
    return heads[1] == heads[2] and heads[0] % heads[1] == 0


def _gqa_ok(node: torch.fx.Node) -> bool:
    return not node_args(node)["enable_gqa"] or _gqa_heads(node)


VALIDATORS = (
    float_result(),
    Validator("dropout_p other than 0 (random, and training only)", _no_dropout),
    Validator("an attention mask that is neither bool nor float", _mask_type),
    Validator("grouped-query attention with dynamic head counts, or key/value heads not dividing the query heads",
              _gqa_ok),
)


@converter(aten.scaled_dot_product_attention.default, tensors=("query", "key", "value", "attn_mask"),
           validators=VALIDATORS)
def scaled_dot_product_attention(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return attention.scaled_dot_product_attention(
        ctx, query=a["query"], key=a["key"], value=a["value"], attn_mask=a["attn_mask"],
        is_causal=a["is_causal"], scale=a["scale"], enable_gqa=a["enable_gqa"],
    )
