"""Compare what one runner produces with what another expects: one module for ``check`` and ``verify``.

``compare_runs`` is the one comparison loop: every sample through both runners, every output
compared. Per output: max abs / max rel / mean abs error, cosine similarity, NaN/Inf counts, and
the smallest atol (at the policy's rtol) and rtol (at the policy's atol) that would have passed, so
a failure says by how much it failed. Pass/fail follows a tolerance policy per precision,
overridable per model and per output in models.yaml. One result type, ``CaseResult``, is what the
table, JSON and JUnit writers of ``trtrepo.report`` render.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import torch

from trtrepo.errors import Category, RunFailed
from trtrepo.runners.base import Runner
from trtrepo.samples import Sample
from trtrepo.spec import ModelSpec


@dataclass(frozen=True)
class Tolerance:
    """``|got - expected| <= atol + rtol * |expected|`` elementwise (numpy/torch allclose)."""

    atol: float
    rtol: float
    cosine: float | None = None  # least cosine similarity over the output, when the policy states one


# Defaults per engine precision. fp32 leaves room for GPU kernels that sum in another order (and
# TF32-free matmuls); fp16/bf16 reflect their 11- and 8-bit mantissas over a few layers of rounding:
# a 2-layer decoder's fp16 logits (|x| up to ~4) land 4-5 fp16 ulps (1.8e-2) from fp32, hence atol 2e-2.
DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    "fp32": Tolerance(atol=1e-4, rtol=1e-3),
    "fp16": Tolerance(atol=2e-2, rtol=1e-2),
    "bf16": Tolerance(atol=5e-2, rtol=5e-2),
    # Quantized engines against the fp32 eager model: the error is the quantization's own (the
    # fake-quantized eager model shows the same), so the policy is a direction (cosine similarity
    # over the whole output) plus a bound per element that a few quantization steps of an O(1)
    # output stay inside. FP8 E4M3 keeps 3 mantissa bits (6% steps) against INT8's 1/127 of range.
    "int8": Tolerance(atol=0.1, rtol=0.1, cosine=0.99),
    "fp8": Tolerance(atol=0.2, rtol=0.2, cosine=0.98),
}


def tolerance_for(precision: str, model_override: dict[str, float] | None = None,
                  output_override: dict[str, float] | None = None) -> Tolerance:
    """The policy for one output: precision default, then the model's, then the output's overrides."""
    base = DEFAULT_TOLERANCES[precision]
    merged = {**asdict(base), **(model_override or {}), **(output_override or {})}
    cosine = merged.get("cosine")
    return Tolerance(atol=float(merged["atol"]), rtol=float(merged["rtol"]),
                     cosine=None if cosine is None else float(cosine))


def output_tolerances(spec: ModelSpec) -> dict[str, Tolerance]:
    """The tolerance of every declared output (precision default, model and output overrides)."""
    return {o.name: tolerance_for(spec.precision, spec.tolerance, o.tolerance) for o in spec.outputs}


@dataclass
class OutputStats:
    """How one output compares with its expected value."""

    name: str
    shape: list[int]
    dtype: str
    tolerance: Tolerance
    passed: bool
    max_abs: float = 0.0
    max_rel: float = 0.0
    mean_abs: float = 0.0
    cosine: float = 1.0
    nan: int = 0  # NaN in got where expected has none
    inf: int = 0  # Inf in got where expected has none
    mismatched: int = 0  # elements outside tolerance (or unequal, for ints/bools)
    min_atol: float = 0.0  # smallest atol passing at tolerance.rtol
    min_rtol: float = 0.0  # smallest rtol passing at tolerance.atol
    problem: str = ""  # shape/dtype mismatch, missing output

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (floats made finite-safe)."""
        data = asdict(self)
        return {k: (_json_float(v) if isinstance(v, float) else v) for k, v in data.items()}


def _json_float(value: float) -> float | str:
    return value if math.isfinite(value) else str(value)


def compare_tensor(name: str, got: torch.Tensor | None, expected: torch.Tensor, tolerance: Tolerance) -> OutputStats:
    """Statistics of ``got`` against ``expected`` and whether it passes ``tolerance``."""
    shape, dtype = list(expected.shape), str(expected.dtype).replace("torch.", "")
    if got is None:
        return OutputStats(name, shape, dtype, tolerance, False, problem="output missing")
    if tuple(got.shape) != tuple(expected.shape):
        return OutputStats(name, shape, dtype, tolerance, False,
                           problem=f"shape {list(got.shape)} differs from expected {shape}")
    if not expected.is_floating_point():
        return _compare_exact(name, got, expected, tolerance)
    return _compare_float(name, got, expected, tolerance)


