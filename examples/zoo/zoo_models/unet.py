"""A UNet-style segmentation network: encoder, bottleneck, decoder with skip connections.

The decoder upsamples once with a transposed convolution and once with bilinear interpolation,
and concatenates the matching encoder features at each level.
"""

import torch
from torch import nn

from .common import randomize_batch_norm


def double_conv(inp: int, out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(inp, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU(inplace=True),
        nn.Conv2d(out, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.ReLU(inplace=True),
    )


class UNet(nn.Module):
    def __init__(self, channels: int = 3, classes: int = 4, width: int = 8):
        super().__init__()
        w = width
        self.enc1 = double_conv(channels, w)
        self.enc2 = double_conv(w, 2 * w)
        self.bottleneck = double_conv(2 * w, 4 * w)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(4 * w, 2 * w, kernel_size=2, stride=2)
        self.dec2 = double_conv(4 * w, 2 * w)
        self.up1 = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.dec1 = double_conv(3 * w, w)
        self.head = nn.Conv2d(w, classes, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(image)
        e2 = self.enc2(self.pool(e1))
        b = self.bottleneck(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


def build(channels: int = 3, classes: int = 4, width: int = 8, seed: int = 0) -> nn.Module:
    """A small UNet in eval mode with seeded weights and batch-norm statistics."""
    torch.manual_seed(seed)
    return randomize_batch_norm(UNet(channels, classes, width)).eval()
