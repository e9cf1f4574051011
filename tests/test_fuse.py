"""trtrepo.fuse: batch norm folded into the layer before it, and static view sizes — fewer layers, same numbers.

Each network is checked twice: through the converter harness against eager PyTorch at every shape
point, and by the layer types it holds (a folded batch norm leaves no elementwise, scale or
normalization layer behind).
"""

from __future__ import annotations

from collections import Counter

import pytest
import torch
from torch import nn

from tests.convert.harness import Fn, Fn2, assert_converts
from tests.convert.samples import sample
from trtrepo.network import Converted

BATCH_NORM = "aten._native_batch_norm_legit_no_training.default"
CONVOLUTION = "aten.convolution.default"


def _randomize(module: nn.Module) -> nn.Module:
    """Batch-norm weights and statistics far from the defaults (a skipped scale or shift shows), in eval
    mode; layers keep PyTorch's initialisation, so values stay of the size real networks carry."""
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for bn in (m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)):
            for tensor in list(bn.parameters()) + [bn.running_mean, bn.running_var]:
                tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
    return module.eval()


def layer_types(converted: Converted) -> Counter[str]:
    """How many layers of each TensorRT type the network holds."""
    network = converted.network
    return Counter(str(network.get_layer(i).type).split(".")[-1] for i in range(network.num_layers))


def batch_norm_nodes(converted: Converted) -> list[str]:
    """Names of the batch-norm nodes left in the graph the converter saw."""
    target = torch.ops.aten._native_batch_norm_legit_no_training.default
    return [n.name for n in converted.program.graph_module.graph.nodes if n.target is target]


NO_NORM_LAYERS = ("ELEMENTWISE", "SCALE", "NORMALIZATION", "UNARY")


@pytest.mark.parametrize("model,shape", [
    (nn.Sequential(nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6)), (2, 3, 8, 8)),
    (nn.Sequential(nn.Conv2d(3, 6, 3, bias=False), nn.BatchNorm2d(6)), (2, 3, 8, 8)),
    (nn.Sequential(nn.Conv2d(4, 6, 3, groups=2), nn.BatchNorm2d(6, affine=False)), (2, 4, 7, 9)),
    (nn.Sequential(nn.Conv1d(3, 5, 3), nn.BatchNorm1d(5)), (2, 3, 10)),
    (nn.Sequential(nn.Conv3d(2, 4, 3, padding=1), nn.BatchNorm3d(4)), (1, 2, 4, 5, 6)),
    (nn.Sequential(nn.ConvTranspose2d(3, 6, 3, stride=2), nn.BatchNorm2d(6)), (2, 3, 5, 5)),
    (nn.Sequential(nn.ConvTranspose2d(4, 6, 3, stride=2, groups=2, bias=False), nn.BatchNorm2d(6)), (2, 4, 5, 5)),
])
def test_conv_batch_norm_folds_into_one_convolution(model, shape):
    converted = assert_converts(_randomize(model), [sample(*shape, scale=2)], expect=CONVOLUTION,
                                dynamic={0: {0: (1, 3)}})
    assert not batch_norm_nodes(converted)
    types = layer_types(converted)
    assert not any(types[t] for t in NO_NORM_LAYERS), types
    assert types["CONVOLUTION"] + types["DECONVOLUTION"] == 1, types


def test_linear_batch_norm_1d_folds_into_the_linear():
    model = _randomize(nn.Sequential(nn.Linear(5, 4), nn.BatchNorm1d(4)))
    converted = assert_converts(model, [sample(3, 5, scale=2)], expect="aten.linear.default", dynamic={0: {0: (1, 4)}})
    assert not batch_norm_nodes(converted)
    assert layer_types(converted)["ELEMENTWISE"] == 1  # the linear's own bias, nothing for the batch norm


class ConvWithTwoUsers(nn.Module):
    """The convolution's output is read by the batch norm and by the residual sum: no fold."""

    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3)

    def forward(self, x):
        y = self.conv(x)
        return self.bn(y) + y


def test_conv_with_another_user_is_not_folded():
    converted = assert_converts(_randomize(ConvWithTwoUsers()), [sample(2, 3, 6, 6)], expect=(CONVOLUTION, BATCH_NORM),
                                dynamic={0: {0: (1, 3)}})
    assert batch_norm_nodes(converted)


class ConvRuntimeStats(nn.Module):
    """A batch norm whose statistics arrive as an input: not constants, so not folded."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3)

    def forward(self, x, stats):
        return nn.functional.batch_norm(self.conv(x), stats[0], stats[1].abs() + 0.5, training=False)


def test_batch_norm_with_runtime_statistics_is_not_folded():
    converted = assert_converts(_randomize(ConvRuntimeStats()), [sample(2, 3, 6, 6), sample(2, 3, seed=1)],
                                expect=(CONVOLUTION, BATCH_NORM), dynamic={0: {0: (1, 3)}})
    assert batch_norm_nodes(converted)


def test_batch_norm_with_runtime_weight_is_not_folded():
    conv = _randomize(nn.Conv2d(3, 3, 3))
    fn = Fn2(lambda x, w: nn.functional.batch_norm(conv(x), torch.zeros(3), torch.ones(3), weight=w, training=False))
    converted = assert_converts(fn, [sample(2, 3, 6, 6), sample(3, seed=1)], expect=(CONVOLUTION, BATCH_NORM))
    assert batch_norm_nodes(converted)


def test_flatten_of_a_dynamic_batch_is_one_static_shuffle():
    converted = assert_converts(Fn(lambda x: torch.flatten(x, 1) * 2), [sample(2, 3, 4)], expect="aten.view.default",
                                dynamic={0: {0: (1, 5)}})
    types = layer_types(converted)
    assert types["SHUFFLE"] == 1 and not types["SHAPE"] and not types["GATHER"] and not types["CONCATENATION"], types


def test_view_with_two_dynamic_sizes_keeps_its_shape_tensor():
    converted = assert_converts(Fn(lambda x: x.view(x.shape[0], x.shape[1], 2, 2)), [sample(2, 3, 4)],
                                expect="aten.view.default", dynamic={0: {0: (1, 5), 1: (1, 6)}})
    assert layer_types(converted)["SHAPE"] >= 1
