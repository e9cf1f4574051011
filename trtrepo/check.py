"""``trtrepo check``: prove a conversion numerically without a GPU.

For each model: seeded random inputs at the min, opt and max shape points; eager PyTorch against
the TensorRT network executed by the reference interpreter; per-output statistics against the
precision's tolerance. When a case fails, the intermediates of the lowered ATen graph are compared
with the network's tensors of the same name (every tensor is named after its FX node), and the first
node where the error jumps is reported with its source line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.fx
from torch.export import ExportedProgram
from torch.export.graph_signature import InputKind

from trtrepo.capture import example_inputs, is_saved_program, load_module, load_saved_program
from trtrepo.compare import CaseResult, Tolerance, compare_outputs, compare_tensor, tolerance_for
from trtrepo.errors import TrtrepoError
from trtrepo.graph import constant_values, source_line
from trtrepo.network import Converted, convert_model
from trtrepo.reference import execute_network
from trtrepo.spec import ModelSpec

SHAPE_POINTS = ("min", "opt", "max")


def output_tolerances(spec: ModelSpec) -> dict[str, Tolerance]:
    """The tolerance of every declared output (precision default, model and output overrides)."""
    return {o.name: tolerance_for(spec.precision, spec.tolerance, o.tolerance) for o in spec.outputs}


def eager_model(spec: ModelSpec) -> torch.nn.Module:
    """The fp32 reference: the user's module (or the saved program's), floats in fp32."""
    module = load_saved_program(spec).module() if is_saved_program(spec.source) else load_module(spec)
    return module.float()


def eager_outputs(module: torch.nn.Module, spec: ModelSpec,
                  inputs: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
    """Run the eager model and name its flattened outputs as models.yaml does."""
    inputs = tuple(t.float() if t.is_floating_point() else t for t in inputs)  # fp32 reference
    with torch.no_grad():
        value = module(*inputs)
    flat = list(value) if isinstance(value, (tuple, list)) else [value]
    if len(flat) != len(spec.outputs):
        raise TrtrepoError(f"model {spec.name!r}: returns {len(flat)} outputs, models.yaml declares "
                           f"{len(spec.outputs)}")
    return {o.name: t for o, t in zip(spec.outputs, flat, strict=True)}


def check_model(spec: ModelSpec, points: tuple[str, ...] = SHAPE_POINTS, seed: int = 0,
                converted: Converted | None = None) -> list[CaseResult]:
    """One CaseResult per shape point; conversion problems become a failed case, not an exception."""
    try:
        converted = converted or convert_model(spec)
        module = eager_model(spec)
    except TrtrepoError as exc:
        return [CaseResult(spec.name, "convert", error=str(exc))]
    tolerances = output_tolerances(spec)
    results = []
    profiles = spec.profile_list
    cases = [(f"p{i}.{p}" if len(profiles) > 1 else p, p, profile)
             for i, profile in enumerate(profiles) for p in points]
    for label, point, profile in cases:
        inputs = example_inputs(spec, point, seed, profile)
        feed = {t.name: v for t, v in zip(spec.inputs, inputs, strict=True)}
        case = CaseResult(spec.name, label, details={"input_shapes": {k: list(v.shape) for k, v in feed.items()}})
        try:
            expected = eager_outputs(module, spec, inputs)
            got = execute_network(converted.network, feed).outputs
        except TrtrepoError as exc:
            case.error = str(exc)
            results.append(case)
            continue
        compared = compare_outputs(spec.name, label, got, expected, tolerances)
        case.outputs = compared.outputs
        if not case.passed:
            case.details["first_divergence"] = localise_safely(converted, feed, tolerances)
        results.append(case)
    return results


@dataclass(frozen=True)
class Divergence:
    """The first node whose TensorRT tensor departs from PyTorch beyond tolerance."""

    node: str
    op: str
    source: str
    max_abs: float
    max_rel: float
    previous_node: str
    previous_max_abs: float

    def describe(self) -> str:
        """One paragraph for the report."""
        where = f" at {self.source}" if self.source else ""
        before = (f" (the node before it, {self.previous_node!r}, was within tolerance: max abs "
                  f"{self.previous_max_abs:.3e})") if self.previous_node else ""
        return (f"first divergence at node {self.node!r} ({self.op}){where}: max abs {self.max_abs:.3e}, "
                f"max rel {self.max_rel:.3e}{before}")


def localise_safely(converted: Converted, feed: dict[str, torch.Tensor],
                    tolerances: dict[str, Tolerance]) -> dict[str, Any] | None:
    """``localise``, but a failure to localise is reported in the result, never raised."""
    try:
        return localise(converted, feed, tolerances)
    except Exception as exc:  # the failing case is already reported; this is extra diagnosis
        return {"message": f"could not localise the divergence: {type(exc).__name__}: {str(exc).splitlines()[0]}"}


def localise(converted: Converted, feed: dict[str, torch.Tensor],
             tolerances: dict[str, Tolerance]) -> dict[str, Any] | None:
    """Compare every node's intermediate with the network's same-named tensor; name the first bad one."""
    tolerance = min(tolerances.values(), key=lambda t: t.atol + t.rtol)
    reference = execute_network(converted.network, feed, keep_intermediates=True).tensors
    eager = lowered_intermediates(converted.program, converted.spec, feed)
    previous = ("", 0.0)
    for node in converted.program.graph_module.graph.nodes:
        if node.op != "call_function" or node.name not in reference or node.name not in eager:
            continue
        expected, got = eager[node.name], reference[node.name]
        if not isinstance(expected, torch.Tensor) or tuple(expected.shape) != tuple(got.shape):
            continue
        stats = compare_tensor(node.name, got, expected, tolerance)
        if not stats.passed:
            origin = converted.result.origins.get(node.name)
            divergence = Divergence(node.name, origin.op if origin else str(node.target), source_line(node),
                                    stats.max_abs, stats.max_rel, *previous)
            return {**divergence.__dict__, "message": divergence.describe()}
        previous = (node.name, stats.max_abs)
    return None


def lowered_intermediates(program: ExportedProgram, spec: ModelSpec,
                          feed: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Every node's value when PyTorch runs the lowered graph the converter saw."""
    values: dict[str, Any] = {}
    weights = constant_values(program)
    user_inputs = iter(feed[t.name] for t in spec.inputs)
    args = [next(user_inputs) if s.kind == InputKind.USER_INPUT else weights[s.arg.name]
            for s in program.graph_signature.input_specs]

    class Recorder(torch.fx.Interpreter):
        def call_function(self, target: Any, args: Any, kwargs: Any) -> Any:
            # Lowering dropped the clones that made views legal (TensorRT has no strides);
            # reshape computes the same values without needing contiguous memory.
            if target in (torch.ops.aten.view.default, torch.ops.aten._unsafe_view.default):
                return torch.reshape(args[0], args[1])
            return super().call_function(target, args, kwargs)

        def run_node(self, n: torch.fx.Node) -> Any:
            value = super().run_node(n)
            values[n.name] = value
            return value

    with torch.no_grad():
        Recorder(program.graph_module).run(*args)
    return values