def _compare_exact(name: str, got: torch.Tensor, expected: torch.Tensor, tolerance: Tolerance) -> OutputStats:
    """Integers and booleans must match exactly."""
    unequal = int((got.to(expected.dtype) != expected).sum())
    diff = (got.double() - expected.double()).abs()
    return OutputStats(name, list(expected.shape), str(expected.dtype).replace("torch.", ""), tolerance,
                       passed=unequal == 0, max_abs=float(diff.max()) if diff.numel() else 0.0,
                       mean_abs=float(diff.mean()) if diff.numel() else 0.0, mismatched=unequal)


def _compare_float(name: str, got: torch.Tensor, expected: torch.Tensor, tolerance: Tolerance) -> OutputStats:
    g, e = got.double().flatten(), expected.double().flatten()
    stats = OutputStats(name, list(expected.shape), str(expected.dtype).replace("torch.", ""), tolerance, True)
    stats.nan = int((torch.isnan(g) & ~torch.isnan(e)).sum())
    stats.inf = int((torch.isinf(g) & ~torch.isinf(e)).sum())
    # Where both are the same non-finite value the element agrees; compare the rest numerically.
    same_special = (torch.isnan(g) & torch.isnan(e)) | (torch.isinf(g) & torch.isinf(e) & (g == e))
    finite = torch.isfinite(g) & torch.isfinite(e)
    special_mismatch = int((~finite & ~same_special).sum())
    gf, ef = g[finite], e[finite]
    if gf.numel():
        diff = (gf - ef).abs()
        magnitude = ef.abs()
        stats.max_abs = float(diff.max())
        stats.mean_abs = float(diff.mean())
        stats.max_rel = float((diff / magnitude.clamp_min(1e-12)).max())
        stats.min_atol = float((diff - tolerance.rtol * magnitude).clamp_min(0).max())
        nonzero = magnitude > 0
        excess = (diff - tolerance.atol).clamp_min(0)
        stats.min_rtol = float((excess[nonzero] / magnitude[nonzero]).max()) if nonzero.any() else 0.0
        if bool((excess[~nonzero] > 0).any()):
            stats.min_rtol = math.inf  # an error on an exact zero no rtol can absorb
        stats.cosine = _cosine(gf, ef)
        outside = diff > tolerance.atol + tolerance.rtol * magnitude
        stats.mismatched = int(outside.sum())
    stats.mismatched += special_mismatch
    if special_mismatch:
        # A NaN or Inf the expected output has not is the worst error there is, whatever the finite
        # elements say: the statistics must not read as agreement.
        stats.max_abs = stats.max_rel = stats.min_atol = stats.min_rtol = math.inf
        stats.cosine = -1.0
        stats.problem = non_finite_problem(stats)
    stats.passed = stats.mismatched == 0 and (tolerance.cosine is None or stats.cosine >= tolerance.cosine)
    if stats.passed is False and not stats.mismatched and not stats.problem:
        stats.problem = f"cosine similarity {stats.cosine:.6f} below {tolerance.cosine}"
    return stats


def non_finite_problem(stats: OutputStats, got: str = "the output", expected: str = "the expected output") -> str:
    """``64 NaN in the network output where eager PyTorch has none`` (and Inf, and other mismatches)."""
    parts = [f"{count} {kind}" for count, kind in ((stats.nan, "NaN"), (stats.inf, "Inf")) if count]
    what = " and ".join(parts) or f"{stats.mismatched} non-finite value(s) that differ"
    return f"{what} in {got} where {expected} has none"


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    na, nb = float(a.norm()), float(b.norm())
    if na == 0 and nb == 0:
        return 1.0
    if na == 0 or nb == 0:
        return 0.0
    return float(torch.dot(a, b) / (na * nb))


@dataclass(frozen=True)
class Divergence:
    """The first node whose TensorRT tensor departs from PyTorch beyond tolerance."""

    node: str
    op: str
    source: str
    max_abs: float
    max_rel: float
    previous_node: str = ""
    previous_max_abs: float = 0.0

    def describe(self) -> str:
        """One paragraph for the report."""
        where = f" at {self.source}" if self.source else ""
        before = (f" (the node before it, {self.previous_node!r}, was within tolerance: max abs "
                  f"{self.previous_max_abs:.3e})") if self.previous_node else ""
        return (f"first divergence at node {self.node!r} ({self.op}){where}: max abs {self.max_abs:.3e}, "
                f"max rel {self.max_rel:.3e}{before}")


