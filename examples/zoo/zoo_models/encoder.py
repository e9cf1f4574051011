"""A transformer encoder for text: token and position embeddings, a padding mask, post-norm layers.

Built from PyTorch's own ``nn.TransformerEncoderLayer`` (multi-head attention, layer norm, GELU).
"""

import torch
from torch import nn

from .common import key_padding_mask


class TextEncoder(nn.Module):
    def __init__(self, vocab: int = 100, hidden: int = 32, heads: int = 4, layers: int = 2, max_len: int = 32):
        super().__init__()
        self.tokens = nn.Embedding(vocab, hidden, padding_idx=0)
        self.positions = nn.Embedding(max_len, hidden)
        layer = nn.TransformerEncoderLayer(hidden, heads, dim_feedforward=4 * hidden, dropout=0.1,
                                           activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(hidden)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.tokens(input_ids) + self.positions(positions)
        padding = ~key_padding_mask(attention_mask)  # True where a token is padding
        return self.norm(self.encoder(x, src_key_padding_mask=padding))


def build(vocab: int = 100, hidden: int = 32, heads: int = 4, layers: int = 2, max_len: int = 32,
          seed: int = 0) -> nn.Module:
    """A two-layer encoder in eval mode with seeded weights."""
    torch.manual_seed(seed)
    return TextEncoder(vocab, hidden, heads, layers, max_len).eval()
