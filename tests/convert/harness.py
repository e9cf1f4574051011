"""The one test harness for converters.

``assert_converts(module, inputs, expect=...)``: export the tiny module, lower, convert with our
interpreter, check TensorRT accepts the network (a real engine build), execute the network with the
reference interpreter, and compare with eager PyTorch at tight fp32 tolerance — at every shape point
of the dynamic range. It also asserts that the converters the test is about actually ran, so a
test cannot pass through a decomposition that bypasses the converter under test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from torch import nn

from trtrepo.capture import capture
from trtrepo.dtypes import from_torch
from trtrepo.engine import build_plan
from trtrepo.network import Converted, convert_captured
from trtrepo.reference import execute_network
from trtrepo.spec import Dim, ModelSpec, TensorSpec
from trtrepo.structure import served_as_vector

# Every converter any harness call saw run in this test session (for the coverage test).
CONVERTERS_RUN: set[str] = set()

# Dynamic dims: {input index: {dim index: (min, max) or (min, max, name)}}; opt is the example's
# own size. Dims given the same name are one symbolic size (e.g. a sequence length in two inputs).
Dynamic = dict[int, dict[int, tuple]]


class Fn(nn.Module):
    """A function of one tensor as a module (torch.export needs named forward parameters)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


class Fn2(Fn):
    """A function of two tensors as a module."""

    def forward(self, x, y):
        return self.fn(x, y)


class Fn3(Fn):
    """A function of three tensors as a module."""

    def forward(self, x, y, z):
        return self.fn(x, y, z)


def spec_for(inputs: Sequence[torch.Tensor], outputs: int, dynamic: Dynamic | None = None,
             ranges: dict[int, tuple[float, float]] | None = None) -> ModelSpec:
    """A ModelSpec for a test module: inputs ``x0, x1, ...``, outputs ``out0, ...``."""
    dynamic = dynamic or {}
    tensors = []
    for i, tensor in enumerate(inputs):
        dims = []
        for d, size in enumerate(tensor.shape):
            if d in dynamic.get(i, {}):
                lo, hi, *name = dynamic[i][d]
                dims.append(Dim(lo, size, hi, name[0] if name else f"d{i}_{d}"))
            else:
                dims.append(Dim(size, size, size))
        tensors.append(TensorSpec(f"x{i}", from_torch(tensor.dtype), tuple(dims),
                                  value_range=(ranges or {}).get(i)))
    outs = tuple(TensorSpec(f"out{i}", None) for i in range(outputs))
    return ModelSpec(name="under_test", source="<test>", spec_file=Path("<test>"), inputs=tuple(tensors),
                     outputs=outs)


def _flat(value: object) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flat(v)]
    raise TypeError(f"module returned {type(value).__name__}; tests need tensors")


def convert_module(module: nn.Module, inputs: Sequence[torch.Tensor], dynamic: Dynamic | None = None) -> Converted:
    """Export, lower and convert ``module`` (no comparison)."""
    module = module.eval()
    with torch.no_grad():
        outputs = len(_flat(module(*inputs)))
    spec = spec_for(inputs, outputs, dynamic)
    converted = convert_captured(spec, capture(spec, module, tuple(inputs)), module)
    CONVERTERS_RUN.update(converted.result.converters_used)
    return converted


def shape_points(inputs: Sequence[torch.Tensor], dynamic: Dynamic | None) -> list[tuple[torch.Tensor, ...]]:
    """The example inputs, plus (when dynamic) inputs resized to the min and max of every range."""
    points = [tuple(inputs)]
    if not dynamic:
        return points
    for pick in (0, 1):
        resized = []
        for i, tensor in enumerate(inputs):
            shape = list(tensor.shape)
            for d, bounds in dynamic.get(i, {}).items():
                shape[d] = bounds[pick]  # same-named dims share bounds, so they stay equal
            resized.append(_resample(tensor, shape, seed=pick + 1))
        points.append(tuple(resized))
    return points


def _resample(like: torch.Tensor, shape: list[int], seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    if like.dtype.is_floating_point:
        return torch.randn(shape, generator=generator).to(like.dtype)
    if like.dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    lo, hi = int(like.min()), int(like.max())
    return torch.randint(lo, hi + 1, shape, generator=generator).to(like.dtype)


def assert_converts(
    module: nn.Module,
    inputs: Sequence[torch.Tensor],
    *,
    expect: str | Iterable[str],
    dynamic: Dynamic | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
    build_engine: bool = True,
) -> Converted:
    """Convert ``module`` and prove the network computes what eager PyTorch computes."""
    converted = convert_module(module, inputs, dynamic)
    used = converted.result.converters_used
    for op in [expect] if isinstance(expect, str) else expect:
        assert op in used, f"converter for {op} did not run; converters used: {sorted(used)}"
    if build_engine:
        plan, _ = build_plan(converted.builder, converted.result.network, converted.spec)
        assert len(plan) > 0
    for point in shape_points(inputs, dynamic):
        with torch.no_grad():
            # A 0-d result leaves a model without batching as [1] (Triton serves no scalars there).
            expected = [e.reshape(1) if served_as_vector(converted.spec, e.dim()) else e for e in _flat(module(*point))]
        feed = {f"x{i}": t for i, t in enumerate(point)}
        got = list(execute_network(converted.result.network, feed).outputs.values())
        assert len(got) == len(expected)
        for index, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert g.shape == e.shape, f"out{index}: shape {tuple(g.shape)} != eager {tuple(e.shape)}"
            assert g.dtype == e.dtype, f"out{index}: dtype {g.dtype} != eager {e.dtype}"
            if e.dtype.is_floating_point:
                torch.testing.assert_close(g, e, rtol=rtol, atol=atol, msg=lambda m, i=index: f"out{i}: {m}")
            else:
                assert torch.equal(g, e), f"out{index}: {g} != eager {e}"
    return converted
