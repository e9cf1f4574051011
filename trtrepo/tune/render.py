"""How a tuning result reads on a terminal: the kept nodes, the errors per output, the entries to add."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trtrepo.tune.result import ErrorSummary, Trial, Tuned, TuneResult


def relative_source(source: str, base_dir: Path) -> str:
    """A source line with its file relative to the models.yaml folder when it lies below it."""
    file, sep, rest = source.partition(":")
    if not sep or not os.path.isabs(file):
        return source
    try:
        return f"{Path(file).relative_to(base_dir)}:{rest}"
    except ValueError:
        return source


def trial_line(trial: Trial) -> str:
    """One progress line per conversion tried."""
    nodes = ", ".join(trial.nodes) if trial.nodes else "none"
    worst = trial.worst
    verdict = "passes" if trial.passed else "fails" + (f": {worst.output!r} {worst.describe()}" if worst else "")
    partial = "" if trial.complete else " (stopped at the first failing sample)"
    return f"{trial.stage}: fp32 nodes [{nodes}] -> {verdict}{partial} [{trial.seconds:.2f}s]"


def render_result(result: TuneResult, file: TextIO | None = None) -> None:
    """The answer: headline, kept nodes, errors per output, the models.yaml entries, the cost."""
    console = Console(file=file, width=200, highlight=False)
    base_dir = Path(result.spec_file).parent
    tolerance = ", ".join(f"{k} {v:g}" for k, v in sorted(result.tolerance.items())) or "the precision's default"
    console.print(f"tune-precision: model {escape(repr(result.model))} in {result.precision}, tolerance "
                  f"{tolerance}, samples {', '.join(result.samples)}")
    if result.passed and not result.kept:
        console.print("passes as it is: no node needs to stay in fp32")
    elif result.passed:
        minimal = ("removing any one of them fails" if result.minimal
                   else "not proven minimal: the trial budget ran out")
        console.print(f"kept in fp32: {len(result.kept)} of {result.candidates} low-precision node(s) ({minimal})")
        console.print(_kept_table(result, base_dir))
    else:
        best = escape(f"[{', '.join(result.best_nodes)}]")
        console.print(f"[red]no node set reaches the tolerance[/red]; the best error came with fp32 nodes {best}")
    console.print(_outputs_table(result))
    for note in result.notes:
        console.print(f"note: {escape(note)}")
    if result.node_precision:
        console.print("models.yaml entries for this model:")
        console.print(escape(entries_text(result, base_dir)))
    console.print(f"{result.conversions} conversion(s) of one capture in {result.seconds:.1f}s")


def render_tuned(tuned: Tuned, write: bool, file: TextIO | None = None) -> None:
    """The result, then what ``--write`` did to models.yaml and where the result was recorded."""
    render_result(tuned.result, file)
    console = Console(file=file, width=200, highlight=False)
    spec_file = tuned.result.spec_file
    if tuned.diff:
        console.print(f"wrote {spec_file}:")
        console.print(escape(tuned.diff.rstrip("\n")))
    elif write and not tuned.result.passed:
        console.print(f"nothing written to {spec_file}: no node set passes")
    elif write and not tuned.write_error:
        console.print(f"nothing to write: {spec_file} already holds every entry")
    console.print(f"recorded in {tuned.record} (a build of the entry it matches copies it into trtrepo.json)")


def entries_text(result: TuneResult, base_dir: Path) -> str:
    """The ``node_precision:`` block as it would be written, one source line comment per node."""
    lines = ["node_precision:"]
    for kept in result.kept:
        where = relative_source(kept.source, base_dir)
        lines.append(f"  {kept.node}: fp32" + (f"  # {where}" if where else ""))
    return "\n".join(lines)


def _kept_table(result: TuneResult, base_dir: Path) -> Table:
    table = Table(show_lines=False)
    for column in ("node", "op", "source line", "error with it", "error without it"):
        table.add_column(column)
    with_kept, named = result.worst_final, len(result.final) > 1  # the worst output: say which one
    for kept in result.kept:
        table.add_row(escape(kept.node), kept.op, escape(relative_source(kept.source, base_dir)) or "-",
                      _error(with_kept, named), _error(kept.without, named))
    return table


def _outputs_table(result: TuneResult) -> Table:
    """Each output's worst error as built and as tuned (one column when nothing changed)."""
    changed = not result.passed or bool(result.kept)
    after = ["with the kept nodes" if result.passed else "best reached"] if changed else []
    table = Table(show_lines=False)
    for column in ("output", f"in {result.precision} as built", *after, "result"):
        table.add_column(column)
    before = {s.output: s for s in result.baseline}
    for summary in result.final:
        verdict = "[green]pass[/green]" if summary.passed else "[red]FAIL[/red]"
        tuned = [_error(summary)] if changed else []
        table.add_row(escape(summary.output), _error(before.get(summary.output)), *tuned, verdict)
    return table


def _error(summary: ErrorSummary | None, named: bool = False) -> str:
    if summary is None:
        return "-"
    text = escape((f"{summary.output}: " if named else "") + summary.describe())
    return text if summary.passed else f"[red]{text}[/red]"
