"""One ``tune-precision`` run: tune a model of a models.yaml, write the entries when asked, record the result."""

from __future__ import annotations

import math
from pathlib import Path

from trtrepo.spec import load_project
from trtrepo.tune.record import apply_changes, save_tuning, spec_changes, tuning_entry
from trtrepo.tune.render import relative_source
from trtrepo.tune.result import Tuned
from trtrepo.tune.search import TrialCallback, TuneOptions, tune_model
from trtrepo.tune.write import SpecWriteError, write_changes


def tune_precision(spec_file: Path, model: str, options: TuneOptions | None = None, write: bool = False,
                   on_trial: TrialCallback | None = None) -> Tuned:
    """Tune ``model`` of ``spec_file``; with ``write``, add the entries to it; record the result beside it."""
    project = load_project(spec_file)
    spec = project.select([model])[0]
    result = tune_model(spec, options, on_trial)
    changes = spec_changes(spec.raw, result)
    applied, diff, problem = apply_changes(spec.raw, changes), "", ""
    if write and result.passed and changes:
        comments = {k.node: relative_source(k.source, spec.base_dir) for k in result.kept if k.source}
        try:
            diff = write_changes(project.file, model, changes, comments)
            applied = load_project(project.file).select([model])[0].raw  # exactly what the next build reads
        except SpecWriteError as exc:
            problem = str(exc)
    record = save_tuning(project.file, model, tuning_entry(result, applied, written=bool(diff)))
    return Tuned(result, changes, record, diff, problem)


def parse_tolerance(text: str | None) -> dict[str, float]:
    """``atol=1e-2,rtol=5e-3`` (either may be left out) as a tolerance override; ValueError says what is wrong."""
    values: dict[str, float] = {}
    for part in text.split(",") if text else ():
        key, sep, value = (p.strip() for p in part.partition("="))
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        if not sep or key not in ("atol", "rtol") or key in values or not 0 <= number < math.inf:
            raise ValueError(f"{part.strip()!r}: write atol=NUMBER,rtol=NUMBER, each at most once, finite and >= 0")
        values[key] = number
    return values
