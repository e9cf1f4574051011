"""The one test harness for converters.

``assert_converts(module, inputs, expect=...)``: export the tiny module, lower, convert with our
interpreter, check TensorRT accepts the network (a real engine build), execute the network with the
reference interpreter, and compare with eager PyTorch at tight fp32 tolerance — at every shape point
of the dynamic range. It also proves that the converters the test is about converted the nodes
under test (``assert_converted_by``), so a test cannot pass through a decomposition, a constant
fold or a dead branch that bypasses the converter under test.

What a passing ``assert_converts`` (or a direct ``assert_converted_by``) proved is handed to whoever
collects proofs for the running test (``collecting_proofs``): the converter-coverage plugin,
``tests/convert/coverage_plugin.py``, which counts the proofs of passing tests only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn

from trtrepo.capture import capture
from trtrepo.convert.interpreter import NodeOrigin
from trtrepo.convert.registry import target_name
from trtrepo.dtypes import from_torch
from trtrepo.engine import build_plan
from trtrepo.graph import is_folded
from trtrepo.network import Converted, convert_captured
from trtrepo.reference import execute_network
from trtrepo.spec import Dim, ModelSpec, TensorSpec
from trtrepo.structure import served_as_vector

# The proof sets of whoever is collecting for the running test (see ``collecting_proofs``). Not a
# record of the session: a collector adds its set for one test and takes it away afterwards.
_collectors: list[set[str]] = []

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


class WithIndex(nn.Module):
    """``fn(x, index, y)`` with a constant index (a buffer), so an index test can choose it duplicate-free."""

    def __init__(self, fn, index):
        super().__init__()
        self.fn = fn
        self.register_buffer("index", index)

    def forward(self, x, y):
        return self.fn(x, self.index, y)


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
    return convert_captured(spec, capture(spec, module, tuple(inputs)), module)


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
    expected_ops = [expect] if isinstance(expect, str) else list(expect)
    for op in expected_ops:
        _prove(converted, op)
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
    for collector in _collectors:
        collector.update(expected_ops)
    return converted


@contextmanager
def collecting_proofs() -> Iterator[set[str]]:
    """A set that receives the ops proven while the block runs (by a passing ``assert_converts``, or
    by ``assert_converted_by``)."""
    proven: set[str] = set()
    _collectors.append(proven)
    try:
        yield proven
    finally:
        _collectors.remove(proven)


# ---- proof that a converter converted the node under test ---------------------------------------

# Converters that pick one element of another node's result (a Python tuple) and so make no layer
# of their own: what they are proven by is the layers of the node they select from.
SELECTORS = frozenset({"operator.getitem"})


def assert_converted_by(converted: Converted, op: str) -> None:
    """Prove that ``op``'s converter converted every ``op`` node of the lowered graph into live layers.

    ``assert_converts`` does this for every op it expects. A test that cannot compare with eager
    (``empty``'s contents are unspecified) calls it itself and checks the values its own way; its
    proof then counts for converter coverage like one of ``assert_converts``, if the test passes.
    """
    _prove(converted, op)
    for collector in _collectors:
        collector.add(op)


def _prove(converted: Converted, op: str) -> None:
    """For each node of the lowered graph whose target is ``op``, in this order (each failure says which):

    it was not folded into a constant (the converter runs only on nodes that are not); the
    interpreter recorded ``op``'s converter as the one that converted it; the layers it made
    (every layer is named after its FX node and recorded in ``result.origins``) are attributed to
    ``op``, and one of them feeds a network output (walking the network from its outputs back
    through layer inputs) — a converter may also make no layer at all, when the op is the identity
    for this case (``x ** 1``, ``squeeze`` of a dim that is not 1) and it hands its input on.
    """
    graph = converted.program.graph_module.graph
    nodes = [n for n in graph.nodes if n.op == "call_function" and target_name(n.target) == op]
    targets = sorted({target_name(n.target) for n in graph.nodes if n.op == "call_function"})
    assert nodes, f"{op}: no node of the lowered graph has this target, so its converter converted nothing; " \
                  f"the graph's targets: {targets}"
    network, origins = converted.result.network, converted.result.origins
    layers = _layers_by_node(network, origins)
    live = _layers_feeding_outputs(network)
    for node in nodes:
        assert not is_folded(node), f"{op}: node {node.name!r} was folded into a constant by lowering: " \
                                    "no converter ran for it (feed it from a model input)"
        converted_by = converted.result.converted_nodes.get(node.name)
        assert converted_by == op, f"{op}: node {node.name!r} was converted by {converted_by or 'no converter'}"
        maker = node.args[0] if op in SELECTORS else node
        what = f"node {node.name!r}" + (f" selects from {maker.name!r}, which" if maker is not node else "")
        made = layers.get(maker.name, [])
        if not made:
            continue  # the identity for this case: the converter handed its input on
        if maker is node:
            wrong = {o.op for o in origins.values() if o.node == node.name} - {op}
            assert not wrong, f"{op}: node {node.name!r}'s layers are recorded as made by {sorted(wrong)}"
        assert live.intersection(made), f"{op}: {what} made layers " \
            f"{[network.get_layer(i).name for i in made]} that reach no network output: its result is unused"
    runs = converted.result.converters_used.get(op, 0)
    assert runs >= len(nodes), f"{op}: its converter ran {runs} time(s) for {len(nodes)} node(s)"


def _layers_by_node(network: Any, origins: dict[str, NodeOrigin]) -> dict[str, list[int]]:
    """FX node name -> indices of the layers it made.

    A layer belongs to the node that ``origins`` records for one of its output tensors. The node's
    final output may since have been renamed to a model output (``out0``); such a layer is known
    by its own name, which the converter gives every layer after its node (``node`` or ``node/k``).
    """
    recorded = {origin.node for origin in origins.values()}
    by_node: dict[str, list[int]] = {}
    for index in range(network.num_layers):
        layer = network.get_layer(index)
        nodes = {origins[t.name].node for o in range(layer.num_outputs) if (t := layer.get_output(o)).name in origins}
        nodes |= {layer.name.split("/")[0]} & recorded
        for node in nodes:
            by_node.setdefault(node, []).append(index)
    return by_node


def _layers_feeding_outputs(network: Any) -> set[int]:
    """Indices of the layers a network output depends on (through any input, shape inputs included)."""
    producer = {layer.get_output(o).name: i
                for i in range(network.num_layers)
                for layer in [network.get_layer(i)] for o in range(layer.num_outputs)}
    pending = [network.get_output(i).name for i in range(network.num_outputs)]
    live: set[int] = set()
    while pending:
        index = producer.get(pending.pop())
        if index is None or index in live:
            continue  # a network input, or a layer already walked
        live.add(index)
        layer = network.get_layer(index)
        pending.extend(t.name for k in range(layer.num_inputs) if (t := layer.get_input(k)) is not None)
    return live
