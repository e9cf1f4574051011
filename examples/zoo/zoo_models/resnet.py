"""A ResNet-style CNN: basic residual blocks, strided 1x1 downsampling, global average pool.

Any input height and width work: the head pools whatever spatial size reaches it.
"""

import torch
from torch import nn

from .common import randomize_batch_norm


class BasicBlock(nn.Module):
    def __init__(self, inp: int, out: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(inp, out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out)
        self.conv2 = nn.Conv2d(out, out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or inp != out:
            self.downsample = nn.Sequential(nn.Conv2d(inp, out, 1, stride=stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + identity)


class ResNet(nn.Module):
    def __init__(self, widths: tuple[int, ...] = (16, 32, 64), blocks: int = 1, classes: int = 10):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], 7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
        )
        layers, inp = [], widths[0]
        for i, width in enumerate(widths):
            for b in range(blocks):
                layers.append(BasicBlock(inp, width, stride=2 if i > 0 and b == 0 else 1))
                inp = width
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(inp, classes)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.layers(self.stem(image))
        return self.fc(torch.flatten(self.pool(x), 1))


def build(widths: tuple[int, ...] = (16, 32, 64), blocks: int = 1, classes: int = 10, seed: int = 0) -> nn.Module:
    """A small ResNet in eval mode with seeded weights and batch-norm statistics."""
    torch.manual_seed(seed)
    return randomize_batch_norm(ResNet(tuple(widths), blocks, classes)).eval()
