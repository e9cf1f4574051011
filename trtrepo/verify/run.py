"""Run verify: readiness, the served contract, inference, comparison, latency.

One model's failure or absence never stops the others: a server that dies, hangs or unloads a
model mid-run turns into one reported case per affected request, and the report is complete.
Exit codes: 0 all passed, 1 a comparison or contract failed, 2 the server or a model could not be
reached (or a usage error).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from trtrepo.check import eager_model, eager_outputs, output_tolerances
from trtrepo.compare import CaseResult, compare_outputs
from trtrepo.dtypes import from_numpy, to_numpy
from trtrepo.errors import TrtrepoError
from trtrepo.spec import ModelSpec
from trtrepo.verify.client import Endpoint, RequestError, TritonClient
from trtrepo.verify.contract import contract_mismatches
from trtrepo.verify.samples import Sample, generated_samples, user_samples

UNAVAILABLE = "unavailable"  # details["category"] of cases that could not reach the server/model
CONTRACT = "contract"
INTERNAL = "error"  # verify itself failed on this model (a bug, or a model whose eager run fails)


@dataclass
class VerifyReport:
    """All cases of a run, plus latency figures per model; ``problem`` when no model could run."""

    endpoint: Endpoint
    cases: list[CaseResult] = field(default_factory=list)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    problem: str = ""

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 a comparison/contract failed, 2 something could not be reached."""
        if self.problem or any(c.details.get("category") in (UNAVAILABLE, INTERNAL) for c in self.cases):
            return 2
        return 0 if self.cases and all(c.passed for c in self.cases) else 1


def verify(models: tuple[ModelSpec, ...], endpoint: Endpoint, samples: int = 5, concurrency: int = 1,
           seed: int = 0, wait: float = 30.0) -> VerifyReport:
    """Verify every model against the server at ``endpoint``; never raises for a server problem."""
    client = TritonClient(endpoint)
    report = VerifyReport(endpoint)
    if not client.wait_until_ready(wait):
        report.problem = (f"Triton server at {endpoint.url} ({endpoint.protocol}) is not live and ready after "
                          f"{wait:g} s: is it running (`trtrepo serve REPO`), and is this the "
                          f"{endpoint.protocol.upper()} port?")
        report.cases = [_unavailable(spec, "ready", report.problem) for spec in models]
        return report
    for spec in models:
        try:
            cases, latency = verify_model(client, spec, samples, concurrency, seed)
        except Exception as exc:  # one model's surprise must not cost the others their results
            cases, latency = [CaseResult(spec.name, "verify", error=f"{type(exc).__name__}: {exc}",
                                         details={"category": INTERNAL})], {}
        report.cases += cases
        if latency:
            report.latency[spec.name] = latency
    return report


def _unavailable(spec: ModelSpec, case: str, message: str) -> CaseResult:
    return CaseResult(spec.name, case, error=message, details={"category": UNAVAILABLE})


def verify_model(client: TritonClient, spec: ModelSpec, samples: int, concurrency: int,
                 seed: int) -> tuple[list[CaseResult], dict[str, float]]:
    """Contract check, then every sample; never raises for a server-side problem."""
    try:
        if not client.model_ready(spec.name):
            return [_unavailable(spec, "ready", f"model {spec.name!r} is not ready on the server "
                                                "(not loaded, or failed to load: see the server log)")], {}
        mismatches = contract_mismatches(spec, client.config(spec.name), client.metadata(spec.name))
    except RequestError as exc:
        return [_unavailable(spec, "ready", str(exc))], {}
    if mismatches:
        return [CaseResult(spec.name, CONTRACT, error="served model differs from models.yaml:\n  "
                           + "\n  ".join(mismatches), details={"category": CONTRACT, "mismatches": mismatches})], {}
    try:
        module = eager_model(spec)
        inputs = user_samples(spec) if spec.verify_inputs else generated_samples(
            spec, spec.verify_samples or samples, seed)
    except TrtrepoError as exc:
        return [CaseResult(spec.name, "reference", error=str(exc), details={"category": "reference"})], {}
    if torch.cuda.is_available():
        module = module.cuda()
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        started = time.perf_counter()
        outcomes = list(pool.map(lambda s: _infer(client, spec, s), inputs))
        wall = time.perf_counter() - started
    cases = [_compare(spec, module, sample, outcome) for sample, outcome in zip(inputs, outcomes, strict=True)]
    return cases, _latency(spec, inputs, outcomes, wall)


def _infer(client: TritonClient, spec: ModelSpec, sample: Sample) -> tuple[dict[str, np.ndarray] | None, float, str]:
    """(outputs, seconds, error) for one request; an error is kept, not raised."""
    _, tensors = sample
    arrays = {name: to_numpy(t) for name, t in tensors.items()}
    started = time.perf_counter()
    try:
        outputs = client.infer(spec.name, arrays, [o.name for o in spec.outputs])
    except RequestError as exc:
        return None, time.perf_counter() - started, str(exc)
    return outputs, time.perf_counter() - started, ""


def _compare(spec: ModelSpec, module: torch.nn.Module, sample: Sample,
             outcome: tuple[dict[str, np.ndarray] | None, float, str]) -> CaseResult:
    label, tensors = sample
    outputs, seconds, error = outcome
    details: dict[str, Any] = {"input_shapes": {k: list(v.shape) for k, v in tensors.items()},
                               "latency_ms": round(seconds * 1000, 3)}
    if outputs is None:
        return CaseResult(spec.name, label, error=error, details={**details, "category": UNAVAILABLE})
    device = next(module.parameters(), torch.empty(0)).device
    expected = eager_outputs(module, spec, tuple(tensors[t.name].to(device) for t in spec.inputs))
    expected = {k: v.cpu() for k, v in expected.items()}
    got = {name: from_numpy(array) for name, array in outputs.items()}
    # Compare in the eager output's dtype: a served fp16 output is judged against the fp32 reference.
    got = {k: v.to(expected[k].dtype) if k in expected else v for k, v in got.items()}
    result = compare_outputs(spec.name, label, got, expected, output_tolerances(spec))
    result.details = details
    return result


def _latency(spec: ModelSpec, samples: list[Sample], outcomes: list[Any], wall: float) -> dict[str, float]:
    """p50/p90/p99 request latency and inferences (batch items) per second over the run."""
    seconds = [o[1] for o in outcomes if o[0] is not None]
    if not seconds:
        return {}
    items = sum(next(iter(s[1].values())).shape[0] if spec.max_batch_size else 1
                for s, o in zip(samples, outcomes, strict=True) if o[0] is not None)
    ms = np.array(seconds) * 1000
    return {"requests": len(seconds), "p50_ms": float(np.percentile(ms, 50)), "p90_ms": float(np.percentile(ms, 90)),
            "p99_ms": float(np.percentile(ms, 99)), "inferences_per_s": items / wall if wall else 0.0}
