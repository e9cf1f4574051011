"""What every benchmark shares: the models measured, medians, fresh child processes, target verdicts.

Every per-model measurement runs in a fresh ``python -m bench.child`` process: one model's imports,
caches or memory never colour another's numbers, and a crash inside TensorRT costs one row, not the run.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULT_MARKER = "BENCH-RESULT "  # the child's last line: marker + JSON (torch and TensorRT print too)

EXAMPLES = ROOT / "examples" / "models.yaml"
ZOO = ROOT / "examples" / "zoo" / "models.yaml"  # optional: picked up when present
BENCH_MODELS = ROOT / "bench" / "models" / "models.yaml"  # bench-only models with substantial weights


@dataclass(frozen=True)
class ModelRef:
    """One model of one models.yaml, named the way the results tables name it."""

    spec_file: Path
    name: str

    @property
    def label(self) -> str:
        """``examples/models.yaml:mlp``, relative to the repository root."""
        return f"{self.spec_file.relative_to(ROOT)}:{self.name}"


def spec_files() -> list[Path]:
    """The models.yaml files benchmarked: the examples, the zoo when present, the bench-only models."""
    return [path for path in (EXAMPLES, ZOO, BENCH_MODELS) if path.is_file()]


def model_refs(only: Iterable[str] = ()) -> list[ModelRef]:
    """Every model of every benchmarked file, or only those whose name (or label) is in ``only``."""
    from trtrepo.spec import load_project

    wanted = set(only)
    refs = [ModelRef(path, spec.name) for path in spec_files() for spec in load_project(path).models]
    return [r for r in refs if not wanted or r.name in wanted or r.label in wanted]


def median(values: Iterable[float]) -> float:
    """The median, rounded to 0.1 ms (None-free input expected)."""
    return round(statistics.median(list(values)), 4)


def run_child(task: str, ref: ModelRef, *extra: str, timeout: float = 900.0) -> dict[str, Any]:
    """Run ``bench.child TASK`` for one model in a fresh interpreter; its JSON result, or an ``error``."""
    command = [PYTHON, "-m", "bench.child", task, str(ref.spec_file), ref.name, *extra]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARKER):
            return json.loads(line[len(RESULT_MARKER):])
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"child exited {done.returncode}: {tail}"}


@dataclass(frozen=True)
class Verdict:
    """Whether a target is met, and by how much it is met or missed."""

    target: str  # e.g. "< 1 s"
    measured: str  # e.g. "0.82 s (median of 7)"
    met: bool | None  # None: could not be measured
    detail: str  # "met with 18% to spare", "missed by 0.21 s (1.21x the limit)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dict(self.__dict__)


def verdict_below(value: float | None, limit: float, unit: str, measured: str, inclusive: bool = False) -> Verdict:
    """A verdict for a target ``value < limit`` (or ``<=`` when ``inclusive``)."""
    target = f"{'≤' if inclusive else '<'} {limit:g}{unit}"
    if value is None:
        return Verdict(target, measured, None, "not measured")
    met = value <= limit if inclusive else value < limit
    if met:
        return Verdict(target, measured, True, f"met, {100 * (1 - value / limit):.0f}% below the limit")
    return Verdict(target, measured, False,
                   f"missed by {value - limit:.3g}{unit} ({value / limit:.2f}x the limit)")
