"""Render comparison results: a readable table, JSON, and JUnit XML (one result type, three views)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from trtrepo.compare import CaseResult, OutputStats, exit_code


def _fmt(value: float) -> str:
    return f"{value:.2e}" if value else "0"


# Columns, numbers in the order they give way when the terminal is too narrow for all of them:
# max abs and max rel are always shown, cosine before model and case names get room to breathe,
# the rest as far as they fit. Numbers are never wrapped or cut: a narrow terminal loses whole
# columns (named under the table; --json has them all), never digits.
_TEXT_COLUMNS = ("model", "case", "output", "result")
_NUMBER_COLUMNS = ("max abs", "max rel", "cosine", "min atol", "min rtol", "mean abs", "nan/inf", "atol/rtol")
_ALWAYS_SHOWN = 2
_BEFORE_ROOMY_TEXT = 3
_TEXT_MIN_WIDTH, _TEXT_ROOMY_WIDTH = 8, 20  # text columns fold down to 8; names wrap, numbers do not
_CELL_PADDING = 3  # a column's border and padding in rich's default box


def render_table(results: Iterable[CaseResult], title: str, file: TextIO | None = None,
                 width: int | None = None) -> None:
    """A table with one row per model/case/output that fits the terminal (``width`` columns).

    A case that could not be compared shows ERROR, and a failed output FAIL: their reasons are
    sentences, which belong below the table (``failure_lines``), not squeezed into a column.
    """
    console = Console(file=file, width=width)
    rows = [row for result in results for row in _rows(result)]
    shown = _columns_that_fit(rows, console.width)
    table = Table(title=title, show_lines=False)
    for column in _TEXT_COLUMNS:
        table.add_column(column, overflow="fold", min_width=min(_TEXT_MIN_WIDTH, _widest(rows, column)))
    for column in shown:
        table.add_column(column, justify="right", no_wrap=True, min_width=_widest(rows, column))
    for row in rows:
        table.add_row(*(row[c] for c in (*_TEXT_COLUMNS, *shown)))
    console.print(table)
    hidden = _NUMBER_COLUMNS[len(shown):]
    if hidden:
        console.print(f"hidden at {console.width} columns: {', '.join(hidden)} (--json)", highlight=False)


def _rows(result: CaseResult) -> list[dict[str, str]]:
    if result.error:
        return [{"model": result.model, "case": result.case, "output": "-", "result": "[red]ERROR[/red]",
                 **dict.fromkeys(_NUMBER_COLUMNS, "")}]
    return [{"model": result.model, "case": result.case, "output": out.name, "result": _verdict(out),
             **_numbers(out)} for out in result.outputs]


def _verdict(out: OutputStats) -> str:
    return "[green]pass[/green]" if out.passed else "[red]FAIL[/red]"


def _numbers(out: OutputStats) -> dict[str, str]:
    if out.problem:  # a missing output or a shape mismatch has no statistics to show
        return dict.fromkeys(_NUMBER_COLUMNS, "")
    return {"max abs": _fmt(out.max_abs), "max rel": _fmt(out.max_rel), "cosine": f"{out.cosine:.6f}",
            "min atol": _fmt(out.min_atol), "min rtol": _fmt(out.min_rtol), "mean abs": _fmt(out.mean_abs),
            "nan/inf": f"{out.nan}/{out.inf}", "atol/rtol": f"{out.tolerance.atol:g}/{out.tolerance.rtol:g}"}


def _widest(rows: list[dict[str, str]], column: str) -> int:
    plain = [Text.from_markup(row[column]).cell_len for row in rows]
    return max([len(column), *plain])


def _columns_that_fit(rows: list[dict[str, str]], width: int) -> tuple[str, ...]:
    """The number columns to show in ``width`` terminal columns, in order (see _NUMBER_COLUMNS)."""
    used = 1 + sum(min(_widest(rows, c), _TEXT_MIN_WIDTH) + _CELL_PADDING for c in _TEXT_COLUMNS)
    for index, column in enumerate(_NUMBER_COLUMNS):
        if index == _BEFORE_ROOMY_TEXT:
            used += sum(min(_widest(rows, c), _TEXT_ROOMY_WIDTH) - min(_widest(rows, c), _TEXT_MIN_WIDTH)
                        for c in _TEXT_COLUMNS)
        used += _widest(rows, column) + _CELL_PADDING
        if index >= _ALWAYS_SHOWN and used > width:
            return _NUMBER_COLUMNS[:index]
    return _NUMBER_COLUMNS


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
