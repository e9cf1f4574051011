"""Lowering decomposes only unconverted nodes, in place, without the whole-program re-trace."""

import torch
from torch import nn

import trtrepo.convert.ops  # noqa: F401  (registers the converters lowering keeps whole)
from trtrepo.lower import lower


class ConvBnRelu(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv, self.bn, self.relu = nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x))).flatten(1)


def test_lowering_needs_no_retrace_and_leaves_the_captured_program(monkeypatch):
    program = torch.export.export(ConvBnRelu().eval(), (torch.randn(2, 3, 8, 8),), strict=False)
    before = [n.target for n in program.graph.nodes]

    def refuse(*args, **kwargs):
        raise AssertionError("run_decompositions was called")

    monkeypatch.setattr(torch.export.ExportedProgram, "run_decompositions", refuse)
    lowered = lower(program)
    targets = {n.target for n in lowered.graph.nodes}
    aten = torch.ops.aten
    assert {aten.convolution.default, aten._native_batch_norm_legit_no_training.default, aten.relu.default} <= targets
    assert not targets & {aten.conv2d.default, aten.batch_norm.default, aten.relu_.default}
    assert [n.target for n in program.graph.nodes] == before, "the captured program is not changed"
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(lowered.module()(x), program.module()(x))
