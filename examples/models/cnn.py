"""A small image classifier: conv, batch norm, relu, max/avg pooling, flatten, linear."""

import torch
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self, channels: int = 3, classes: int = 10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 16, kernel_size=3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, kernel_size=3, stride=1, padding=1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.AvgPool2d(2),
        )
        self.head = nn.Linear(32 * 8 * 8, classes)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.features(image)
        return self.head(torch.flatten(x, 1))


def build(seed: int = 0) -> nn.Module:
    """The CNN in eval mode, with non-trivial batch-norm statistics so the conversion is tested."""
    torch.manual_seed(seed)
    model = SmallCNN()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
            nn.init.uniform_(module.weight, 0.5, 1.5)
            nn.init.uniform_(module.bias, -0.2, 0.2)
    return model.eval()
