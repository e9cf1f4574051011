"""Where a build's plan will be served, decided before anything is built, and refused when it cannot.

A plan loads only in a Triton whose TensorRT is exactly the builder's (unless version-compatible),
on the GPU architecture it was built on (unless hardware-compatible), and only with full TensorRT.
From the declared target (models.yaml ``target:`` or ``build --target``), the installed TensorRT
and the builder's GPU, :func:`plan_deployment` either returns the :class:`Deployment` to record in
``trtrepo.json`` and config.pbtxt, or raises a TargetError naming every rule the plan would break
and what to do. No target declared: full TensorRT targets this machine; TensorRT for RTX makes a
*proof* build, which is allowed and said everywhere, but never deployable.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from trtrepo.engine import BuildSettings
from trtrepo.errors import TargetError
from trtrepo.spec import ModelSpec
from trtrepo.targets import (
    Finding,
    PlanFacts,
    Target,
    device_compute_capability,
    loadability_problems,
    parse_target,
    resolve_target,
)
from trtrepo.targets.spelling import normalise_gpu, sm_from_cc
from trtrepo.trt_flavour import probe_flavour

TARGET_PARAMETER = "trtrepo_target"  # in config.pbtxt's parameters: what the plan was built for
PROOF_WARNING = ("proof build: TensorRT for RTX proves the conversion and builds a real engine, but Triton's "
                 "tensorrt_plan backend (full TensorRT) cannot load it; build with full TensorRT for servers")


@dataclass(frozen=True)
class Deployment:
    """The target a plan is built for, the GPU it is built on, and what the user should know."""

    target: Target
    device_name: str | None = None
    device_cc: str | None = None
    gpu_label: str | None = None
    notes: tuple[str, ...] = field(default=())  # e.g. a backend flag the servers need

    @property
    def is_proof(self) -> bool:
        """True for a build no Triton can load (TensorRT for RTX)."""
        return self.target.is_proof

    def to_record(self) -> dict[str, Any]:
        """``trtrepo.json``'s ``target`` and ``device`` (and ``gpu_label``) entries."""
        return {"target": self.target.to_record(),
                "device": {"name": self.device_name, "compute_capability": self.device_cc},
                "gpu_label": self.gpu_label}

    def parameters(self) -> dict[str, str]:
        """config.pbtxt parameters: Triton ignores them; people and tools reading the config do not."""
        return {TARGET_PARAMETER: self.target.describe()}

    def banner(self) -> str:
        """What every build line says about the target."""
        return _banner(self.target)


PROOF_BANNER = "proof build (TensorRT for RTX): not loadable by Triton's tensorrt_plan backend"


def _banner(target: Target) -> str:
    return PROOF_BANNER if target.is_proof else f"for {target.describe()}"


def record_banner(record: dict[str, Any]) -> str:
    """The banner of a build, from its record ('' for a record without a target)."""
    target = Target.from_record(record.get("target"))
    return _banner(target) if target else ""


def declared_target(spec: ModelSpec, override: Target | None) -> Target | None:
    """The target ``build --target`` gives, else the one models.yaml gives, else None."""
    if override is not None:
        return override
    return parse_target(spec.target)


def plan_deployment(spec: ModelSpec, settings: BuildSettings, override: Target | None = None,
                    gpu_label: str | None = None) -> Deployment:
    """The deployment of ``spec``'s plan; a TargetError when the target could not load it."""
    installed = probe_flavour()
    name, cc = device_compute_capability()
    label = _checked_label(spec, gpu_label, cc)
    target = resolve_target(declared_target(spec, override), installed.name, installed.version, cc)
    if label is not None and not target.is_proof:
        target = replace(target, gpus=(label,))  # this plan serves its own architecture; other labels the rest
    if target.is_proof and installed.name != "rtx":
        raise TargetError(f"{spec.spec_file}: model {spec.name!r}: target: proof is the target of TensorRT for RTX "
                          f"builds, but {installed.module_name} {installed.version} is installed: declare where the "
                          "plan will be served instead (target: {triton: ..., gpus: [...]})")
    facts = PlanFacts(installed.name, installed.version, cc, settings.hardware_compatibility,
                      settings.version_compatible)
    findings = loadability_problems(facts, target)
    refusals = [f for f in findings if not f.needs_flag]
    if refusals:
        raise TargetError(_refusal(spec, target, refusals))
    notes = tuple(f"{f.message}; {f.fix}" for f in findings if f.needs_flag)
    return Deployment(target, name, cc, label, notes)


def _checked_label(spec: ModelSpec, gpu_label: str | None, device_cc: str | None) -> str | None:
    """``--gpu-label`` normalised; it must name the builder's GPU when there is one."""
    if gpu_label is None:
        return None
    label = normalise_gpu(gpu_label)
    if label is None:
        raise TargetError(f"--gpu-label {gpu_label!r}: name a GPU architecture such as sm_80, sm_90 or 8.9")
    builder = sm_from_cc(device_cc)
    if builder is not None and builder != label:
        raise TargetError(f"{spec.spec_file}: model {spec.name!r}: --gpu-label {label} but this machine builds on "
                          f"{builder} ({device_cc}): a plan runs on the architecture it was built on; build "
                          f"{label} on a {label} machine")
    return label


def _refusal(spec: ModelSpec, target: Target, findings: list[Finding]) -> str:
    lines = [f"{spec.spec_file}: model {spec.name!r}: the plan would not load on the target, "
             f"{target.describe()}:"]
    for finding in findings:
        lines.append(f"  - {finding.rule}: {finding.message}")
        lines.append(f"    fix: {finding.fix}")
        lines.append(f"    (Triton's rule: {finding.cites})")
    lines.append("  to prove the conversion on this machine instead, build with `--target proof` "
                 "(or `target: proof` in models.yaml)")
    return "\n".join(lines)
