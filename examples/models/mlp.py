"""A small multilayer perceptron: linear, relu, residual add."""

import torch
from torch import nn


class MLP(nn.Module):
    def __init__(self, features: int = 16, hidden: int = 64, classes: int = 10):
        super().__init__()
        self.inp = nn.Linear(features, hidden)
        self.hidden = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.inp(x))
        h = h + torch.relu(self.hidden(h))
        return self.out(h)


def build(features: int = 16, hidden: int = 64, classes: int = 10, seed: int = 0) -> nn.Module:
    """The MLP with deterministic random weights (a real deployment would load a checkpoint)."""
    torch.manual_seed(seed)
    return MLP(features, hidden, classes).eval()
