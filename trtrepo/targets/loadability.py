"""Would the target's Triton load this plan? The rules Triton's TensorRT backend (and TensorRT under it) apply.

Each rule returns Findings that cite where the behaviour comes from, say what is wrong and what to
do. A finding with ``needs_flag`` is not a refusal: the plan loads if tritonserver is started with
the flag named in ``fix``; inspect reports it as a requirement of the deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trtrepo.targets.model import Target
from trtrepo.targets.spelling import cc_from_sm, is_newer, major, same_version, sm_from_cc, sm_number

CITE_RUNTIME = ("tensorrt_backend src/loader.cc LoadPlan: nvinfer1::createInferRuntime + "
                "IRuntime::deserializeCudaEngine of full TensorRT (libnvinfer)")
CITE_VERSION = ("tensorrt_backend src/loader.cc LoadPlan -> deserializeCudaEngine: TensorRT refuses a plan of "
                "another version ('The engine plan file is not compatible with this version of TensorRT, expecting "
                "library version X got Y', server issue #5812)")
CITE_VERSION_COMPATIBLE = ("tensorrt_backend src/loader.cc LoadPlan: setEngineHostCodeAllowed(true) only when "
                           "ModelState::isVersionCompatible(), i.e. --backend-config=tensorrt,version-compatible=true")
CITE_ARCHITECTURE = ("backend src/backend_model_instance.cc BackendModelInstance: each GPU instance loads "
                     "cc_model_filenames[\"<major>.<minor>\"] of cudaGetDeviceProperties, else default_model_filename; "
                     "TensorRT deserializes it only on the builder's architecture unless built hardware-compatible")
VERSION_FLAG = "--backend-config=tensorrt,version-compatible=true"


@dataclass(frozen=True)
class PlanFacts:
    """What a plan was built with, as the build record tells it."""

    flavour: str  # "tensorrt" or "rtx"
    tensorrt_version: str
    compute_capability: str | None  # the builder's GPU ("8.9"); None without a GPU
    hardware_compatibility: str | None  # none | ampere_plus | same_compute_capability | None
    version_compatible: bool

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> PlanFacts:
        """Read from ``trtrepo.json``; tolerates records written before ``device`` was recorded."""
        built = record.get("tensorrt") or {}
        settings = record.get("build_settings") or {}
        device = record.get("device") or {}
        legacy = record.get("target") if isinstance(record.get("target"), dict) else {}
        cc = device.get("compute_capability") or (legacy or {}).get("compute_capability")
        return cls(str(built.get("flavour") or "unknown"), str(built.get("version") or "unknown"),
                   str(cc) if cc else None, settings.get("hardware_compatibility"),
                   bool(settings.get("version_compatible")))


@dataclass(frozen=True)
class Finding:
    """One reason the target's Triton would not load the plan (or the flag it needs to)."""

    rule: str  # "TensorRT flavour" | "TensorRT version" | "version-compatible flag" | "GPU architecture"
    cites: str  # the Triton source or document the rule comes from
    message: str
    fix: str
    needs_flag: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"rule": self.rule, "cites": self.cites, "message": self.message, "fix": self.fix,
                "needs_flag": self.needs_flag}


def loadability_problems(plan: PlanFacts, target: Target) -> list[Finding]:
    """Why the target's Triton could not load this plan; [] when it can (and always for a proof target)."""
    if target.is_proof:
        return []  # a proof is never deployable, which inspect reports; there is no server to check against
    if plan.flavour == "rtx":
        return [_rtx_plan(target)]  # nothing else matters: full TensorRT cannot read the plan at all
    findings = _version(plan, target)
    builder = sm_from_cc(plan.compute_capability)
    for gpu in target.gpus:
        finding = _architecture(gpu, builder, plan.hardware_compatibility or "none")
        if finding:
            findings.append(finding)
    return findings


def _servers(target: Target) -> str:
    if target.kind == "triton":
        return f"Triton {target.triton}"
    return "this machine" if target.kind == "local" else f"servers with TensorRT {target.tensorrt}"


def _rebuild(target: Target) -> str:
    if not target.tensorrt:
        return "rebuild with full TensorRT, the version the servers run"
    where = f" (the version in Triton {target.triton})" if target.kind == "triton" else ""
    return f"rebuild with full TensorRT {target.tensorrt}{where}"


def _rtx_plan(target: Target) -> Finding:
    return Finding("TensorRT flavour", CITE_RUNTIME,
                   f"built with TensorRT for RTX: the tensorrt_plan backend of {_servers(target)} deserializes plans "
                   "with full TensorRT, which cannot read an RTX plan", _rebuild(target))


def _version(plan: PlanFacts, target: Target) -> list[Finding]:
    have, want = plan.tensorrt_version, target.tensorrt
    if not want:
        return []
    same = same_version(have, want)
    if plan.version_compatible:
        if major(have) != major(want):
            return [_version_finding(plan, target, "a version-compatible plan loads only on a TensorRT of the same "
                                                   "major version")]
        if not same and is_newer(have, want):
            return [_version_finding(plan, target, "a version-compatible plan loads only on the same or a newer "
                                                   "TensorRT, never an older one")]
        return [Finding("version-compatible flag", CITE_VERSION_COMPATIBLE,
                        f"built version-compatible with TensorRT {have}: {_servers(target)} (TensorRT {want}) loads it "
                        "only when allowed to run the plan's embedded runtime",
                        f"add {VERSION_FLAG} to tritonserver", needs_flag=True)]
    if same:
        return []
    return [_version_finding(plan, target, "a plan loads only on the TensorRT version that built it")]


def _version_finding(plan: PlanFacts, target: Target, why: str) -> Finding:
    fix = _rebuild(target)
    want = target.tensorrt or ""
    if major(plan.tensorrt_version) == major(want) and is_newer(want, plan.tensorrt_version):
        fix += f", or build version-compatible (build: {{version_compatible: true}}) and add {VERSION_FLAG}"
    return Finding("TensorRT version", CITE_VERSION,
                   f"built with TensorRT {plan.tensorrt_version}, {_servers(target)} runs TensorRT {want}: {why}", fix)


def _architecture(gpu: str, builder: str | None, level: str) -> Finding | None:
    """A finding when a plan built on ``builder`` at hardware-compatibility ``level`` cannot run on ``gpu``."""
    ampere = sm_number(gpu) >= 80
    if gpu == builder:
        return None
    if level == "ampere_plus":
        # TensorRT builds ampere_plus only on an SM 8.0+ GPU, so an unrecorded builder still was one.
        if ampere and (builder is None or sm_number(builder) >= 80):
            return None
        why = (f"ampere_plus covers SM 8.0 and newer, not {gpu}" if not ampere
               else f"ampere_plus covers SM 8.0+ only when built on SM 8.0+, and the builder was {builder}")
    elif builder is None:
        why = "the build record names no builder GPU, so the architecture the plan runs on is unknown"
    elif level == "same_compute_capability":
        why = f"same_compute_capability covers only the builder's {builder}"
    else:
        why = f"built on {builder} without hardware compatibility, so it runs only on {builder}"
    return Finding("GPU architecture", CITE_ARCHITECTURE, f"does not run on {gpu}: {why}",
                   _architecture_fix(gpu, ampere))


def _architecture_fix(gpu: str, ampere: bool) -> str:
    per_gpu = (f"build on a {gpu} GPU and give that plan its own cc_model_filenames entry "
               f"(key \"{cc_from_sm(gpu)}\")")
    return f"build with hardware_compatibility: ampere_plus on an SM 8.0+ GPU, or {per_gpu}" if ampere else per_gpu
