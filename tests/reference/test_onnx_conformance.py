"""The oracle's own conformance suite: every ONNX node test case, parsed by NVIDIA's ONNX parser and run by
the reference interpreter, against the outputs ONNX's numpy reference computed (see ``onnx_cases``).

All 1,884 cases run (about 15 s here; the builder runs only on a disagreement); ``make conformance`` prints the same survey case by case and also builds every agreeing network (about 45 s). A
disagreement must be listed, with its reason, in ``onnx_allowlist``; a listed case must still disagree.
"""

from __future__ import annotations

import pytest
import torch

from . import onnx_cases
from .conftest import CONFORMANCE_SUMMARY
from .onnx_allowlist import AGREE_FLOOR, ALLOWED, ROUNDING
from .onnx_cases import CaseResult, Outcome


@pytest.fixture(scope="module")
def results(request: pytest.FixtureRequest) -> dict[str, CaseResult]:
    """Every case's result, computed once for the module; the counts are printed at the end of the run."""
    found = {r.name: r for r in onnx_cases.run_all()}
    request.config.stash[CONFORMANCE_SUMMARY] = onnx_cases.counts(list(found.values()))
    return found


def _describe(r: CaseResult) -> str:
    errors = "" if r.max_abs is None else f" (max abs {r.max_abs:.6g}, max rel {r.max_rel:.6g})"
    return f"{r.name}: {r.reason}: {r.detail}{errors}"


def test_every_disagreement_is_allow_listed(results):
    unlisted = [_describe(r) for r in results.values() if r.outcome is Outcome.DISAGREE and r.name not in ALLOWED]
    assert not unlisted, "disagreements not in onnx_allowlist.py:\n" + "\n".join(unlisted)


def test_allow_listed_cases_still_disagree(results):
    stale = [f"{name}: now {results[name].outcome.value}" if name in results else f"{name}: no such case"
             for name in ALLOWED if name not in results or results[name].outcome is not Outcome.DISAGREE]
    assert not stale, "remove (or re-justify) these onnx_allowlist.py entries:\n" + "\n".join(stale)


def test_allow_listed_cases_disagree_the_way_recorded(results):
    moved = [f"{name}: now a {results[name].reason} disagreement ({results[name].detail}), listed as {a.disagreement}"
             for name, a in ALLOWED.items() if name in results and results[name].outcome is Outcome.DISAGREE
             and results[name].reason != a.disagreement]
    assert not moved, "these onnx_allowlist.py entries no longer describe the disagreement:\n" + "\n".join(moved)


def test_rounding_errors_do_not_grow(results):
    grown = []
    for name, allowed in ALLOWED.items():
        r = results.get(name)
        if allowed.kind != ROUNDING or r is None or r.outcome is not Outcome.DISAGREE:
            continue
        assert allowed.max_abs is not None and allowed.max_rel is not None, name
        if r.reason != "values" or r.max_abs is None or r.max_rel is None:
            grown.append(f"{name}: now a {r.reason} disagreement: {r.detail}")
        elif r.max_abs > allowed.max_abs or r.max_rel > allowed.max_rel:
            grown.append(_describe(r) + f"; recorded max abs {allowed.max_abs}, max rel {allowed.max_rel}")
    assert not grown, "rounding errors above the recorded ones:\n" + "\n".join(grown)


def test_agreeing_cases_do_not_drop_below_the_reviewed_count(results):
    agree = sum(r.outcome is Outcome.AGREE for r in results.values())
    assert agree >= AGREE_FLOOR, f"{agree} cases agree, {AGREE_FLOOR} did at the last review"


def test_every_outcome_has_a_reason(results):
    assert all(r.reason for r in results.values() if r.outcome is not Outcome.AGREE)
    assert len(results) == len(onnx_cases.cases())  # names are unique: nothing was counted twice


# The comparison rule itself, on hand-made values.

def test_compare_accepts_values_within_the_case_tolerance():
    want = torch.tensor([1.0, 100.0, float("nan")])
    got = torch.tensor([1.0 + 5e-4, 100.05, float("nan")])
    assert onnx_cases.compare("c", "y", got, want, rtol=1e-3, atol=1e-7) is None


def test_compare_reports_the_largest_errors_of_the_elements_beyond_tolerance():
    want = torch.tensor([1.0, 2.0, 4.0])
    got = torch.tensor([1.0, 2.5, 4.001])  # 0.5 = 25% beyond; 0.001 = 0.025% within rtol 1e-3
    r = onnx_cases.compare("c", "y", got, want, rtol=1e-3, atol=1e-7)
    assert r is not None and r.outcome is Outcome.DISAGREE and r.reason == "values"
    assert r.max_abs == pytest.approx(0.5) and r.max_rel == pytest.approx(0.25)
    assert "1 of 3 elements" in r.detail


def test_compare_needs_nan_where_onnx_has_nan():
    r = onnx_cases.compare("c", "y", torch.tensor([0.0]), torch.tensor([float("nan")]), rtol=1e-3, atol=1e-7)
    assert r is not None and r.reason == "values"


@pytest.mark.parametrize(
    ("got", "want", "reason"),
    [
        (torch.tensor([1, 2], dtype=torch.int32), torch.tensor([1, 2], dtype=torch.int64), "type"),
        (torch.zeros(2, 1), torch.zeros(1, 2), "shape"),
        (torch.tensor([True, False]), torch.tensor([True, True]), "values"),
    ],
)
def test_compare_wants_the_same_type_shape_and_exact_integers(got, want, reason):
    r = onnx_cases.compare("c", "y", got, want, rtol=1e-3, atol=1e-7)
    assert r is not None and r.reason == reason


def test_onnx_values_keep_their_rank_and_bfloat16():
    import numpy as np
    from onnx import numpy_helper

    assert onnx_cases.to_torch(np.float32(2.5)).shape == ()
    proto = numpy_helper.from_array(np.array([1.5, -2.0], dtype=np.float32).astype(_bfloat16()))
    value = onnx_cases.to_torch(proto)
    assert value.dtype == torch.bfloat16 and value.tolist() == [1.5, -2.0]


def _bfloat16():
    import ml_dtypes

    return ml_dtypes.bfloat16
