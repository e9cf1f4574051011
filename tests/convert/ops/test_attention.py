"""scaled_dot_product_attention kept whole, and transformer blocks built on it, with dynamic batch and sequence."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.convert.harness import assert_converts
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

SDPA = "aten.scaled_dot_product_attention.default"


class Attend(nn.Module):
    """SDPA of three inputs with fixed keyword arguments."""

    def __init__(self, **kwargs):
        super().__init__()
        self.kwargs = kwargs

    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, **self.kwargs)


class AttendMasked(Attend):
    def forward(self, q, k, v, mask):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **self.kwargs)


def _qkv(batch=2, heads=3, length=5, source=5, dim=8, kv_heads=None):
    kv_heads = kv_heads or heads
    return [sample(batch, heads, length, dim), sample(batch, kv_heads, source, dim, seed=1), sample(batch, kv_heads, source, dim, seed=2)]


def _dynamic(inputs: int = 3, self_attention: bool = True) -> dict:
    """Dynamic batch (shared) and sequence lengths (shared by all when self-attention)."""
    query_len = (2, 16, "seq") if self_attention else (1, 9, "lq")
    dims = {0: {0: (1, 4, "batch"), 2: query_len}}
    for i in range(1, inputs):
        dims[i] = {0: (1, 4, "batch"), 2: (2, 16, "seq")}
    return dims


def test_sdpa_static():
    assert_converts(Attend(), _qkv(), expect=SDPA)


def test_sdpa_dynamic_batch_and_sequence():
    assert_converts(Attend(), _qkv(), expect=SDPA, dynamic=_dynamic())


def test_sdpa_cross_attention_lengths():
    assert_converts(Attend(), _qkv(length=3, source=7), expect=SDPA, dynamic=_dynamic(self_attention=False))


def test_sdpa_scale():
    assert_converts(Attend(scale=0.3), _qkv(), expect=SDPA, dynamic=_dynamic())


def test_sdpa_three_dims():
    q, k, v = (sample(2, 5, 8, seed=i) for i in range(3))
    assert_converts(Attend(), [q, k, v], expect=SDPA, dynamic={i: {1: (1, 9, "seq")} for i in range(3)})


@pytest.mark.parametrize("length,source", [(5, 5), (3, 6), (6, 3)])
def test_sdpa_causal_static(length, source):
    assert_converts(Attend(is_causal=True), _qkv(length=length, source=source), expect=SDPA)


def test_sdpa_causal_dynamic_sequence():
    # the causal mask follows the runtime sequence length (min 2 and max 16 are checked too)
    assert_converts(Attend(is_causal=True), _qkv(), expect=SDPA, dynamic=_dynamic())


def test_sdpa_causal_dynamic_cross_lengths():
    assert_converts(Attend(is_causal=True), _qkv(length=4, source=6), expect=SDPA,
                    dynamic=_dynamic(self_attention=False))


def test_sdpa_bool_mask_dynamic():
    mask = torch.rand(5, 5, generator=torch.Generator().manual_seed(4)) > 0.3
    dynamic = _dynamic()
    dynamic[3] = {0: (2, 16, "seq"), 1: (2, 16, "seq")}
    assert_converts(AttendMasked(), _qkv() + [mask], expect=SDPA, dynamic=dynamic)


def test_sdpa_bool_mask_with_fully_masked_rows():
    mask = torch.rand(2, 1, 5, 5, generator=torch.Generator().manual_seed(4)) > 0.3
    mask[0, 0, 1] = False  # query 1 of batch 0 may attend nothing: PyTorch gives zeros
    mask[1, 0, 4] = False
    assert_converts(AttendMasked(), _qkv() + [mask], expect=SDPA)


def test_sdpa_float_mask():
    mask = sample(3, 5, 5, seed=5)
    mask[1, 2] = float("-inf")  # a fully masked row through an additive mask
    mask[0, 0, 3] = float("-inf")
    assert_converts(AttendMasked(), _qkv() + [mask], expect=SDPA)


def test_sdpa_float_mask_dynamic():
    dynamic = _dynamic()
    dynamic[3] = {1: (2, 16, "seq"), 2: (2, 16, "seq")}
    assert_converts(AttendMasked(), _qkv() + [sample(1, 5, 5, seed=5)], expect=SDPA, dynamic=dynamic)


def test_sdpa_grouped_query_attention():
    assert_converts(Attend(enable_gqa=True), _qkv(heads=4, kv_heads=2), expect=SDPA, dynamic=_dynamic())


def test_sdpa_float16_softmax_in_float32():
    # The network rounds the scores to float16 once (the matrix multiply's output type) before its
    # float32 softmax; eager's CPU kernel keeps them in float32. One float16 rounding (2^-11
    # relative) of scores of size ~3 moves the outputs by up to ~2e-3 (measured), which the
    # tolerance allows with a margin.
    q, k, v = (t.half() for t in _qkv())
    converted = assert_converts(Attend(is_causal=True), [q, k, v], expect=SDPA, dynamic=_dynamic(),
                                rtol=4e-3, atol=4e-3)
    network = converted.result.network
    softmax = [network.get_layer(i) for i in range(network.num_layers)
               if network.get_layer(i).type == converted.result.context.trt.LayerType.SOFTMAX]
    assert [str(layer.get_output(0).dtype) for layer in softmax] == ["DataType.FLOAT"]


def test_sdpa_dropout_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="dropout"):
        assert_converts(Attend(dropout_p=0.5), _qkv(), expect=SDPA, build_engine=False)


# ---- transformer blocks -----------------------------------------------------------------------

def _first_token_kept(padding: torch.Tensor) -> torch.Tensor:
    """The padding mask with token 0 never padded: every sequence keeps at least one token.

    The harness draws random masks at the min/max shapes; a fully padded sequence would make eager
    MultiheadAttention (its fused fast path) return NaN where the exported SDPA returns zeros.
    """
    return padding.logical_and(torch.arange(padding.shape[1]) > 0)


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.attention = nn.MultiheadAttention(16, 4, batch_first=True)

    def forward(self, x, padding):
        padding = _first_token_kept(padding)
        return self.attention(x, x, x, key_padding_mask=padding, need_weights=False)[0]


class Encoder(nn.Module):
    def __init__(self, norm_first: bool = False):
        super().__init__()
        torch.manual_seed(0)
        self.layer = nn.TransformerEncoderLayer(16, 4, 32, dropout=0.0, batch_first=True, norm_first=norm_first)

    def forward(self, x, padding):
        return self.layer(x, src_key_padding_mask=_first_token_kept(padding))


def _padded(batch=2, length=6):
    x = sample(batch, length, 16)
    padding = torch.zeros(batch, length, dtype=torch.bool)
    padding[0, -2:] = True  # the first sequence is two tokens shorter
    return [x, padding]


BLOCK_DYNAMIC = {0: {0: (1, 4, "batch"), 1: (2, 12, "seq")}, 1: {0: (1, 4, "batch"), 1: (2, 12, "seq")}}


def test_multihead_attention_key_padding():
    assert_converts(SelfAttention(), _padded(), expect=[SDPA, "aten.linear.default"], dynamic=BLOCK_DYNAMIC)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer(norm_first):
    assert_converts(Encoder(norm_first), _padded(), expect=[SDPA, "aten.layer_norm.default", "aten.linear.default"],
                    dynamic=BLOCK_DYNAMIC)
