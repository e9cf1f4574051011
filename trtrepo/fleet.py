"""Fleets of GPU types: one plan per GPU architecture in the same model version.

A plan only runs on the architecture it was built for (unless hardware-compatible), so a fleet
of, say, A100 and H100 servers needs one plan of each. ``trtrepo build --gpu-label sm_90``, run on
one machine per architecture, adds ``model.sm_90.plan`` to the model's version folder and lists it
under ``cc_model_filenames`` in config.pbtxt; Triton's TensorRT backend loads, on each GPU, the
file its compute capability names (``"9.0"``), else ``default_model_filename``.

Each labelled plan keeps its own record (``trtrepo.json["plans"][label]``). Plans of other labels
are kept only when they were built from the same captured program and spec — one config must
describe them all; otherwise the build refuses and says which labels to rebuild.
"""

from __future__ import annotations

from typing import Any

from trtrepo.errors import RepositoryError
from trtrepo.targets.spelling import cc_from_sm


def plan_file(label: str | None) -> str:
    """``model.plan``, or ``model.sm_90.plan`` for a labelled build."""
    return "model.plan" if label is None else f"model.{label}.plan"


def cc_model_filenames(labels: list[str]) -> dict[str, str]:
    """config.pbtxt's cc_model_filenames for the labelled plans present."""
    return {cc_from_sm(label): plan_file(label) for label in sorted(labels)}


def plan_record(record: dict[str, Any]) -> dict[str, Any]:
    """What one labelled plan's record keeps of the build record."""
    keys = ("plan_sha256", "plan_bytes", "tensorrt", "target", "device", "gpu_label", "build_settings", "built_at",
            "fingerprint", "hashes", "network_fingerprint", "trtrepo_version")
    return {key: record.get(key) for key in keys}


def kept_plans(model: str, previous: dict[str, Any] | None, version: int, label: str,
               built: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Other labels' plans of ``version`` that stay beside this build's (checked to match it)."""
    if not previous or previous.get("version") != version:
        return {}
    plans = {name: plan for name, plan in (previous.get("plans") or {}).items() if name != label}
    stale = [name for name, plan in plans.items()
             if (plan.get("hashes") or {}).get("program") != built["hashes"]["program"]
             or (plan.get("hashes") or {}).get("spec") != built["hashes"]["spec"]
             or plan.get("network_fingerprint") != built.get("network_fingerprint")]
    if stale:
        raise RepositoryError(
            f"model {model!r}: the plans for {', '.join(sorted(stale))} in version {version} were built from another "
            "program, models.yaml entry or network than this build, and one config.pbtxt must describe every plan: "
            "rebuild "
            f"them with this models.yaml (`trtrepo build --gpu-label ...` on those machines), or build into another "
            "version")
    return plans
