"""A MobileNetV3-style CNN: inverted residuals, depthwise convolutions, hardswish, squeeze-excite."""

import torch
from torch import nn

from .common import randomize_batch_norm


def conv_bn(inp: int, out: int, kernel: int, stride: int = 1, groups: int = 1, act: type[nn.Module] | None = None):
    layers: list[nn.Module] = [nn.Conv2d(inp, out, kernel, stride, kernel // 2, groups=groups, bias=False),
                               nn.BatchNorm2d(out)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


class SqueezeExcite(nn.Module):
    def __init__(self, channels: int, squeeze: int):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = nn.functional.hardsigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))
        return x * scale


class InvertedResidual(nn.Module):
    def __init__(self, inp: int, expand: int, out: int, kernel: int, stride: int, se: bool, act: type[nn.Module]):
        super().__init__()
        self.residual = stride == 1 and inp == out
        layers: list[nn.Module] = []
        if expand != inp:
            layers.append(conv_bn(inp, expand, 1, act=act))
        layers.append(conv_bn(expand, expand, kernel, stride, groups=expand, act=act))  # depthwise
        if se:
            layers.append(SqueezeExcite(expand, max(8, expand // 4)))
        layers.append(conv_bn(expand, out, 1))  # linear bottleneck: no activation
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.residual else y


# (kernel, expand, out, squeeze-excite, activation, stride), after MobileNetV3-Small, narrowed.
SETTINGS = [
    (3, 16, 16, True, nn.ReLU, 2),
    (3, 48, 24, False, nn.ReLU, 2),
    (3, 56, 24, False, nn.ReLU, 1),
    (5, 64, 32, True, nn.Hardswish, 2),
    (5, 96, 32, True, nn.Hardswish, 1),
]


class MobileNetV3(nn.Module):
    def __init__(self, classes: int = 10):
        super().__init__()
        layers: list[nn.Module] = [conv_bn(3, 16, 3, stride=2, act=nn.Hardswish)]
        inp = 16
        for kernel, expand, out, se, act, stride in SETTINGS:
            layers.append(InvertedResidual(inp, expand, out, kernel, stride, se, act))
            inp = out
        layers.append(conv_bn(inp, 6 * inp, 1, act=nn.Hardswish))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(6 * inp, 128), nn.Hardswish(), nn.Dropout(0.2),
                                        nn.Linear(128, classes))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.features(image))
        return self.classifier(torch.flatten(x, 1))


def build(classes: int = 10, seed: int = 0) -> nn.Module:
    """A narrow MobileNetV3 in eval mode with seeded weights and batch-norm statistics."""
    torch.manual_seed(seed)
    return randomize_batch_norm(MobileNetV3(classes)).eval()
