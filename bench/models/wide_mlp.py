"""A wide MLP with ~84 MB of fp32 weights: enough for peak memory / weight bytes to mean something."""

import torch
from torch import nn


class WideMLP(nn.Module):
    def __init__(self, features: int, hidden: int, classes: int):
        super().__init__()
        self.inp = nn.Linear(features, hidden)
        self.hidden = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.inp(x))
        h = torch.relu(self.hidden(h))
        return self.out(h)


def build(features: int = 1024, hidden: int = 4096, classes: int = 16, seed: int = 0) -> nn.Module:
    """Seeded weights: 1024x4096 + 4096x4096 + 4096x16 floats (~84 MB)."""
    torch.manual_seed(seed)
    return WideMLP(features, hidden, classes).eval()
