"""``trtrepo inspect``: read build records, and warn about engines Triton is likely to refuse.

A plan only loads with the TensorRT version that built it (unless built version-compatible) and on
the GPU architecture it was built for (unless hardware-compatible): the most common reason a
Triton server marks a TensorRT model unavailable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from trtrepo.errors import RepositoryError
from trtrepo.repository import PLAN_FILE, read_config, read_record
from trtrepo.trt_flavour import probe_flavour


@dataclass
class Inspection:
    """One model's build record and what looks wrong about it."""

    model: str
    record: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"model": self.model, "warnings": self.warnings, "record": self.record}


def local_compute_capability() -> str | None:
    """This machine's GPU compute capability ("8.9"), or None without a CUDA GPU."""
    try:
        import torch

        if torch.cuda.is_available():
            major, minor = torch.cuda.get_device_capability()
            return f"{major}.{minor}"
    except Exception:  # torch without CUDA support
        return None
    return None


def engine_warnings(record: dict[str, Any], tensorrt_version: str, compute_capability: str | None) -> list[str]:
    """Why Triton might refuse this engine when run with ``tensorrt_version`` on ``compute_capability``."""
    warnings = []
    built_with = record.get("tensorrt", {})
    settings = record.get("build_settings", {})
    if built_with.get("version") != tensorrt_version and not settings.get("version_compatible"):
        warnings.append(f"built with {built_with.get('module')} {built_with.get('version')}, but TensorRT "
                        f"{tensorrt_version} is asked for: the plan will not deserialize (rebuild, or build with "
                        "--version-compatible)")
    if built_with.get("flavour") == "rtx":
        warnings.append("built with TensorRT for RTX: Triton's tensorrt_plan backend (full TensorRT) cannot load "
                        "it; build with full TensorRT for production servers")
    built_cc = record.get("target", {}).get("compute_capability")
    hardware_compat = settings.get("hardware_compatibility") not in (None, "none")
    if compute_capability and built_cc and built_cc != compute_capability and not hardware_compat:
        warnings.append(f"built for compute capability {built_cc}, but {compute_capability} is asked for")
    return warnings


def inspect_repository(repository: Path, models: tuple[str, ...] = (), tensorrt_version: str | None = None,
                       compute_capability: str | None = None) -> list[Inspection]:
    """Inspect every model (or those named) of a repository."""
    if not repository.is_dir():
        raise RepositoryError(f"{repository} is not a directory")
    dirs = [repository / m for m in models] if models else sorted(
        p for p in repository.iterdir() if p.is_dir() and not p.name.startswith(".") and not p.is_symlink())
    version = tensorrt_version or probe_flavour().version
    capability = compute_capability or local_compute_capability()
    findings = []
    for model_dir in dirs:
        record = read_record(model_dir)
        read_config(model_dir)  # parses with Triton's schema or raises
        found = Inspection(model_dir.name, record, engine_warnings(record, version, capability))
        plan = model_dir / str(record.get("version")) / PLAN_FILE
        if not plan.is_file():
            found.warnings.append(f"{plan} is missing")
        elif hashlib.sha256(plan.read_bytes()).hexdigest() != record.get("plan_sha256"):
            found.warnings.append(f"{plan} does not match its build record's hash (modified or corrupt)")
        findings.append(found)
    return findings


def render_inspection(findings: list[Inspection]) -> None:
    """A table of the records, then every warning."""
    table = Table(title="trtrepo inspect")
    for column in ("model", "version", "precision", "TensorRT", "target", "profiles", "built", "check"):
        table.add_column(column)
    for f in findings:
        r = f.record
        trt_text = f"{r.get('tensorrt', {}).get('flavour')} {r.get('tensorrt', {}).get('version')}"
        target = r.get("target", {}).get("compute_capability") or "unspecified"
        profiles = "; ".join(f"{n}: {p['min']}..{p['max']}" for prof in r.get("profiles", []) for n, p in prof.items())
        check = r.get("check")
        table.add_row(f.model, str(r.get("version")), str(r.get("precision")), trt_text, target, profiles or "static",
                      str(r.get("built_at")), "-" if check is None else ("pass" if check.get("passed") else "FAIL"))
    console = Console(width=160)
    console.print(table)
    for f in findings:
        for warning in f.warnings:
            console.print(f"[yellow]warning[/yellow] {f.model}: {warning}")
