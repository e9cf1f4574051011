"""What ``tune-precision`` found: the nodes kept in fp32, the errors with and without them, its cost.

An error is summarised by the figures a user compares (max abs / max rel error, NaN and Inf counts,
the case, the smallest atol that would have passed) and ranked by its **excess**: that atol over the
allowed one (at most 1 passes; NaN, Inf or a shape problem is an infinite excess), then by max abs.
The worst output of a trial is the one ranked last.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trtrepo.compare import CaseResult, OutputStats


@dataclass(frozen=True)
class ErrorSummary:
    """How far one output is from eager PyTorch at its worst case."""

    output: str
    case: str
    max_abs: float
    max_rel: float
    nan: int
    inf: int
    min_atol: float  # the smallest atol that would pass, at the policy's rtol
    excess: float  # how far past the tolerance: at most 1 passes, inf for NaN/Inf (ranks errors)
    passed: bool
    problem: str = ""

    def describe(self) -> str:
        """``NaN x8 (max)``, ``max abs 3.7e-04 (max)``, ``max abs 1.9e+00, would pass at atol 1.8e+00 (min)``."""
        if self.problem:
            return f"{self.problem} ({self.case})"
        if self.nan or self.inf:
            counts = ", ".join(f"{what} x{count}" for what, count in (("NaN", self.nan), ("Inf", self.inf)) if count)
            return f"{counts} ({self.case})"
        if self.passed:
            return f"max abs {self.max_abs:.2e} ({self.case})"
        if math.isinf(self.excess):
            return f"max abs {self.max_abs:.2e}, a non-finite value differs ({self.case})"
        return f"max abs {self.max_abs:.2e}, would pass at atol {self.min_atol:.2e} ({self.case})"

    @property
    def rank(self) -> tuple[float, float]:
        """Orders errors from best to worst: out-of-tolerance first by excess, then by max abs."""
        return (self.excess, self.max_abs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (infinite numbers as strings)."""
        return {k: (v if not isinstance(v, float) or math.isfinite(v) else str(v)) for k, v in asdict(self).items()}


def excess(stats: OutputStats) -> float:
    """How many times the allowed tolerance ``stats`` needed (at most 1 passes; inf for NaN/Inf)."""
    if stats.problem or stats.nan or stats.inf:
        return math.inf
    tolerance = stats.tolerance
    if tolerance.atol > 0:
        ratio = stats.min_atol / tolerance.atol
    elif tolerance.rtol > 0:
        ratio = stats.min_rtol / tolerance.rtol
    else:
        ratio = 0.0 if stats.max_abs == 0 else math.inf
    # A failure no tolerance explains (an exact output unequal, eager's Inf where got is finite).
    return ratio if stats.passed or ratio > 1 else math.inf


def summarise(stats: OutputStats, case: str) -> ErrorSummary:
    """One output of one case."""
    return ErrorSummary(stats.name, case, stats.max_abs, stats.max_rel, stats.nan, stats.inf, stats.min_atol,
                        excess(stats), stats.passed, stats.problem)


def per_output(cases: Iterable[CaseResult]) -> list[ErrorSummary]:
    """Each output's worst case (``ErrorSummary.rank``), in the order the outputs come."""
    worst: dict[str, ErrorSummary] = {}
    for case in cases:
        for stats in case.outputs:
            summary = summarise(stats, case.case)
            if stats.name not in worst or summary.rank > worst[stats.name].rank:
                worst[stats.name] = summary
    return list(worst.values())


def worst_of(cases: Iterable[CaseResult]) -> ErrorSummary | None:
    """The worst output of the worst case (None when nothing was compared)."""
    return max(per_output(cases), key=lambda s: s.rank, default=None)


