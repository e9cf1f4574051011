"""``trtrepo inspect``: check a built repository the way Triton will when it loads each model.

For every model: the plan against its build record (hash), whether the target's Triton can load it
(TensorRT flavour and version, GPU architecture: ``targets.loadability``), and config.pbtxt against
the engine recorded at build (I/O, profiles, batch: ``config_checks``). Every check cites the Triton
source or document its rule comes from. The target is the one given (``--target``), else the one
recorded at build, else this machine's TensorRT and GPU.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from trtrepo.config_checks import Check, batch_checks, io_checks, plan_file_checks, profile_checks
from trtrepo.errors import RepositoryError, TrtrepoError
from trtrepo.fleet import plan_file
from trtrepo.repository import read_config, read_record
from trtrepo.targets import PlanFacts, Target, device_compute_capability, loadability_problems, resolve_target
from trtrepo.targets.loadability import CITE_RUNTIME
from trtrepo.targets.spelling import sm_from_cc
from trtrepo.trt_flavour import probe_flavour

FAILING = ("problem", "needs")


@dataclass
class Inspection:
    """One model: its build record, the target it was checked against, and every check's outcome."""

    model: str
    record: dict[str, Any]
    target: Target
    target_from: str  # "--target", "build record" or "installed TensorRT"
    checks: list[Check] = field(default_factory=list)

    @property
    def deployable(self) -> bool:
        """Whether the target's Triton loads this model as it stands (flags it needs aside)."""
        return not self.target.is_proof and not any(c.status == "problem" for c in self.checks)

    def failing(self) -> list[Check]:
        """The problems and the flags the deployment needs."""
        return [c for c in self.checks if c.status in FAILING]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"model": self.model, "version": self.record.get("version"), "target": self.target.to_record(),
                "target_description": self.target.describe(), "target_from": self.target_from,
                "deployable": self.deployable, "checks": [c.to_dict() for c in self.checks], "record": self.record}


def inspect_repository(repository: Path, models: tuple[str, ...] = (),
                       target: Target | None = None) -> list[Inspection]:
    """Inspect every model (or those named) of a repository against ``target`` (default: each model's own)."""
    if not repository.is_dir():
        raise RepositoryError(f"{repository} is not a directory: give the model repository `trtrepo build` wrote")
    dirs = [repository / m for m in models] if models else sorted(
        p for p in repository.iterdir() if p.is_dir() and not p.name.startswith(".") and not p.is_symlink())
    return [inspect_model(model_dir, target) for model_dir in dirs]


def inspect_model(model_dir: Path, explicit: Target | None = None) -> Inspection:
    """Every check of one model directory."""
    if not model_dir.is_dir():
        raise RepositoryError(f"no model {model_dir.name!r} in {model_dir.parent}: check --model")
    record = read_record(model_dir)
    config = read_config(model_dir)  # parses with Triton's schema or raises
    target, source = _target_for(record, explicit)
    io = record.get("io") or {}
    checks = _plan_checks(model_dir, record) + [network_check(model_dir, record)]
    checks += deploy_checks(PlanFacts.from_record(record), target)
    checks += io_checks(io, config) + profile_checks(io, config) + batch_checks(record, config)
    checks += plan_file_checks(config, target.gpus)
    return Inspection(model_dir.name, record, target, source, checks)


def _target_for(record: dict[str, Any], explicit: Target | None) -> tuple[Target, str]:
    """The target to check against, and where it came from; GPUs missing from --target come from the build."""
    recorded = Target.from_record(record.get("target"))
    if explicit is not None:
        if explicit.gpus or explicit.is_proof:
            return explicit, "--target"
        return replace(explicit, gpus=_built_for(record, recorded)), "--target"
    if recorded is not None:
        return recorded, "build record"
    installed = probe_flavour()
    _, cc = device_compute_capability()
    return resolve_target(None, installed.name, installed.version, cc), "installed TensorRT"


def _built_for(record: dict[str, Any], recorded: Target | None) -> tuple[str, ...]:
    if recorded is not None and recorded.gpus:
        return recorded.gpus
    gpu = sm_from_cc(PlanFacts.from_record(record).compute_capability)
    return (gpu,) if gpu else ()


def _plan_checks(model_dir: Path, record: dict[str, Any]) -> list[Check]:
    """Each plan against its record's hash: ``model.plan``, or every GPU label's ``model.<label>.plan``."""
    plans = record.get("plans") or {None: record}
    checks = [_plan_check(model_dir / str(record.get("version")) / plan_file(label), built.get("plan_sha256"))
              for label, built in plans.items()]
    if record.get("plans"):
        labels = ", ".join(sorted(record["plans"]))
        checks.append(Check("architectures", "ok", f"plans for {labels} (config.pbtxt cc_model_filenames)"))
    return checks


