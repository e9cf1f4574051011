"""ATTENTION_INPUT and ATTENTION_OUTPUT: TensorRT's fused attention (``IAttention``).

An ``IAttention`` appears in the network as a pair of boundary layers: ATTENTION_INPUT reads query,
key and value (and the optional mask), ATTENTION_OUTPUT gives the result. From the Attention operator
page: ``BMM1 = Q @ K^T`` (no scaling: a caller scales Q and/or K itself), then the mask (a bool mask
keeps the positions that are true, a float mask of the inputs' type is added to BMM1) or the causal
mask, then the normalization over the key dimension (SOFTMAX, or NONE), then ``BMM2 = P @ V``.
Shapes: Q and the output ``[b, d_q, s_q, h]``, K and V ``[b, d_kv, s_kv, h]``; with fewer key/value
heads than query heads (grouped-query attention) query head ``i`` reads key/value head
``i // (d_q / d_kv)``; the mask is ``[a0, a1, s_q, s_kv]`` with ``a0``/``a1`` broadcast to ``b``/``d_q``.
Causal kinds: UPPER_LEFT lets query ``i`` see keys ``j <= i``; LOWER_RIGHT anchors the diagonal at the
bottom-right corner, ``j <= i + s_kv - s_q``.

The interpreter computes the whole attention when it reaches ATTENTION_INPUT (its output, which
TensorRT declares with the output's shape, holds the result) and ATTENTION_OUTPUT passes it on. As for
every float layer, the computation runs in float32 and rounds once to the inputs' type. Packed (ragged)
layouts, per-batch lengths, quantized normalization and multi-device attention are refused.
"""

from __future__ import annotations

import torch

from trtrepo.reference.dtypes import FLOATING, compute, store
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import register


@register("ATTENTION_INPUT", "IAttentionInputLayer")
def attention_input(ctx: LayerContext) -> list[torch.Tensor]:
    """The attention's result, computed from its query, key, value and mask."""
    attention = ctx.layer.attention
    _refuse_unimplemented(ctx, attention)
    q, k, v = (ctx.value_of(attention.get_input(i), name) for i, name in enumerate(("query", "key", "value")))
    _check_shapes(ctx, q, k, v)
    scores = compute(q) @ _by_query_head(compute(k), q.shape[1]).transpose(-1, -2)
    scores = _masked(ctx, attention, scores, q.dtype)
    op = attention.norm_op.name
    if op == "SOFTMAX":
        scores = torch.softmax(scores, dim=-1)
    elif op != "NONE":
        raise ctx.unsupported(f"attention normalization {op} is not implemented")
    return [store(scores @ _by_query_head(compute(v), q.shape[1]), q.dtype)]


@register("ATTENTION_OUTPUT", "IAttentionOutputLayer")
def attention_output(ctx: LayerContext) -> list[torch.Tensor]:
    """The result computed at the attention's input boundary."""
    return [ctx.input(0)]


def _refuse_unimplemented(ctx: LayerContext, attention: object) -> None:
    forms = {attention.query_form.name, attention.key_value_form.name}  # type: ignore[attr-defined]
    if forms != {"PADDED_BHND"}:
        raise ctx.unsupported(f"attention layouts {sorted(forms)} are not implemented (only PADDED_BHND)")
    if attention.query_lengths is not None or attention.key_value_lengths is not None:  # type: ignore[attr-defined]
        raise ctx.unsupported("attention with per-batch query or key/value lengths is not implemented")
    if attention.normalization_quantize_scale is not None:  # type: ignore[attr-defined]
        raise ctx.unsupported("attention with a quantized normalization is not implemented")
    if int(attention.num_ranks) != 1:  # type: ignore[attr-defined]
        raise ctx.unsupported(f"multi-device attention ({attention.num_ranks} ranks) is not implemented")  # type: ignore[attr-defined]


def _check_shapes(ctx: LayerContext, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
    if q.dtype not in FLOATING or k.dtype != q.dtype or v.dtype != q.dtype:
        raise ctx.fail(f"query, key and value must share one float type: {describe(q)}, {describe(k)}, {describe(v)}")
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4:
        raise ctx.fail(f"query, key and value must be 4-D [b, d, s, h]: {describe(q)}, {describe(k)}, {describe(v)}")
    if k.shape != v.shape or k.shape[0] != q.shape[0] or k.shape[3] != q.shape[3]:
        raise ctx.fail(f"key/value shapes do not fit the query: {describe(q)}, {describe(k)}, {describe(v)}")
    if q.shape[1] % k.shape[1]:
        raise ctx.fail(f"{q.shape[1]} query heads are not a multiple of {k.shape[1]} key/value heads")


def _by_query_head(t: torch.Tensor, query_heads: int) -> torch.Tensor:
    """Key or value heads repeated so that query head i meets head i // (d_q / d_kv)."""
    return t.repeat_interleave(query_heads // t.shape[1], dim=1)


def _masked(ctx: LayerContext, attention: object, scores: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    causal = attention.causal_kind.name  # type: ignore[attr-defined]
    mask_tensor = attention.mask  # type: ignore[attr-defined]
    if mask_tensor is not None and causal != "NONE":
        raise ctx.fail("an attention cannot have both a mask and a causal kind")
    s_q, s_kv = scores.shape[-2], scores.shape[-1]
    if causal != "NONE":
        offset = {"UPPER_LEFT": 0, "LOWER_RIGHT": s_kv - s_q}.get(causal)
        if offset is None:
            raise ctx.unsupported(f"causal kind {causal} is not implemented")
        rows = torch.arange(s_q).reshape(-1, 1)
        allowed = torch.arange(s_kv).reshape(1, -1) <= rows + offset
        return scores.masked_fill(~allowed, float("-inf"))
    if mask_tensor is None:
        return scores
    mask = ctx.value_of(mask_tensor, "mask")
    if mask.dim() != 4 or list(mask.shape[-2:]) != [s_q, s_kv]:
        raise ctx.fail(f"the mask {describe(mask)} must be [a0, a1, {s_q}, {s_kv}]")
    if mask.dtype == torch.bool:
        return scores.masked_fill(~mask, float("-inf"))
    if mask.dtype != dtype:
        raise ctx.fail(f"a float mask must have the query's type {dtype}, got {describe(mask)}")
    return scores + compute(mask)
