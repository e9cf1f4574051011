"""ATTENTION_INPUT / ATTENTION_OUTPUT (IAttention), on values small enough to work out by hand.

TensorRT for RTX builds a fused (non-decomposable) attention only for some half-precision shapes here,
so the test networks are marked decomposable, which changes how TensorRT runs them, not what they mean.
"""

from __future__ import annotations

import math

import pytest
import torch

from trtrepo.reference import UnsupportedLayerError
from trtrepo.trt_flavour import flavour

from ..helpers import NetBuilder, assert_exact, assert_near

LN3 = math.log(3.0)


def _attention(build, q, k, v, causal="NONE", mask=None, norm="SOFTMAX", configure=None):
    def define(n, trt):
        qi, ki, vi = (n.input(name, t.dtype, tuple(t.shape)) for name, t in (("q", q), ("k", k), ("v", v)))
        attention = n.network.add_attention_v2(qi, ki, vi, getattr(trt.AttentionNormalizationOp, norm),
                                               getattr(trt.CausalMaskKind, causal))
        attention.decomposable = True
        if mask is not None:
            attention.mask = n.const(mask)
        if configure is not None:
            configure(n, attention)
        return attention.get_output(0)

    return build(define).out(q=q, k=k, v=v)


def _qkv(q_rows, k_rows, v_rows, dtype=torch.float32):
    """[1, 1, s, h] tensors from lists of rows."""
    return tuple(torch.tensor(rows, dtype=dtype).reshape(1, 1, len(rows), -1) for rows in (q_rows, k_rows, v_rows))


def test_softmax_of_unscaled_scores_weights_the_values(build):
    # scores q.k = [0, ln 3] -> softmax [1/4, 3/4] -> 4/4 + 3*8/4 = 7 (no 1/sqrt(h) scaling)
    q, k, v = _qkv([[1.0]], [[0.0], [LN3]], [[4.0], [8.0]])
    assert_near(_attention(build, q, k, v), torch.tensor([[[[7.0]]]]))


def test_normalization_none_multiplies_the_raw_scores(build):
    q, k, v = _qkv([[1.0]], [[0.0], [LN3]], [[4.0], [8.0]])
    assert_near(_attention(build, q, k, v, norm="NONE"), torch.tensor([[[[8.0 * LN3]]]]))


def test_upper_left_causal_lets_query_i_see_keys_up_to_i(build):
    q, k, v = _qkv([[1.0], [1.0]], [[0.0], [LN3]], [[4.0], [8.0]])
    out = _attention(build, q, k, v, causal="UPPER_LEFT")
    assert_near(out, torch.tensor([[[[4.0], [7.0]]]]))  # row 0: key 0 alone; row 1: both keys


@pytest.mark.parametrize(("causal", "expected"), [("UPPER_LEFT", 4.0), ("LOWER_RIGHT", 7.0)])
def test_causal_kinds_anchor_the_diagonal_differently_when_fewer_queries_than_keys(build, causal, expected):
    q, k, v = _qkv([[1.0]], [[0.0], [LN3]], [[4.0], [8.0]])  # one query, two keys
    assert_near(_attention(build, q, k, v, causal=causal), torch.tensor([[[[expected]]]]))


def test_bool_mask_keeps_the_true_positions(build):
    q, k, v = _qkv([[1.0]], [[0.0], [LN3]], [[4.0], [8.0]])
    out = _attention(build, q, k, v, mask=torch.tensor([True, False]).reshape(1, 1, 1, 2))
    assert_near(out, torch.tensor([[[[4.0]]]]))


def test_float_mask_is_added_to_the_scores(build):
    # scores [0, ln 3] + mask [ln 3, 0] = [ln 3, ln 3] -> equal weights -> (4 + 8) / 2
    q, k, v = _qkv([[1.0]], [[0.0], [LN3]], [[4.0], [8.0]])
    out = _attention(build, q, k, v, mask=torch.tensor([LN3, 0.0]).reshape(1, 1, 1, 2))
    assert_near(out, torch.tensor([[[[6.0]]]]))


def test_mask_broadcasts_over_batch_and_heads(build):
    q = torch.ones(2, 2, 1, 1)
    k = torch.tensor([0.0, LN3]).reshape(1, 1, 2, 1).expand(2, 2, 2, 1).contiguous()
    v = torch.tensor([4.0, 8.0]).reshape(1, 1, 2, 1).expand(2, 2, 2, 1).contiguous()
    out = _attention(build, q, k, v, mask=torch.tensor([False, True]).reshape(1, 1, 1, 2))
    assert_near(out, torch.full((2, 2, 1, 1), 8.0))


def test_grouped_query_heads_share_key_value_heads_in_order(build):
    # 4 query heads, 2 key/value heads: query heads 0, 1 read kv head 0 (value 1), heads 2, 3 kv head 1 (value 2)
    q = torch.ones(1, 4, 1, 1)
    k = torch.zeros(1, 2, 1, 1)
    v = torch.tensor([1.0, 2.0]).reshape(1, 2, 1, 1)
    assert_exact(_attention(build, q, k, v), torch.tensor([1.0, 1.0, 2.0, 2.0]).reshape(1, 4, 1, 1))


def test_half_precision_computes_in_float32_and_rounds_once(build):
    q, k, v = _qkv([[1.0]], [[0.0], [LN3]], [[4.0], [8.0]], dtype=torch.float16)
    expected = torch.softmax(q.float() @ k.float().transpose(-1, -2), dim=-1) @ v.float()
    assert_exact(_attention(build, q, k, v), expected.to(torch.float16))


@pytest.mark.no_trt_build("only the interpreter's refusal is under test")
def test_per_batch_key_value_lengths_are_refused(build):
    q, k, v = _qkv([[1.0]], [[0.0], [LN3]], [[4.0], [8.0]])

    def lengths(n, attention):
        attention.key_value_lengths = n.const([1], torch.int32)

    with pytest.raises(UnsupportedLayerError, match="ATTENTION_INPUT.*per-batch query or key/value lengths"):
        _attention(build, q, k, v, configure=lengths)


@pytest.mark.skipif(flavour().name != "rtx", reason="what TensorRT for RTX's builder accepts on this machine")
@pytest.mark.parametrize(("dtype", "head", "fused_builds"),
                         [("float32", 8, False), ("float32", 64, False), ("float16", 8, False), ("float16", 64, True)])
def test_tensorrt_for_rtx_builds_a_fused_attention_only_for_some_half_shapes(dtype, head, fused_builds):
    for decomposable, expected in ((False, fused_builds), (True, True)):
        n = NetBuilder(check_build=False)
        trt = n.trt
        shape = (1, 8, 128, head)
        qkv = [n.input(name, getattr(torch, dtype), shape) for name in "qkv"]
        attention = n.network.add_attention_v2(*qkv, trt.AttentionNormalizationOp.SOFTMAX, trt.CausalMaskKind.NONE)
        attention.decomposable = decomposable
        n.network.mark_output(attention.get_output(0))
        assert (n.serialize() is not None) == expected, (dtype, head, decomposable)
