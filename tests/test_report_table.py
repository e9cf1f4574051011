"""The results table fits the terminal: numbers stay whole at 80 columns, error sentences go below it."""

from __future__ import annotations

import io
import re

import pytest

from trtrepo.compare import CaseResult, OutputStats, Tolerance
from trtrepo.report import failure_lines, render_table

TOLERANCE = Tolerance(1e-4, 1e-3)
ERROR = "RuntimeError: " + "the user's sample holds a tensor of the wrong shape for this model " * 3


def results() -> list[CaseResult]:
    failed = OutputStats("last_hidden_state", [2, 8], "float32", TOLERANCE, False, max_abs=1.234e-2, max_rel=5.6e-1,
                         mean_abs=3.2e-5, cosine=0.999876, mismatched=3, min_atol=1.2e-2, min_rtol=5.7e-1)
    passed = OutputStats("logits", [1, 10], "float32", TOLERANCE, True, max_abs=7.5e-7, max_rel=2.5e-6, cosine=1.0)
    missing = OutputStats("pooled", [2, 8], "float32", TOLERANCE, False, problem="shape [2, 9] differs from expected [2, 8]")
    return [CaseResult("sentence_embedding_bert_large", "p1.max", [failed, missing]),
            CaseResult("cnn", "min", [passed]),
            CaseResult("cnn", "sample.npz", error=ERROR)]


def rendered(width: int) -> str:
    out = io.StringIO()
    render_table(results(), "trtrepo check models.yaml", file=out, width=width)
    return out.getvalue()


def test_at_80_columns_every_line_fits_and_the_numbers_are_whole():
    text = rendered(80)
    assert max(len(line) for line in text.splitlines()) <= 80, text
    for number in ("1.23e-02", "5.60e-01", "0.999876", "7.50e-07", "2.50e-06", "1.000000"):
        assert number in text, (number, text)
    assert "hidden at 80 columns: min atol, min rtol, mean abs, nan/inf, atol/rtol (--json)" in text


def test_errors_and_problems_are_not_squeezed_into_a_column():
    text = rendered(80)
    assert "RuntimeError" not in text and "differs from expected" not in text, text
    rows = [line for line in text.splitlines() if "sample.npz" in line or "pooled" in line]
    assert any("ERROR" in row for row in rows) and any("FAIL" in row for row in rows), text
    lines = failure_lines(results())  # what every comparing command prints below the table
    assert f"cnn [sample.npz]: {ERROR}" in lines
    assert any("output 'pooled': shape [2, 9] differs from expected [2, 8]" in line for line in lines)


@pytest.mark.parametrize("width", [100, 120, 160])
def test_wider_terminals_show_more_columns_in_their_order(width):
    text = rendered(width)
    header = next(line for line in text.splitlines() if "max abs" in line)
    shown = [c for c in ("max abs", "max rel", "cosine", "min atol", "min rtol", "mean abs", "nan/inf", "atol/rtol")
             if c in header]
    assert shown == ["max abs", "max rel", "cosine", "min atol", "min rtol", "mean abs", "nan/inf",
                     "atol/rtol"][:len(shown)]
    assert len(shown) >= 3 and max(len(line) for line in text.splitlines()) <= width


def test_a_wide_terminal_shows_every_figure():
    text = rendered(200)
    assert "hidden at" not in text
    assert re.search(r"0\.0001/0\.001", text) and "3.20e-05" in text and "0/0" in text
