"""Every registered converter ran under the shared harness in this session; docs/OPS.md is current.

Named to sort after tests/convert/ops/, so it runs once the converter tests have recorded what
ran. It skips when only part of the converter suite was selected (e.g. ``-k``), where "not run"
would not mean "not tested".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.convert.harness import CONVERTERS_RUN
from trtrepo.convert.catalog import catalog, render_markdown

OPS_TESTS = Path(__file__).parent / "ops"
ROOT = Path(__file__).resolve().parents[2]


def _whole_converter_suite_ran(session: pytest.Session) -> bool:
    config = session.config
    if config.option.keyword or config.option.markexpr or config.option.deselect:
        return False
    ran_files = {Path(str(item.fspath)).name for item in session.items}
    return all(p.name in ran_files for p in OPS_TESTS.glob("test_*.py"))


def test_every_registered_converter_is_exercised(request):
    if not _whole_converter_suite_ran(request.session):
        pytest.skip("only part of tests/convert/ops was selected")
    registered = {e.op for e in catalog()}
    never_run = sorted(registered - CONVERTERS_RUN)
    assert not never_run, f"registered converters no test ran: {never_run}"
    assert len(registered) >= 150


def test_docs_ops_table_is_current():
    generated = render_markdown(catalog())
    committed = (ROOT / "docs" / "OPS.md").read_text(encoding="utf-8")
    assert committed == generated, "docs/OPS.md is stale: run `trtrepo ops --markdown > docs/OPS.md`"
