"""The search: the smallest set of FX nodes that must compute in fp32 for ``check`` to pass.

The model is captured once; every trial reconverts the captured program with a spec whose
``node_precision`` keeps the trial's nodes in fp32 (``trtrepo.network.convert_captured``) and checks
it at the min, opt and max shapes of every profile (and any extra samples), exactly as ``check``
does. The search runs in three steps:

1. **Follow the divergence.** Starting from the low-precision build, ``check.localise`` names the
   first node of each failing case where the network departs from PyTorch; those nodes go to fp32
   and the model is checked again, asking past the nodes already kept, until it passes.
2. If that does not converge, **every candidate** (every node computing in low precision) goes to
   fp32 once. When even that fails, no node set can pass: the best error reached is reported.
3. **Reduce** the passing set by delta debugging (``trtrepo.tune.ddmin``) to a 1-minimal one:
   every kept node is needed. A reducing trial stops at its first failing sample, and the sample
   that failed last is tried first next time.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.fx

from trtrepo.check import check_converted, localise_safely
from trtrepo.compare import CaseResult, output_tolerances
from trtrepo.convert.precision import compute_dtype
from trtrepo.convert.registry import target_name
from trtrepo.errors import Category, CheckFailedError
from trtrepo.graph import fake_tensor, source_line
from trtrepo.network import Converted, conversion_settings, convert_captured, convert_model
from trtrepo.pipeline import weights_hash
from trtrepo.report import failure_lines
from trtrepo.runners import ReferenceRunner
from trtrepo.samples import Sample, generated_samples
from trtrepo.spec import ModelSpec
from trtrepo.tune.ddmin import ddmin
from trtrepo.tune.record import graph_digest
from trtrepo.tune.result import KeptNode, Trial, TuneResult, per_output

TrialCallback = Callable[[Trial], None]
DISCOVERY_ROUNDS = 16  # "follow the divergence" rounds before every candidate goes to fp32 at once


@dataclass(frozen=True)
class TuneOptions:
    """What ``tune-precision`` tunes for (CLI flags)."""

    precision: str | None = None  # fp16 or bf16; None: the model's own
    tolerance: dict[str, float] = dataclasses.field(default_factory=dict)  # model-level atol/rtol override
    samples: int = 0  # random samples on top of every profile's min, opt and max
    seed: int = 0
    max_trials: int = 100  # conversions the search may spend; past it the set found is not minimal


def tuning_spec(spec: ModelSpec, options: TuneOptions) -> ModelSpec:
    """``spec`` at the precision and tolerance to tune for; a model that stays fp32 is a usage error."""
    precision = options.precision or spec.precision
    if precision == "fp32":
        raise CheckFailedError(f"{spec.spec_file}: model {spec.name!r}: precision is fp32, so nothing computes "
                               "in low precision: tune with --precision fp16 or bf16", exit_code=2)
    return dataclasses.replace(spec, precision=precision, tolerance={**spec.tolerance, **options.tolerance})


def tune_model(spec: ModelSpec, options: TuneOptions | None = None,
               on_trial: TrialCallback | None = None) -> TuneResult:
    """Find a minimal set of nodes to keep in fp32 for ``spec`` to pass ``check``; see the module docstring."""
    options = options or TuneOptions()
    started = time.perf_counter()
    spec = tuning_spec(spec, options)
    converted = convert_model(spec)  # the one capture; this conversion is also the baseline's
    points = 3 * len(spec.profile_list)
    search = Search(converted, generated_samples(converted.spec, points + options.samples, options.seed),
                    options.max_trials, on_trial)
    result = search.run()
    result.seconds = time.perf_counter() - started
    return result


class Search:
    """Trials on one captured program: convert with a node set in fp32, check, remember the verdict."""

    def __init__(self, baseline: Converted, samples: list[Sample], max_trials: int,
                 on_trial: TrialCallback | None = None):
        self.baseline = baseline
        self.spec = baseline.spec
        self.samples = samples
        self.order = list(range(len(samples)))  # the sample that failed last comes first
        self.max_trials = max_trials
        self.on_trial = on_trial or (lambda trial: None)
        self.nodes = {n.name: n for n in baseline.program.graph_module.graph.nodes}
        self.candidates = candidate_nodes(baseline)
        self.position = {name: index for index, name in enumerate(self.nodes)}
        self.trials: list[Trial] = []
        self.known: dict[frozenset[str], Trial] = {}
        self.conversions = 0

    # ---- the three steps ------------------------------------------------------------------

    def run(self) -> TuneResult:
        """Follow the divergence, else every candidate; then reduce and measure each kept node."""
        baseline, _ = self.trial((), "baseline", complete=True)
        if baseline.passed:
            return self._result(baseline, baseline, (), minimal=True)
        passing = self.follow_divergence(baseline, self.baseline)
        if passing is None:
            everything, _ = self.trial(self.candidates, "every candidate", complete=True)
            if not everything.passed:
                return self._hopeless(baseline)
            passing = everything
        reduced = ddmin(passing.nodes, self.verdict)
        final, _ = self.trial(reduced.items, "kept", complete=True)
        return self._result(baseline, final, reduced.items, reduced.minimal)

    def follow_divergence(self, trial: Trial, converted: Converted) -> Trial | None:
        """Keep the first diverging node of each failing case in fp32 until the model passes."""
        kept: tuple[str, ...] = ()
        for _ in range(DISCOVERY_ROUNDS):
            found = [n for n in self.divergent_nodes(trial, converted, set(kept)) if n not in kept]
            if not found or self.spent:
                return None
            kept = self.in_graph_order([*kept, *found])
            trial, tried = self.trial(kept, "follow the divergence", complete=True)
            if trial.passed:
                return trial
            if tried is None:  # a set seen before: following it again would go round in a circle
                return None
            converted = tried
        return None

    def divergent_nodes(self, trial: Trial, converted: Converted, kept: set[str]) -> list[str]:
        """The first node of each failing case out of tolerance, among the candidates not yet kept."""
        among = set(self.candidates) - kept
        reference, tolerances = ReferenceRunner(converted), output_tolerances(converted.spec)
        found: list[str] = []
        for case, sample in zip(trial.cases, self.samples, strict=True):
            if not case.passed:
                localise_safely(case, converted, reference, sample, tolerances, among)
                if case.divergence is not None and case.divergence.node not in found:
                    found.append(case.divergence.node)
        return found

    def verdict(self, nodes: Sequence[str]) -> bool | None:
        """ddmin's test: does the model pass with ``nodes`` in fp32? None once the budget is spent."""
        key = frozenset(nodes)
        if key not in self.known and self.spent:
            return None
        trial, _ = self.trial(tuple(nodes), "reduce", complete=False)
        return trial.passed

    # ---- trials ---------------------------------------------------------------------------

    @property
    def spent(self) -> bool:
        """True once the search has used its conversions."""
        return self.conversions >= self.max_trials

    def trial(self, nodes: Sequence[str], stage: str, complete: bool) -> tuple[Trial, Converted | None]:
        """Convert with ``nodes`` in fp32 and check; a verdict already known is not tried again."""
        key = frozenset(nodes)
        known = self.known.get(key)
        if known is not None and (known.complete or not complete):
            return known, None
        started = time.perf_counter()
        converted = self.baseline if not key else convert_captured(self.with_fp32(key), self.baseline.captured,
                                                                     self.baseline.module)
        self.conversions += 1
        cases = self._check(converted, complete)
        trial = Trial(stage, self.in_graph_order(nodes), tuple(cases), complete or len(cases) == len(self.samples),
                      time.perf_counter() - started)
        self.known[key] = trial
        self.trials.append(trial)
        self.on_trial(trial)
        return trial, converted

    def with_fp32(self, nodes: frozenset[str]) -> ModelSpec:
        """The spec with ``nodes`` kept in fp32 on top of the model's own ``node_precision``."""
        return dataclasses.replace(self.spec, node_precision={**self.spec.node_precision,
                                                              **{n: "fp32" for n in sorted(nodes)}})

    def _check(self, converted: Converted, complete: bool) -> list[CaseResult]:
        """Every sample (``complete``), or samples until the first failure, the last failing one first."""
        if complete:
            cases = check_converted(converted, self.samples, localise_failures=False)
            self._refuse_errors(cases)
            return cases
        checked: dict[int, CaseResult] = {}
        for index in self.order:
            case = check_converted(converted, [self.samples[index]], localise_failures=False)[0]
            self._refuse_errors([case])
            checked[index] = case
            if not case.passed:
                self.order.remove(index)
                self.order.insert(0, index)
                break
        return [checked[index] for index in sorted(checked)]  # in sample order, as a complete check's

    def _refuse_errors(self, cases: list[CaseResult]) -> None:
        """A case that could not be compared at all (the model raised, the network would not run) ends the
        search: no precision choice can fix it."""
        broken = [c for c in cases if c.category not in (Category.PASSED, Category.MISMATCH)]
        if broken:
            raise CheckFailedError(f"{self.spec.spec_file}: model {self.spec.name!r}: cannot tune precision, the "
                                   "check itself cannot run:\n  " + "\n  ".join(failure_lines(broken)), exit_code=2)

    def in_graph_order(self, nodes: Sequence[str]) -> tuple[str, ...]:
        """``nodes`` sorted as the graph runs them."""
        return tuple(sorted(set(nodes), key=lambda n: self.position.get(n, len(self.position))))

    # ---- the answer -----------------------------------------------------------------------

    def _result(self, baseline: Trial, final: Trial, kept: Sequence[str], minimal: bool) -> TuneResult:
        """A passing answer: each kept node with the error of the set without it."""
        rows = []
        for name in kept:
            without, _ = self.trial([n for n in kept if n != name], "without", complete=True)
            rows.append(KeptNode(name, self._op(name), source_line(self.nodes[name]), without.worst))
        result = self._answer(baseline, final, passed=True, minimal=minimal, kept=rows)
        if not minimal:
            result.notes.append(f"the trial budget ({self.max_trials} conversions) ran out while reducing: the set "
                                "passes but may not be minimal (raise --max-trials)")
        return result

    def _hopeless(self, baseline: Trial) -> TuneResult:
        """No set passes, not even every candidate: the best error reached, and what it would take."""
        complete = [t for t in self.trials if t.complete and t.worst is not None]
        best = min(complete, key=lambda t: (*(t.worst.rank if t.worst else (0.0, 0.0)), len(t.nodes)))
        result = self._answer(baseline, best, passed=False, minimal=False, kept=[])
        result.best_nodes = best.nodes
        everything = (f"with all {len(self.candidates)} low-precision node(s) in fp32" if self.candidates
                      else f"no node computes in {self.spec.precision} that node_precision could move, and")
        result.notes.append(f"no set of nodes in fp32 reaches the tolerance: {everything} the model still fails. "
                            f"What node precision cannot change stays as it is: float inputs enter the engine in "
                            f"{self.spec.precision} (a cast at its entry), and nodes the model's own node_precision "
                            "sets keep their setting. Build in fp32, or loosen the tolerance.")
        return result

    def _answer(self, baseline: Trial, final: Trial, passed: bool, minimal: bool,
                kept: list[KeptNode]) -> TuneResult:
        stale = sorted(set(self.spec.node_precision) - set(self.nodes))
        notes = [f"node_precision names node(s) the lowered graph does not have (ignored by the converter): "
                 f"{', '.join(stale)}"] if stale else []
        return TuneResult(model=self.spec.name, spec_file=str(self.spec.spec_file), precision=self.spec.precision,
                          tolerance=dict(self.spec.tolerance), samples=[s.label for s in self.samples],
                          passed=passed, minimal=minimal, kept=kept, candidates=len(self.candidates),
                          baseline=per_output(baseline.cases), final=per_output(final.cases), trials=self.trials,
                          conversions=self.conversions, notes=notes,
                          graph_sha256=graph_digest(self.baseline.program),
                          weights_sha256=weights_hash(self.baseline.captured))

    def _op(self, name: str) -> str:
        return self.baseline.result.converted_nodes.get(name) or target_name(self.nodes[name].target)


def candidate_nodes(converted: Converted) -> tuple[str, ...]:
    """Every converted node that computes in low precision and touches floats, in graph order.

    Nodes the model's own ``node_precision`` names are left as the user set them.
    """
    spec = converted.spec
    settings = conversion_settings(spec)
    found = []
    for node in converted.program.graph_module.graph.nodes:
        op = converted.result.converted_nodes.get(node.name)
        if node.op != "call_function" or op is None or node.name in spec.node_precision:
            continue
        dtype = compute_dtype(op, node.name, settings.precision, settings.op_precision, settings.node_precision)
        if dtype != torch.float32 and _touches_floats(node):
            found.append(node.name)
    return tuple(found)


def _touches_floats(node: torch.fx.Node) -> bool:
    """True when the node reads or makes a float tensor: only then does its compute type matter."""
    tensors = [fake_tensor(node), *(fake_tensor(n) for n in node.all_input_nodes)]
    return any(t is not None and t.is_floating_point() for t in tensors)
