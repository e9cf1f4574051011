"""The tuning record: what ``tune-precision`` proved, kept beside models.yaml for the next build.

``<models.yaml stem>.tune.json`` (``models.tune.json`` beside ``models.yaml``) holds one entry per
model: the precision and tolerance tuned for, the ``node_precision`` entries found, the error they
reach, and what the search cost. The build record (``trtrepo.json``) copies a model's entry only
while it still describes what is being built: the same merged models.yaml entry with the tuning
applied, the same lowered graph (the node names belong to it) and the same weights. A stale entry
is left out of the build record, never copied as if it held.

This module sits below both the tuner and the build: it imports neither.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trtrepo import __version__

if TYPE_CHECKING:
    from torch.export import ExportedProgram

    from trtrepo.spec import ModelSpec
    from trtrepo.tune.result import TuneResult

RECORD_VERSION = 1


def record_path(spec_file: Path) -> Path:
    """Where the tuning results of ``spec_file``'s models are kept: beside it, ``<stem>.tune.json``."""
    return spec_file.parent / f"{spec_file.stem}.tune.json"


def graph_digest(program: ExportedProgram) -> str:
    """sha256 of the lowered graph's shape: every node's name, op and inputs (what node names refer to)."""
    digest = hashlib.sha256()
    for node in program.graph_module.graph.nodes:
        inputs = ",".join(n.name for n in node.all_input_nodes)
        digest.update(f"{node.op} {node.name} {node.target} ({inputs})\n".encode())
    return digest.hexdigest()


def spec_digest(raw: dict[str, Any]) -> str:
    """sha256 of a merged models.yaml entry: the build record's ``hashes.spec``, computed the same way."""
    return hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()


def spec_changes(raw: dict[str, Any], result: TuneResult) -> dict[str, Any]:
    """The keys of the models.yaml entry the tuning asks for, where the entry differs from them.

    ``node_precision`` entries when a set passed; ``precision`` and ``tolerance`` when the tuning
    ran at others than the entry's (``--precision``, ``--tolerance``): the entries hold only there.
    """
    changes: dict[str, Any] = {}
    present = raw.get("node_precision") or {}
    added = {node: value for node, value in result.node_precision.items() if present.get(node) != value}
    if added:
        changes["node_precision"] = added
    if raw.get("precision", "fp32") != result.precision:
        changes["precision"] = result.precision
    tolerance = raw.get("tolerance") or {}
    differing = {key: value for key, value in result.tolerance.items() if tolerance.get(key) != value}
    if differing:
        changes["tolerance"] = differing
    return changes


def apply_changes(raw: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with ``changes`` merged in (mappings key by key), as load_project would read it back."""
    applied = copy.deepcopy(raw)
    for key, value in changes.items():
        applied[key] = {**(applied.get(key) or {}), **value} if isinstance(value, dict) else value
    return applied


def tuning_entry(result: TuneResult, applied_raw: dict[str, Any], written: bool) -> dict[str, Any]:
    """The record of one tuning, for the tune file and the build record."""
    return {
        "tuned_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "trtrepo_version": __version__,
        "precision": result.precision,
        "tolerance": result.tolerance,
        "samples": result.samples,
        "passed": result.passed,
        "minimal": result.minimal,
        "node_precision": result.node_precision,
        "kept": [{"node": k.node, "op": k.op, "source": k.source} for k in result.kept],
        "outputs": [s.to_dict() for s in result.final],
        "conversions": result.conversions,
        "seconds": round(result.seconds, 3),
        "written_to_spec": written,
        "matches": {"spec_sha256": spec_digest(applied_raw), "graph_sha256": result.graph_sha256,
                    "weights_sha256": result.weights_sha256},
    }


def save_tuning(spec_file: Path, model: str, entry: dict[str, Any]) -> Path:
    """Store ``entry`` for ``model`` in the tune file (other models' entries kept); written atomically."""
    path = record_path(spec_file)
    document = _read(path) or {"version": RECORD_VERSION, "models": {}}
    document["models"][model] = entry
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # same folder: the rename is atomic
    try:
        temporary.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def recorded_tuning(spec: ModelSpec, hashes: dict[str, str], program: ExportedProgram) -> dict[str, Any] | None:
    """The tune file's entry for ``spec`` when it still describes this build (see the module docstring)."""
    document = _read(record_path(spec.spec_file))
    entry = (document or {}).get("models", {}).get(spec.name)
    if not isinstance(entry, dict):
        return None
    matches = entry.get("matches") or {}
    if (matches.get("spec_sha256") != hashes.get("spec") or matches.get("weights_sha256") != hashes.get("weights")
            or matches.get("graph_sha256") != graph_digest(program)):
        return None
    return entry


def _read(path: Path) -> dict[str, Any] | None:
    """The tune file's document; None when there is none, or it is not one (it is then written anew)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or not isinstance(document.get("models"), dict):
        return None
    return document
