"""Render comparison results: a readable table, JSON, and JUnit XML (one result type, three views)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from trtrepo.compare import CaseResult, OutputStats, exit_code


def _fmt(value: float) -> str:
    return f"{value:.2e}" if value else "0"


def render_table(results: Iterable[CaseResult], title: str, file: TextIO | None = None) -> None:
    """A table with one row per model/case/output, failures first in the eye line."""
    table = Table(title=title, show_lines=False)
    for column in ("model", "case", "output", "result", "max abs", "max rel", "mean abs", "cosine",
                   "nan/inf", "min atol", "min rtol", "tolerance"):
        table.add_column(column, justify="left" if column in ("model", "case", "output", "result") else "right")
    for result in results:
        if result.error:
            table.add_row(result.model, result.case, "-", "[red]ERROR[/red]", result.error.splitlines()[0][:80],
                          *[""] * 7)
            continue
        for out in result.outputs:
            table.add_row(result.model, result.case, out.name, _verdict(out), *_numbers(out))
    Console(file=file, width=200).print(table)


def _verdict(out: OutputStats) -> str:
    if out.problem:
        return f"[red]FAIL[/red] {out.problem}"
    return "[green]pass[/green]" if out.passed else "[red]FAIL[/red]"


def _numbers(out: OutputStats) -> list[str]:
    return [_fmt(out.max_abs), _fmt(out.max_rel), _fmt(out.mean_abs), f"{out.cosine:.6f}",
            f"{out.nan}/{out.inf}", _fmt(out.min_atol), _fmt(out.min_rtol),
            f"atol {out.tolerance.atol:g} rtol {out.tolerance.rtol:g}"]


def failure_lines(results: Iterable[CaseResult]) -> list[str]:
    """One ``model [case]: problem`` line per problem of every failed case (errors, outputs out
    of tolerance, divergences); every command that compares renders its failures with this."""
    lines = []
    for r in results:
        where = f"{r.model} [{r.case}]"
        if r.error:
            lines.append(f"{where}: {r.error}")
        for o in r.outputs:
            if not o.passed:
                lines.append(f"{where}: output {o.name!r}: {o.problem or 'out of tolerance'}: "
                             f"max abs {o.max_abs:.3e}, max rel {o.max_rel:.3e}, "
                             f"{o.mismatched} element(s) outside atol {o.tolerance.atol:g} "
                             f"rtol {o.tolerance.rtol:g}" + _replay(r))
        if r.divergence:
            lines.append(f"{where}: {r.divergence.describe()}")
        if r.diagnosis:
            lines.append(f"{where}: {r.diagnosis}")
    return lines


def _replay(result: CaseResult) -> str:
    return f" (inputs {result.input_shapes}, seed {result.seed})" if result.seed is not None else ""


def to_json(results: Iterable[CaseResult], extra: dict[str, Any] | None = None) -> str:
    """The JSON report: every case with its per-output statistics."""
    results = list(results)
    cases = [r.to_dict() for r in results]
    return json.dumps({**(extra or {}), "passed": all(c["passed"] for c in cases), "exit_code": exit_code(results),
                       "cases": cases}, indent=2)


def write_reports(results: list[CaseResult], suite: str, report: Path | None = None, junit: Path | None = None,
                  extra: dict[str, Any] | None = None) -> str:
    """Write the JSON report and JUnit XML where asked (folders created); returns the JSON text."""
    document = to_json(results, extra)
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(document + "\n", encoding="utf-8")
    if junit:
        write_junit(results, junit, suite)
    return document


def write_junit(results: Iterable[CaseResult], path: Path, suite: str) -> None:
    """JUnit XML: one testcase per model/case; failures carry the statistics."""
    results = list(results)
    root = ET.Element("testsuite", name=suite, tests=str(len(results)),
                      failures=str(sum(1 for r in results if not r.passed and not r.error)),
                      errors=str(sum(1 for r in results if r.error)))
    for result in results:
        case = ET.SubElement(root, "testcase", classname=f"{suite}.{result.model}", name=result.case)
        if result.error:
            ET.SubElement(case, "error", message=result.error.splitlines()[0]).text = result.error
        elif not result.passed:
            failed = [o for o in result.outputs if not o.passed]
            message = "; ".join(f"{o.name}: {o.problem or f'max abs {o.max_abs:.3e}, max rel {o.max_rel:.3e}'}"
                                for o in failed)
            ET.SubElement(case, "failure", message=message).text = json.dumps([o.to_dict() for o in failed], indent=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
