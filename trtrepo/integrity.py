"""Is a built model what its record says it is? The plan's bytes and the network it came from.

A build records the sha256 of each plan and the fingerprint of the network definition it was
built from (``trtrepo.network_fingerprint``). ``serve`` (rebuilding the network from the stored
program), ``inspect`` and ``verify`` check them, so a swapped or corrupted plan, a record edited by
hand, or a converter that changed since the build is refused with what differs and how to rebuild.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from trtrepo.fleet import plan_file

FINGERPRINT_PARAMETER = "trtrepo_network_fingerprint"  # in the served config: what the server checked
PLAN_PARAMETER = "trtrepo_plan_sha256"


def rebuild_hint(model: str) -> str:
    """What to run to make a model's files agree again."""
    return f"rebuild it: `trtrepo build models.yaml --model {model} --force`"


def plan_problems(model_dir: Path, record: dict[str, Any]) -> list[str]:
    """Every plan of a model directory whose bytes differ from its record (empty when all agree)."""
    plans = record.get("plans") or {None: record}
    problems = []
    for label, built in plans.items():
        path = model_dir / str(record.get("version")) / plan_file(label)
        if not path.is_file():
            problems.append(f"{path} is missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != built.get("plan_sha256"):
            problems.append(f"{path} is not the plan its build record names (sha256 differs: swapped, modified or "
                            "corrupt)")
    return problems


def network_problem(record: dict[str, Any], fingerprint: str) -> str | None:
    """Why the network rebuilt now is not the one the plan was built from, or None when it is."""
    recorded = record.get("network_fingerprint")
    if recorded is None:
        return ("its build record names no network fingerprint (built by a trtrepo before fingerprints), so the "
                "network rebuilt now cannot be tied to its plan")
    if recorded != fingerprint:
        return (f"the network rebuilt from its stored program (fingerprint {fingerprint[:12]}) differs from the one "
                f"its plan was built from ({recorded[:12]}): the converter, trtrepo or the record changed since the "
                "build")
    return None


def served_parameters(record: dict[str, Any]) -> dict[str, str]:
    """The checked identity of a build, for the served config's parameters (verify reports it)."""
    return {FINGERPRINT_PARAMETER: str(record.get("network_fingerprint") or ""),
            PLAN_PARAMETER: str(record.get("plan_sha256") or "")}
