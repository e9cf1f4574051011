"""`trtrepo ops NAME...` searches the supported overloads; no match, or an unknown family, exits 2."""

from __future__ import annotations

from trtrepo.convert.catalog import catalog


def test_ops_lists_the_overloads_whose_name_matches(cli):
    result = cli("ops", "softmax")
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.output.splitlines()[:-1]]
    expected = sorted((e.family, e.op) for e in catalog() if "softmax" in e.op)
    assert listed == [op for _, op in expected] and len(listed) >= 2
    assert result.output.splitlines()[-1] == f"{len(listed)} overloads"


def test_several_names_and_a_family_narrow_together(cli):
    result = cli("ops", "SOFTMAX", "convolution", "--family", "conv")
    assert result.exit_code == 0, result.output
    assert all(" conv " in line for line in result.output.splitlines()[:-1])
    assert "aten.convolution.default" in result.output and "softmax" not in result.output


def test_a_name_nothing_matches_exits_2_with_a_suggestion(cli):
    result = cli("ops", "softmx")
    assert result.exit_code == 2
    assert "no supported ATen overload matches 'softmx' (did you mean 'softmax'?)" in result.output


def test_an_unknown_family_exits_2_listing_the_families(cli):
    result = cli("ops", "--family", "actvation")
    assert result.exit_code == 2
    families = sorted({e.family for e in catalog()})
    assert f"no op family 'actvation' (did you mean 'activation'?); families: {', '.join(families)}" in result.output


def test_markdown_of_a_search(cli):
    result = cli("ops", "convolution", "--markdown")
    assert result.exit_code == 0 and "| `aten.convolution.default` | conv |" in result.output
