"""``trtrepo check``: prove a conversion numerically without a GPU.

For each model: seeded random inputs at the min, opt and max shape points of every profile (and
more random shapes on request); the eager module that was captured against the TensorRT network
executed by the reference interpreter — ``compare_runs`` over an ``EagerRunner`` and a
``ReferenceRunner``. When a case fails, the intermediates of the lowered ATen graph are compared
with the network's tensors of the same name (every tensor is named after its FX node), and the
first node where the error jumps is reported with its source line.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import torch
import torch.fx
from torch.export import ExportedProgram
from torch.export.graph_signature import InputKind

from trtrepo.compare import (
    CaseResult,
    Divergence,
    Tolerance,
    compare_runs,
    compare_tensor,
    exit_code,
    output_tolerances,
)
from trtrepo.errors import Category, CheckFailedError, TrtrepoError
from trtrepo.graph import constant_values, source_line
from trtrepo.network import Converted, convert_model
from trtrepo.report import failure_lines
from trtrepo.runners import EagerRunner, ReferenceRunner
from trtrepo.samples import SHAPE_POINTS, Sample, generated_samples, user_samples
from trtrepo.spec import ModelSpec


def eager_runner(converted: Converted) -> EagerRunner:
    """The expected side of check: the module instance that was captured (or the saved program)."""
    if converted.module is not None:
        return EagerRunner(converted.spec, converted.module)
    return EagerRunner.from_program(converted.spec, converted.captured)


RANDOM_SAMPLES = 2  # random shapes beyond the shape points, by default: an fp16 NaN once showed at one only


def check_samples(spec: ModelSpec, count: int = 0, seed: int = 0,
                  points: tuple[str, ...] = SHAPE_POINTS) -> list[Sample]:
    """What check runs: the shape points of every profile, random shapes (at least ``RANDOM_SAMPLES``,
    up to ``count`` samples in all), and the user's own ``verify.inputs`` samples."""
    least = len(points) * len(spec.profile_list) + RANDOM_SAMPLES
    samples = generated_samples(spec, max(count, least), seed, points)
    return samples + (user_samples(spec) if spec.verify_inputs else [])


def check_converted(converted: Converted, samples: list[Sample] | None = None, seed: int = 0,
                    localise_failures: bool = True) -> list[CaseResult]:
    """Compare the converted network with eager PyTorch on ``samples`` (default: ``check_samples``).

    A failed case names its first diverging node (``localise``) unless ``localise_failures`` is off:
    a caller that only needs the verdict (``tune-precision``'s trials) saves two executions per case.
    """
    spec = converted.spec
    samples = samples if samples is not None else check_samples(spec, seed=seed)
    reference = ReferenceRunner(converted)
    cases = compare_runs(spec, eager_runner(converted), reference, samples).cases
    tolerances = output_tolerances(spec)
    for case, sample in zip(cases, samples, strict=True):
        case.latency_ms = None  # the reference interpreter's speed says nothing about an engine's
        if localise_failures and case.category is Category.MISMATCH:
            localise_safely(case, converted, reference, sample, tolerances)
    if converted.quantized is not None:  # how much of the error is quantization, how much conversion
        rows = quantization_error(converted, samples)
        for case in cases:
            case.quantization_split = [row for row in rows if row["case"] == case.case]
    return cases


def check_model(spec: ModelSpec, seed: int = 0, samples: int = 0,
                points: tuple[str, ...] = SHAPE_POINTS) -> list[CaseResult]:
    """Convert ``spec`` and check it at ``points`` of every profile (then random shapes up to ``samples``).

    A conversion problem becomes one failed case, not an exception.
    """
    try:
        converted = convert_model(spec)
        inputs = check_samples(converted.spec, samples, seed, points)
    except TrtrepoError as exc:
        return [CaseResult(spec.name, "convert", error=str(exc), error_category=Category.ERROR)]
    return check_converted(converted, inputs)


def split_lines(results: list[CaseResult]) -> list[str]:
    """One line per quantized case and output: the quantization's error and the conversion's."""
    return [f"{case.model} [{case.case}] {row['output']}: quantization (fake-quant vs fp32) max abs "
            f"{row['quantization']['max_abs']:.3e}, cosine {row['quantization']['cosine']:.6f}; conversion "
            f"(network vs fake-quant) max abs {row['conversion']['max_abs']:.3e}, cosine "
            f"{row['conversion']['cosine']:.6f}"
            for case in results for row in case.quantization_split]


