"""README.md's models.yaml examples are real: every ```yaml block validates, and the main one builds.

A block is a whole models.yaml when it has a top-level ``models:``; a fragment says so in the HTML
comment on the line before its fence — ``<!-- models.yaml fragment: models -->`` (entries of the
``models:`` list), ``... fragment: model -->`` (keys of one model) or ``... fragment: top level -->``
(top-level keys such as ``defaults:``) — and is validated inside a minimal file. A yaml block that is
neither fails the test, so no example goes unchecked.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import EXAMPLES, ROOT
from trtrepo.spec import load_project

README = ROOT / "README.md"
_BLOCK = re.compile(r"(?:<!-- models\.yaml fragment: (?P<kind>[a-z ]+) -->\n)?```yaml\n(?P<body>.*?)```", re.S)
_MODEL = "  - name: fragment\n    source: models.cnn:build\n    max_batch_size: 4\n" \
         "    inputs: [{name: image, dtype: fp32, shape: [batch, 3, 32, 32]}]\n"


def yaml_blocks() -> list[tuple[int, str | None, str]]:
    """(line, fragment kind or None, text) of every ```yaml block of README.md."""
    text = README.read_text(encoding="utf-8")
    return [(text[:m.start("body")].count("\n") + 1, m["kind"], m["body"]) for m in _BLOCK.finditer(text)]


def as_models_yaml(kind: str | None, body: str) -> str:
    """The block as a whole models.yaml: itself, or placed in a minimal one."""
    if kind is None:
        assert re.search(r"^models:", body, re.M), "a yaml block that is not a whole models.yaml must be marked " \
            "as a fragment (<!-- models.yaml fragment: models|model|top level -->)"
        return body
    if kind == "models":
        return "models:\n" + body
    if kind == "model":
        return "models:\n" + _MODEL + textwrap.indent(textwrap.dedent(body), "    ")
    assert kind == "top level", f"unknown fragment kind {kind!r}"
    return body + "models:\n" + _MODEL


def project_folder(tmp_path: Path) -> Path:
    """A folder beside a copy of the examples' model code, holding the files the main example names."""
    shutil.copytree(EXAMPLES / "models", tmp_path / "models", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "cnn.pt").write_bytes(b"a checkpoint the example depends on")
    (tmp_path / "samples").mkdir()
    np.savez(tmp_path / "samples" / "cat.npz", image=np.random.default_rng(0).random((1, 3, 32, 32), np.float32))
    return tmp_path


def test_readme_has_its_examples():
    kinds = [kind for _, kind, _ in yaml_blocks()]
    assert kinds.count(None) >= 1 and {"models", "model", "top level"} <= set(kinds), kinds


@pytest.mark.parametrize(("line", "kind", "body"), [pytest.param(*b, id=f"README.md:{b[0]}") for b in yaml_blocks()])
def test_every_readme_models_yaml_example_validates(tmp_path, line, kind, body):
    spec = project_folder(tmp_path) / "models.yaml"
    spec.write_text(as_models_yaml(kind, body), encoding="utf-8")
    assert load_project(spec).models, f"README.md:{line}"


def test_the_main_readme_example_builds(cli, tmp_path):
    """The one under '## models.yaml': the first whole file in README."""
    line, _, body = next(block for block in yaml_blocks() if block[1] is None)
    spec = project_folder(tmp_path) / "models.yaml"
    spec.write_text(body, encoding="utf-8")
    result = cli("build", spec, "--repo", tmp_path / "repo", "--cache-dir", tmp_path / "cache", "--quiet")
    assert result.exit_code == 0, f"README.md:{line}: {result.output}"
    for model in load_project(spec).models:
        assert (tmp_path / "repo" / model.name / "config.pbtxt").is_file()
        assert (tmp_path / "repo" / model.name / str(model.version) / "model.plan").is_file()
