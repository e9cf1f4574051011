"""Run verify: readiness, the served contract, then ``compare_runs`` of eager PyTorch vs the server.

One model's failure or absence never stops the others: a server that dies, hangs or unloads a
model mid-run turns into one reported case per affected request, and the report is complete.
Exit codes (``trtrepo.compare.exit_code``): 0 all passed, 1 a comparison or contract failed, 2 the
server, a model or the eager reference could not be run (or a usage error).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from trtrepo.compare import CaseResult, Comparison, compare_runs, exit_code
from trtrepo.errors import Category, TrtrepoError
from trtrepo.runners import EagerRunner, TritonRunner
from trtrepo.runners.base import spec_outputs
from trtrepo.runners.triton import Endpoint, RequestError, TritonClient
from trtrepo.samples import generated_samples, user_samples
from trtrepo.sources import load_reference_module
from trtrepo.spec import ModelSpec
from trtrepo.verify.contract import contract_mismatches


@dataclass
class VerifyReport:
    """All cases of a run, plus latency figures per model; ``problem`` when no model could run."""

    endpoint: Endpoint
    cases: list[CaseResult] = field(default_factory=list)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    problem: str = ""

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 a comparison/contract failed, 2 something could not be reached or run."""
        return 2 if self.problem else exit_code(self.cases)


def verify(models: tuple[ModelSpec, ...], endpoint: Endpoint, samples: int = 5, concurrency: int = 1,
           seed: int = 0, wait: float = 30.0) -> VerifyReport:
    """Verify every model against the server at ``endpoint``; never raises for a server problem."""
    client = TritonClient(endpoint)
    report = VerifyReport(endpoint)
    if not client.wait_until_ready(wait):
        report.problem = (f"Triton server at {endpoint.url} ({endpoint.protocol}) is not live and ready after "
                          f"{wait:g} s: is it running (`trtrepo serve REPO`), and is this the "
                          f"{endpoint.protocol.upper()} port?")
        report.cases = [_failed(spec, "ready", report.problem, Category.UNAVAILABLE) for spec in models]
        return report
    for spec in models:
        try:
            comparison = verify_model(client, spec, samples, concurrency, seed)
        except Exception as exc:  # one model's surprise must not cost the others their results
            comparison = Comparison([_failed(spec, "verify", f"{type(exc).__name__}: {exc}", Category.ERROR)], 0.0)
        report.cases += comparison.cases
        if latency := _latency(spec, comparison):
            report.latency[spec.name] = latency
    return report


def _failed(spec: ModelSpec, case: str, message: str, category: Category) -> CaseResult:
    return CaseResult(spec.name, case, error=message, error_category=category)


def verify_model(client: TritonClient, spec: ModelSpec, samples: int, concurrency: int, seed: int) -> Comparison:
    """Contract check, then every sample; never raises for a server-side problem."""
    try:
        if not client.model_ready(spec.name):
            return Comparison([_failed(spec, "ready", f"model {spec.name!r} is not ready on the server (not "
                                       "loaded, or failed to load: see the server log)", Category.UNAVAILABLE)], 0.0)
        mismatches = contract_mismatches(spec, client.config(spec.name), client.metadata(spec.name))
    except RequestError as exc:
        return Comparison([_failed(spec, "ready", str(exc), Category.UNAVAILABLE)], 0.0)
    if mismatches:
        return Comparison([_failed(spec, "contract", "served model differs from models.yaml:\n  "
                                   + "\n  ".join(mismatches), Category.CONTRACT)], 0.0)
    try:
        eager = EagerRunner(spec, load_reference_module(spec), device="cuda" if torch.cuda.is_available() else None)
        inputs = user_samples(spec) if spec.verify_inputs else generated_samples(
            spec, spec.verify_samples or samples, seed)
    except TrtrepoError as exc:
        return Comparison([_failed(spec, "reference", str(exc), Category.REFERENCE)], 0.0)
    served = TritonRunner(client, spec.name, spec_outputs(spec))
    return compare_runs(spec, eager, served, inputs, concurrency)


def _latency(spec: ModelSpec, comparison: Comparison) -> dict[str, float]:
    """p50/p90/p99 request latency and inferences (batch items) per second over the run."""
    answered = [c for c in comparison.cases if c.latency_ms is not None and c.category is not Category.UNAVAILABLE]
    if not answered:
        return {}
    items = sum(next(iter(c.input_shapes.values()))[0] if spec.max_batch_size else 1 for c in answered)
    ms = np.array([c.latency_ms for c in answered])
    wall = comparison.seconds
    return {"requests": len(answered), "p50_ms": float(np.percentile(ms, 50)), "p90_ms": float(np.percentile(ms, 90)),
            "p99_ms": float(np.percentile(ms, 99)), "inferences_per_s": items / wall if wall else 0.0}