def _plan_check(plan: Path, recorded_hash: str | None) -> Check:
    fix = "rebuild with `trtrepo build --force`"
    if not plan.is_file():
        return Check("plan hash", "problem", f"{plan} is missing", "trtrepo build record (trtrepo.json)", fix)
    if hashlib.sha256(plan.read_bytes()).hexdigest() != recorded_hash:
        return Check("plan hash", "problem", f"{plan} does not match its build record's hash (modified or corrupt)",
                     "trtrepo build record (trtrepo.json)", fix)
    return Check("plan hash", "ok", f"{plan.name} matches its build record")


def network_check(model_dir: Path, record: dict[str, Any]) -> Check:
    """The network rebuilt from the stored program against the fingerprint its plan was built from."""
    from trtrepo.integrity import network_problem, rebuild_hint
    from trtrepo.network_fingerprint import network_fingerprint
    from trtrepo.runners.reference import ReferenceRunner

    rule = "trtrepo build record (trtrepo.json network_fingerprint)"
    try:
        runner = ReferenceRunner.from_model_dir(model_dir, verify=False)
    except TrtrepoError as exc:
        return Check("network", "problem", f"cannot rebuild the network from the stored program: {exc}", rule,
                     rebuild_hint(model_dir.name))
    problem = network_problem(record, network_fingerprint(runner.converted.network))
    if problem:
        return Check("network", "problem", problem, rule, rebuild_hint(model_dir.name))
    return Check("network", "ok", "the stored program converts to the network the plan was built from")


def deploy_checks(plan: PlanFacts, target: Target) -> list[Check]:
    """Whether the target's Triton loads the plan, as Checks: a proof is never deployable."""
    if target.is_proof:
        built = f"built with {plan.flavour} {plan.tensorrt_version}"
        return [Check("deployable", "problem", f"{target.describe()}; {built}", CITE_RUNTIME,
                      "declare target: {triton: \"YY.MM\", gpus: [...]} and build with full TensorRT")]
    checks = [Check(f.rule, "needs" if f.needs_flag else "problem", f.message, f.cites, f.fix)
              for f in loadability_problems(plan, target)]
    if not target.gpus:
        checks.append(Check("GPU architecture", "note", "no GPU architectures to check against (none given, none "
                            "recorded at build): give --gpus sm_80,sm_90"))
    return checks or [Check("loadability", "ok", f"loads on {target.describe()}")]


def exit_code(findings: list[Inspection], target_given: bool, strict: bool) -> int:
    """1 when a target was given and a model would not load there (or, with --strict, anything failed); else 0."""
    if strict and any(f.failing() or not f.deployable for f in findings):
        return 1
    return 1 if target_given and any(not f.deployable for f in findings) else 0


_STYLE = {"ok": "green", "problem": "red", "needs": "yellow", "note": "cyan"}


def quantization_summary(record: dict[str, Any]) -> str:
    """``int8 (weights per_channel, activations per_tensor, max): 6 quantized tensors; calibration ...``."""
    scheme, data = record.get("scheme", {}), record.get("calibration", {})
    return (f"{scheme.get('precision')} (weights {scheme.get('weights')}, activations {scheme.get('activations')}, "
            f"{scheme.get('method')} calibration by {scheme.get('library')}): {record.get('quantized_tensors')} "
            f"quantized tensors; calibrated on {data.get('count')} {data.get('source')} samples "
            f"(sha256 {str(data.get('sha256', ''))[:12]})")


def render_inspection(findings: list[Inspection], console: Console | None = None) -> None:
    """Per model: what built it, the target, and every check with its rule and fix."""
    console = console or Console()
    for f in findings:
        built = f.record.get("tensorrt") or {}
        state = "deployable" if f.deployable else "NOT deployable"
        if f.deployable and any(c.status == "needs" for c in f.checks):
            state = "deployable with flags"
        console.print(f"[bold]{escape(f.model)}[/bold] version {f.record.get('version')}: built with "
                      f"{built.get('flavour')} {built.get('version')}; target {escape(f.target.describe())} "
                      f"(from {f.target_from}): [bold]{state}[/bold]", soft_wrap=True)
        if quantization := f.record.get("quantization"):
            console.print(f"  quantization: {escape(quantization_summary(quantization))}", soft_wrap=True)
        for check in f.checks:
            style = _STYLE.get(check.status, "white")
            console.print(f"  [{style}]{check.status:<8}[/{style}] {escape(check.name)}: {escape(check.message)}",
                          soft_wrap=True)
            if check.status != "ok" and check.rule:
                console.print(f"           rule: {escape(check.rule)}", soft_wrap=True)
            if check.status != "ok" and check.fix:
                console.print(f"           fix:  {escape(check.fix)}", soft_wrap=True)