@dataclass
class CaseResult:
    """One comparison case: a model at one input sample (e.g. the ``max`` shape point)."""

    model: str
    case: str
    outputs: list[OutputStats] = field(default_factory=list)
    error: str = ""  # the case could not be compared: why
    error_category: Category = Category.ERROR  # what kind of problem ``error`` is
    input_shapes: dict[str, list[int]] = field(default_factory=dict)
    seed: int | None = None  # of the generated inputs; None for a user's sample
    latency_ms: float | None = None  # of the request, for a server
    divergence: Divergence | None = None  # where a failed case first departs (check)
    diagnosis: str = ""  # a note when the divergence could not be localised
    # a quantized model's error split per output: fake-quant vs fp32, network vs fake-quant (check)
    quantization_split: list[dict[str, Any]] = field(default_factory=list)

    @property
    def category(self) -> Category:
        """Passed, out of tolerance, or the kind of problem that stopped the comparison."""
        if self.error:
            return self.error_category
        return Category.PASSED if self.outputs and all(o.passed for o in self.outputs) else Category.MISMATCH

    @property
    def passed(self) -> bool:
        """True when the case ran and every output passed."""
        return self.category is Category.PASSED

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"model": self.model, "case": self.case, "passed": self.passed, "category": self.category.value,
                "error": self.error, "input_shapes": self.input_shapes, "seed": self.seed,
                "latency_ms": self.latency_ms,
                "divergence": {**asdict(self.divergence), "message": self.divergence.describe()}
                if self.divergence else None,
                "diagnosis": self.diagnosis, "outputs": [o.to_dict() for o in self.outputs],
                **({"quantization_split": self.quantization_split} if self.quantization_split else {})}


def exit_code(results: Sequence[CaseResult]) -> int:
    """The exit code every comparing command returns: the worst case's (no case at all is 2)."""
    return max((r.category.exit_code for r in results), default=2)


def compare_outputs(model: str, case: str, got: dict[str, torch.Tensor], expected: dict[str, torch.Tensor],
                    tolerances: dict[str, Tolerance]) -> CaseResult:
    """Compare every expected output by name."""
    result = CaseResult(model, case)
    for name, value in expected.items():
        result.outputs.append(compare_tensor(name, got.get(name), value, tolerances[name]))
    return result


@dataclass
class Comparison:
    """Every case of one model's comparison, and the wall time the runner under test took."""

    cases: list[CaseResult]
    seconds: float


def compare_runs(spec: ModelSpec, expected: Runner, got: Runner, samples: Sequence[Sample],
                 concurrency: int = 1) -> Comparison:
    """Run every sample through ``got`` (``concurrency`` at once) and ``expected``, and compare.

    A runner that cannot answer for a sample makes that sample's case an error of the runner's
    category; the other samples are still compared.
    """
    tolerances = output_tolerances(spec)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        answers = list(pool.map(lambda sample: _timed_infer(got, sample), samples))
    seconds = time.perf_counter() - started
    return Comparison([_compare_one(spec, expected, sample, answer, tolerances, got)
                       for sample, answer in zip(samples, answers, strict=True)], seconds)


def _timed_infer(runner: Runner, sample: Sample) -> tuple[dict[str, torch.Tensor] | RunFailed, float]:
    started = time.perf_counter()
    try:
        outputs: dict[str, torch.Tensor] | RunFailed = runner.infer(sample.inputs)
    except RunFailed as exc:
        outputs = exc
    return outputs, time.perf_counter() - started


def _compare_one(spec: ModelSpec, expected: Runner, sample: Sample,
                 answer: tuple[dict[str, torch.Tensor] | RunFailed, float],
                 tolerances: dict[str, Tolerance], runner: Runner) -> CaseResult:
    got, seconds = answer
    case = CaseResult(spec.name, sample.label, input_shapes=sample.shapes, seed=sample.seed,
                      latency_ms=round(seconds * 1000, 3))
    if isinstance(got, RunFailed):
        case.error, case.error_category = str(got), got.category
        return case
    try:
        reference = expected.infer(sample.inputs)
    except RunFailed as exc:
        case.error, case.error_category = str(exc), exc.category
        return case
    case.outputs = compare_outputs(spec.name, sample.label, got, reference, tolerances).outputs
    for stats in case.outputs:
        if stats.nan or stats.inf:  # say whose output it is
            stats.problem = non_finite_problem(stats, f"the {runner.name} output", expected.name)
    return case
