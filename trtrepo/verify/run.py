"""Run verify: readiness, the served contract, then ``compare_runs`` of eager PyTorch vs the server.

The eager reference is, by default, the captured program the repository stores beside the plan
(``program.pt2``): the weights of the served engine, so a green verify judges the conversion and
the serving, whatever the user's code does today. ``reference="source"`` re-imports the user's
code instead — which also proves the served model is what that code builds — and refuses a
factory that gives different weights on each call, which no comparison could be fair to.

One model's failure or absence never stops the others: a server that dies, hangs or unloads a
model mid-run turns into one reported case per affected request, and the report is complete.
Exit codes (``trtrepo.compare.exit_code``): 0 all passed, 1 a comparison or contract failed, 2 the
server, a model or the eager reference could not be run (or a usage error).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trtrepo.compare import CaseResult, Comparison, compare_runs, exit_code
from trtrepo.errors import Category, TrtrepoError
from trtrepo.integrity import FINGERPRINT_PARAMETER, PLAN_PARAMETER
from trtrepo.repository import PROGRAM_FILE, RECORD_FILE, read_record
from trtrepo.runners import EagerRunner, TritonRunner
from trtrepo.runners.base import TensorMeta, spec_outputs
from trtrepo.runners.triton import Endpoint, RequestError, TritonClient
from trtrepo.samples import UserSamples, generated_samples, load_user_samples
from trtrepo.sources import is_saved_program, load_program, load_reference_module, weights_digest
from trtrepo.spec import ModelSpec
from trtrepo.structure import outputs_from_record, with_outputs
from trtrepo.verify.contract import contract_mismatches


@dataclass
class VerifyReport:
    """All cases of a run, plus latency figures per model; ``problem`` when no model could run."""

    endpoint: Endpoint
    cases: list[CaseResult] = field(default_factory=list)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    served: dict[str, dict[str, str]] = field(default_factory=dict)  # model -> the plan/network verified
    problem: str = ""

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 a comparison/contract failed, 2 something could not be reached or run."""
        return 2 if self.problem else exit_code(self.cases)


REFERENCES = ("program", "source")


@dataclass(frozen=True)
class Reference:
    """Where verify takes its expected outputs from."""

    kind: str = "program"  # program | source
    repository: Path = Path("model_repository")


def verify(models: tuple[ModelSpec, ...], endpoint: Endpoint, samples: int = 5, concurrency: int = 1,
           seed: int = 0, wait: float = 30.0, reference: Reference | None = None) -> VerifyReport:
    """Verify every model against the server at ``endpoint``; never raises for a server problem."""
    reference = reference or Reference()
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
            comparison = verify_model(client, spec, samples, concurrency, seed, reference, report.served)
        except Exception as exc:  # one model's surprise must not cost the others their results
            comparison = Comparison([_failed(spec, "verify", f"{type(exc).__name__}: {exc}", Category.ERROR)], 0.0)
        report.cases += comparison.cases
        if latency := _latency(spec, comparison):
            report.latency[spec.name] = latency
    return report


def _failed(spec: ModelSpec, case: str, message: str, category: Category) -> CaseResult:
    return CaseResult(spec.name, case, error=message, error_category=category)