def split_summary(rows: list[dict[str, Any]]) -> str:
    """The quantization/conversion split over every case and output, worst figures: build's one line."""
    if not rows:
        return ""
    def worst(part: str) -> str:
        max_abs = max(row[part]["max_abs"] for row in rows)
        cosine = min(row[part]["cosine"] for row in rows)
        return f"max abs {max_abs:.3e}, cosine {cosine:.6f}"
    return (f"quantization (fake-quant vs fp32) {worst('quantization')}; conversion (network vs fake-quant) "
            f"{worst('conversion')}; worst of {len(rows)} case-outputs")


def quantization_error(converted: Converted, samples: list[Sample]) -> list[dict[str, Any]]:
    """Per case and output: how far the fake-quantized eager model (the quantized program run by
    PyTorch) is from the fp32 model — the quantization's own error — and how far the network is
    from the fake-quantized model — the conversion's."""
    spec = converted.spec
    fake = EagerRunner(spec, converted.quantized.module)
    quantization = compare_runs(spec, eager_runner(converted), fake, samples).cases
    conversion = compare_runs(spec, fake, ReferenceRunner(converted), samples).cases
    rows = []
    for q_case, c_case in zip(quantization, conversion, strict=True):
        for q, c in zip(q_case.outputs, c_case.outputs, strict=True):
            rows.append({"case": q_case.case, "output": q.name,
                         "quantization": {"max_abs": q.max_abs, "cosine": q.cosine},
                         "conversion": {"max_abs": c.max_abs, "cosine": c.cosine}})
    return rows


def require_passing(converted: Converted) -> dict[str, Any]:
    """``build --check``: the check's summary for the build record; CheckFailedError when it fails.

    For a quantized model the summary also splits the error (``quantization_error``)."""
    samples = check_samples(converted.spec)
    results = check_converted(converted, samples)
    summary: dict[str, Any] = {"passed": all(r.passed for r in results), "cases": [r.to_dict() for r in results]}
    if converted.quantized is not None:
        summary["quantization_error"] = [row for r in results for row in r.quantization_split]
    if not summary["passed"]:
        spec = converted.spec
        raise CheckFailedError(f"{spec.spec_file}: model {spec.name!r}: check failed:\n  "
                               + "\n  ".join(failure_lines(results)), exit_code(results))
    return summary


def localise_safely(case: CaseResult, converted: Converted, reference: ReferenceRunner, sample: Sample,
                    tolerances: dict[str, Tolerance], among: Collection[str] | None = None) -> None:
    """Record where ``case`` first diverges (``localise``); a failure to localise is noted, never raised."""
    try:
        case.divergence = localise(converted, reference, sample, tolerances, among)
    except Exception as exc:  # the failing case is already reported; this is extra diagnosis
        case.diagnosis = f"could not localise the divergence: {type(exc).__name__}: {str(exc).splitlines()[0]}"


def localise(converted: Converted, reference: ReferenceRunner, sample: Sample,
             tolerances: dict[str, Tolerance], among: Collection[str] | None = None) -> Divergence | None:
    """Compare every node's intermediate with the network's same-named tensor; name the first bad one.

    With ``among``, only those nodes can be named: the first of them that is out of tolerance
    (``tune-precision`` asks past the nodes it already keeps in fp32).
    """
    tolerance = min(tolerances.values(), key=lambda t: t.atol + t.rtol)
    network_values = reference.intermediates(sample.inputs)
    eager = lowered_intermediates(converted.program, converted.spec, sample.inputs)
    previous = ("", 0.0)
    tensors = converted.result.node_tensors
    for node in converted.program.graph_module.graph.nodes:
        tensor = tensors.get(node.name, node.name)
        if node.op != "call_function" or tensor not in network_values or node.name not in eager:
            continue
        expected, got = eager[node.name], network_values[tensor]
        if not isinstance(expected, torch.Tensor) or tuple(expected.shape) != tuple(got.shape):
            continue
        stats = compare_tensor(node.name, got, expected, tolerance)
        if not stats.passed and (among is None or node.name in among):
            origin = converted.result.origins.get(node.name)
            return Divergence(node.name, origin.op if origin else str(node.target), source_line(node),
                              stats.max_abs, stats.max_rel, *previous)
        # A node passed over (not among) and out of tolerance is no "within tolerance" predecessor.
        previous = (node.name, stats.max_abs) if stats.passed else ("", 0.0)
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