@dataclass(frozen=True)
class Trial:
    """One conversion with a set of nodes in fp32, checked on the samples (or up to the first failure)."""

    stage: str  # baseline, follow the divergence, every candidate, reduce, without, ...
    nodes: tuple[str, ...]  # kept in fp32, in graph order
    cases: tuple[CaseResult, ...]
    complete: bool  # every sample was compared (False: stopped at the first failing one)
    seconds: float

    @property
    def passed(self) -> bool:
        """Every sample compared passed (a trial stops early only on a failure)."""
        return bool(self.cases) and all(c.passed for c in self.cases)

    @property
    def worst(self) -> ErrorSummary | None:
        """The worst output among the compared cases."""
        return worst_of(self.cases)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (without the per-case detail)."""
        worst = self.worst
        return {"stage": self.stage, "nodes": list(self.nodes), "passed": self.passed, "complete": self.complete,
                "cases": [c.case for c in self.cases], "worst": worst.to_dict() if worst else None,
                "seconds": round(self.seconds, 3)}


@dataclass(frozen=True)
class KeptNode:
    """A node that must compute in fp32, where it comes from, and the error when it does not."""

    node: str
    op: str
    source: str  # the user's source line (``file:line: code``), '' when unknown
    without: ErrorSummary | None  # the worst error of the kept set minus this node

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"node": self.node, "op": self.op, "source": self.source,
                "error_without": self.without.to_dict() if self.without else None}


@dataclass
class TuneResult:
    """The answer of ``tune-precision`` for one model."""

    model: str
    spec_file: str
    precision: str
    tolerance: dict[str, float]  # the model-level tolerance override in force (outputs' own still apply)
    samples: list[str]
    passed: bool  # a node set reached the tolerance at every sample
    minimal: bool  # removing any one kept node fails (False: the trial budget ran out first)
    kept: list[KeptNode]
    candidates: int  # nodes that compute in low precision: the ones that could be kept in fp32
    baseline: list[ErrorSummary]  # per output, no node kept
    final: list[ErrorSummary]  # per output, with the kept nodes (the best set tried when none passed)
    best_nodes: tuple[str, ...] = ()  # when nothing passed: the set that came closest
    trials: list[Trial] = field(default_factory=list)
    conversions: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    graph_sha256: str = ""  # the lowered graph the node names belong to (trtrepo.tune.record)
    weights_sha256: str = ""

    @property
    def node_precision(self) -> dict[str, str]:
        """The models.yaml ``node_precision:`` entries this result asks for."""
        return {k.node: "fp32" for k in self.kept} if self.passed else {}

    @property
    def exit_code(self) -> int:
        """0 when a node set passes (maybe the empty one), 1 when none reaches the tolerance."""
        return 0 if self.passed else 1

    @property
    def worst_final(self) -> ErrorSummary | None:
        """The worst output with the kept nodes in fp32."""
        return max(self.final, key=lambda s: s.rank, default=None)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        worst = self.worst_final
        return {"model": self.model, "spec_file": self.spec_file, "precision": self.precision,
                "tolerance": self.tolerance, "samples": self.samples, "passed": self.passed,
                "minimal": self.minimal, "exit_code": self.exit_code, "node_precision": self.node_precision,
                "kept": [k.to_dict() for k in self.kept],
                "error_with_kept": worst.to_dict() if worst else None,
                "best_nodes": list(self.best_nodes), "candidates": self.candidates,
                "outputs": {"baseline": [s.to_dict() for s in self.baseline],
                            "final": [s.to_dict() for s in self.final]},
                "conversions": self.conversions, "seconds": round(self.seconds, 3), "notes": self.notes,
                "trials": [t.to_dict() for t in self.trials]}


@dataclass
class Tuned:
    """A tuning result, what it changes in models.yaml, and where it went."""

    result: TuneResult
    changes: dict[str, Any]  # the models.yaml keys the result asks for (trtrepo.tune.record.spec_changes)
    record: Path  # the tune file holding the result for the next build
    diff: str = ""  # of models.yaml, when --write changed it
    write_error: str = ""  # why --write could not change it

    @property
    def exit_code(self) -> int:
        """1 when no node set passes; 2 when the entries could not be written; else 0."""
        return 2 if self.write_error else self.result.exit_code

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document."""
        return {**self.result.to_dict(), "exit_code": self.exit_code, "changes": self.changes,
                "written": bool(self.diff), "diff": self.diff, "write_error": self.write_error,
                "record": str(self.record)}