def verify_model(client: TritonClient, spec: ModelSpec, samples: int, concurrency: int, seed: int,
                 reference: Reference, served: dict[str, dict[str, str]] | None = None) -> Comparison:
    """Contract check, then every sample; never raises for a server-side problem.

    ``served`` receives the plan hash and network fingerprint the server says it verified.
    """
    spec = with_built_outputs(spec, reference.repository)
    try:
        if not client.model_ready(spec.name):
            return Comparison([_failed(spec, "ready", f"model {spec.name!r} is not ready on the server (not "
                                       "loaded, or failed to load: see the server log)", Category.UNAVAILABLE)], 0.0)
        config = client.config(spec.name)
        mismatches = contract_mismatches(spec, config, client.metadata(spec.name))
    except RequestError as exc:
        return Comparison([_failed(spec, "ready", str(exc), Category.UNAVAILABLE)], 0.0)
    identity = served_identity(config)
    if served is not None and identity:
        served[spec.name] = identity
    mismatches += identity_mismatches(spec, identity, reference.repository)
    if mismatches:
        return Comparison([_failed(spec, "contract", "served model differs from models.yaml:\n  "
                                   + "\n  ".join(mismatches), Category.CONTRACT)], 0.0)
    try:
        eager = eager_reference(spec, reference)
        inputs = load_user_samples(spec) if spec.verify_inputs else UserSamples(generated_samples(
            spec, spec.verify_samples or samples, seed), [])
    except TrtrepoError as exc:
        return Comparison([_failed(spec, "reference", str(exc), Category.REFERENCE)], 0.0)
    bad = [_failed(spec, sample.label, sample.problem, Category.REFERENCE) for sample in inputs.bad]
    if not inputs.good:
        return Comparison(bad, 0.0)
    outputs = spec_outputs(spec) or tuple(TensorMeta(t["name"]) for t in config["output"])
    compared = compare_runs(spec, eager, TritonRunner(client, spec.name, outputs), inputs.good, concurrency)
    return Comparison(bad + compared.cases, compared.seconds)


def served_identity(config: dict[str, Any]) -> dict[str, str]:
    """The plan hash and network fingerprint a trtrepo-served model verified at load ({} otherwise)."""
    parameters = config.get("parameters") or {}
    found = {key: (value or {}).get("string_value", "") for key, value in parameters.items()
             if key in (FINGERPRINT_PARAMETER, PLAN_PARAMETER)}
    return {key: value for key, value in found.items() if value}


def identity_mismatches(spec: ModelSpec, identity: dict[str, str], repository: Path) -> list[str]:
    """Where the served build is not the repository's (when both are known)."""
    model_dir = repository / spec.name
    if not identity or not (model_dir / RECORD_FILE).is_file():
        return []
    record = read_record(model_dir)
    local = {FINGERPRINT_PARAMETER: record.get("network_fingerprint"), PLAN_PARAMETER: record.get("plan_sha256")}
    return [f"{key}: server {value[:12]}, {repository} {str(local[key])[:12]} (the server serves another build "
            "of the model)" for key, value in identity.items() if local.get(key) and local[key] != value]


def with_built_outputs(spec: ModelSpec, repository: Path) -> ModelSpec:
    """``spec`` with the outputs its build resolved, when the repository holds its build record."""
    model_dir = repository / spec.name
    outputs = outputs_from_record(read_record(model_dir)) if (model_dir / RECORD_FILE).is_file() else None
    return with_outputs(spec, outputs) if outputs is not None else spec


def eager_reference(spec: ModelSpec, reference: Reference) -> EagerRunner:
    """The eager runner whose outputs the server's are compared with (see the module docstring)."""
    model_dir = reference.repository / spec.name
    device = "cuda" if torch.cuda.is_available() else None
    if reference.kind == "program":
        if not (model_dir / RECORD_FILE).is_file() or not (model_dir / PROGRAM_FILE).is_file():
            raise TrtrepoError(f"{spec.spec_file}: model {spec.name!r}: no build of it in {reference.repository} "
                               "to take the reference from (the captured program beside the plan): pass the "
                               "repository the server serves with --repo, or use --reference source")
        return EagerRunner.from_program(spec, load_program(model_dir / PROGRAM_FILE), device=device)
    module = load_reference_module(spec)
    if not is_saved_program(spec.source) and weights_digest(module) != weights_digest(load_reference_module(spec)):
        raise TrtrepoError(f"{spec.spec_file}: model {spec.name!r}: source {spec.source} returns different weights "
                           "on each call (an unseeded random initialisation?), so the source cannot say what the "
                           "server should answer: seed the factory, load a checkpoint, or verify against the "
                           "built program (--reference program, the default)")
    return EagerRunner(spec, module, name="eager (source)", device=device)


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
