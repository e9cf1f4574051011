"""A recurrent sequence tagger: token embeddings, a two-layer bidirectional LSTM, a GRU, a per-token head.

torch.export fixes an LSTM's or GRU's sequence length (its tracing of the ops unrolls the steps),
so the zoo declares this model's sequence static; the batch is dynamic.
"""

import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocab: int = 100, embedding: int = 16, hidden: int = 24, tags: int = 9):
        super().__init__()
        self.tokens = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, num_layers=2, bidirectional=True, batch_first=True, dropout=0.1)
        self.gru = nn.GRU(2 * hidden, hidden, batch_first=True)
        self.head = nn.Linear(hidden, tags)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        features, _ = self.lstm(self.tokens(input_ids))
        features, _ = self.gru(features)
        return self.head(features)


def build(vocab: int = 100, embedding: int = 16, hidden: int = 24, tags: int = 9, seed: int = 0) -> nn.Module:
    """The tagger in eval mode (no dropout between the LSTM's layers) with seeded weights."""
    torch.manual_seed(seed)
    return Tagger(vocab, embedding, hidden, tags).eval()
