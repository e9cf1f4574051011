"""Bad models.yaml files and bad sources, by hand: one clear message, exit 2, no traceback, nothing written.

Every case runs the real CLI (`trtrepo build`) over a private copy of examples/ into a repository
that already holds a file; the repository must be byte-for-byte what it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, tree
from trtrepo.fsutil import staging_area_path

MLP_SOURCE = "    source: models.mlp:build          # module path relative to this file's folder : callable\n"


@pytest.fixture
def project(tmp_path):
    """A copy of examples/ (sources importable beside it) and a repository holding one file."""
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "keep.txt").write_text("untouched")
    return folder, repo


def edited(folder: Path, old: str, new: str) -> Path:
    spec = folder / "models.yaml"
    text = spec.read_text()
    assert old in text, f"the test's replacement {old!r} did not apply"
    spec.write_text(text.replace(old, new, 1))
    return spec


def assert_refused(cli, spec: Path, repo: Path, *expected: str, command: str = "build",
                   options: tuple = ()) -> str:
    before = tree(repo)
    args = ("--repo", repo) if command == "build" else ()
    result = cli(command, spec, *args, *options)
    output = result.output
    assert result.exit_code == 2, output
    assert "Traceback" not in output, output
    assert str(spec) in output, output
    for text in expected:
        assert text in output, f"{text!r} not in:\n{output}"
    assert tree(repo) == before, "a refused build must not touch the repository"
    return output


# (what is wrong, text replaced, replacement, what the message must say)
SPEC_CASES = [
    ("yaml syntax", "models:\n", "models: [\n", ["not valid YAML", "line"]),
    ("tab indentation", "  - name: cnn\n", "\t- name: cnn\n", ["not valid YAML: found character '\\t' that cannot start any token (line 21, column 1)"]),
    ("python tag", "  - name: mlp", "  - name: !!python/object/apply:os.system [ls]", ["not valid YAML"]),
    ("duplicate key", "    max_batch_size: 8\n", "    max_batch_size: 8\n    max_batch_size: 4\n",
     ["key 'max_batch_size' is written twice in one mapping (lines 10 and 11)"]),
    ("wrong type", "max_batch_size: 8", "max_batch_size: many",
     ["model 'mlp': max_batch_size: must be an integer (got 'many')"]),
    ("float for an integer", "max_batch_size: 8", "max_batch_size: 8.0",
     ["model 'mlp': max_batch_size: must be a whole number written without a decimal point (got 8.0)"]),
    ("list expected", "    outputs:\n      - name: logits\n\n  - name: cnn", "    outputs: logits\n\n  - name: cnn",
     ["model 'mlp': outputs: must be a list (got 'logits')"]),
    ("unknown key", "    max_batch_size: 4\n", "    max_batch_size: 4\n    precison: fp16\n",
     ["model 'cnn': precison: unknown key (did you mean 'precision'?)"]),
    ("unknown defaults key", "  instance_count: 1\n", "  instance_cout: 1\n",
     ["defaults: instance_cout: unknown key (did you mean 'instance_count'?)"]),
    ("key that is not text", "    max_batch_size: 4\n", "    max_batch_size: 4\n    1: one\n",
     ["model 'cnn': key 1 must be text (quote it)"]),
    ("missing field", MLP_SOURCE, "", ["model 'mlp': source: required field is missing"]),
    ("no models", "models:\n", "modles:\n", ["modles: unknown key (did you mean 'models'?)",
                                            "models: required field is missing"]),
    ("duplicate model", "  - name: cnn", "  - name: mlp", ["model 'mlp': name: duplicate of models[0]"]),
    ("names differing in case", "  - name: cnn", "  - name: MLP",
     ["model 'MLP': name: differs from models[0] ('mlp') only in letter case"]),
    ("min above max", "{min: 1, opt: 2, max: 4}", "{min: 5, opt: 5, max: 4}",
     ["model 'cnn': inputs[0].shape[0]: min (5) must not exceed max (4)"]),
    ("opt outside range", "{min: 1, opt: 2, max: 4}", "{min: 1, opt: 9, max: 4}",
     ["model 'cnn': inputs[0].shape[0].opt: opt (9) must lie within [min, max] = [1, 4]"]),
    ("zero size", "shape: [batch, 16]", "shape: [batch, 0]",
     ["model 'mlp': inputs[0].shape[1]: a dimension is a positive integer, 'batch', or a range"]),
    ("negative size", "3, 32, 32]", "3, -32, 32]", ["model 'cnn': inputs[0].shape[2]: a dimension is a positive"]),
    ("negative range", "{min: 1, opt: 2, max: 4}", "{min: -1, opt: 2, max: 4}",
     ["model 'cnn': inputs[0].shape[0].min: must be at least 1 (got -1)"]),
    ("huge size", "shape: [batch, 16]", "shape: [batch, 99999999999999]",
     ["model 'mlp': inputs[0].shape[1]: must be at most 2147483647"]),
    ("bad dim name", "{min: 1, opt: 2, max: 4}", "{min: 1, opt: 2, max: 4, name: 2nd}",
     ["model 'cnn': inputs[0].shape[0].name: '2nd' does not have the expected form"]),
    ("path separator", "  - name: cnn", "  - name: ../cnn", ["model '../cnn': name: must not contain path separators"]),
    ("slash", "  - name: cnn", "  - name: a/cnn", ["model 'a/cnn': name: must not contain path separators"]),
    ("empty name", "  - name: cnn", "  - name: ''", ["models[1]: name: must not be empty"]),
    ("leading dot", "  - name: cnn", "  - name: .cnn", ["model '.cnn': name: must not start with '.'"]),
    ("control character", "  - name: cnn", '  - name: "cn\\u0007n"', ["name: must not contain control or invisible"]),
    ("invisible character", "  - name: cnn", '  - name: "cn\\u200bn"', ["(found '\\u200b' (U+200B ZERO WIDTH SPACE))"]),
    ("look-alike letter", "  - name: cnn", "  - name: сnn",  # Cyrillic 'с'
     ["name: contains 'с' (U+0441 CYRILLIC SMALL LETTER ES), which is not ASCII even if it looks like it"]),
    ("space in a tensor name", "      - name: image", "      - name: an image",
     ["model 'cnn': inputs[0].name: contains ' '; names may only use ASCII letters"]),
    ("number as a name", "  - name: cnn", "  - name: 2024-01-01",
     ["models[1]: name: must be text (got datetime.date(2024, 1, 1): YAML reads it as date; quote it)"]),
    ("unknown dtype", "        dtype: fp32\n        shape: [batch, 16]", "        dtype: fp33\n        shape: [batch, 16]",
     ["model 'mlp': inputs[0].dtype: unknown dtype 'fp33' (did you mean 'fp32'?)"]),
    ("unknown precision", "  precision: fp32", "  precision: fp61",
     ["defaults: precision: must be one of fp32, fp16, bf16, int8, fp8 (got 'fp61') (did you mean 'fp16'?)"]),
    ("not a number", "  instance_count: 1\n", "  instance_count: 1\n  tolerance: {atol: .nan}\n",
     ["defaults: tolerance.atol: must be a finite number (got nan)"]),
    ("bad source form", MLP_SOURCE, "    source: models/mlp.py\n",
     ["model 'mlp': source: must be 'package.module:callable' or a '.pt2' file (got 'models/mlp.py')"]),
    ("batching without a batch size", "    max_batch_size: 4\n", "",
     ["model 'cnn': dynamic_batching: needs max_batch_size > 0"]),
    ("alias bomb", "    args: {features: 16, hidden: 64, classes: 10}",
     "    args: {features: 16, hidden: 64, classes: 10}\n    x0: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
     + "".join(f"    x{i}: &{chr(97 + i)} [{', '.join(['*' + chr(96 + i)] * 10)}]\n" for i in range(1, 8)),
     ["more than 1000000 values once YAML aliases are expanded"]),
    ("deep nesting", "{features: 16,", "{deep: " + "[" * 80 + "]" * 80 + ", features: 16,",
     ["nested deeper than 64 levels"]),
    ("very deep nesting", "{features: 16,", "{deep: " + "[" * 5000 + "]" * 5000 + ", features: 16,",
     ["nested deeper than 64 levels"]),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in SPEC_CASES], ids=[c[0] for c in SPEC_CASES])
def test_bad_spec_is_one_clear_message(cli, project, old, new, expected):
    folder, repo = project
    output = assert_refused(cli, edited(folder, old, new), repo, "invalid model specification", *expected)
    assert len(output) < 4000, "a bad file must not produce a flood"


@pytest.mark.parametrize("command", ["check", "verify"])
def test_other_commands_refuse_the_same_way(cli, project, tmp_path, command):
    folder, repo = project
    spec = edited(folder, "max_batch_size: 8", "max_batch_size: 8.0")
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "earlier.json").write_text("{}")
    before = {"project": tree(folder), "reports": tree(reports)}
    output = assert_refused(cli, spec, repo, "model 'mlp': max_batch_size: must be a whole number", command=command,
                            options=("--report", reports / "report.json", "--junit", reports / "junit.xml"))
    assert {"project": tree(folder), "reports": tree(reports)} == before, \
        f"a refused {command} must write no report and touch nothing beside models.yaml:\n{output}"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "top level must be a mapping with a 'models' list"),
        (b"- a list\n", "top level must be a mapping with a 'models' list"),
        (b"models: [\xff\xfe]\n", "file is not UTF-8 text"),
        (b"models: []\n", "models: must not be empty"),
    ],
    ids=["empty", "list", "not utf-8", "no models"],
)
def test_unreadable_files(cli, project, content, expected):
    folder, repo = project
    spec = folder / "models.yaml"
    spec.write_bytes(content)
    assert_refused(cli, spec, repo, expected)


def test_missing_file(cli, project):
    folder, repo = project
    assert_refused(cli, folder / "nope.yaml", repo, "cannot read file: No such file or directory")


# (what is wrong, module source or None, `source:` entry, args, what the message must say)
SOURCE_CASES = [
    ("no such module", None, "nowhere.mod:build", "{}", "cannot import 'nowhere.mod'"),
    ("import fails", "import not_installed_anywhere\n", "bad:build", "{}",
     "cannot import 'bad' from {folder}: ModuleNotFoundError: No module named 'not_installed_anywhere'"),
    ("syntax error", "def build(:\n", "bad:build", "{}", "cannot import 'bad' from {folder}: SyntaxError"),
    ("exits while importing", "import sys\nsys.exit(3)\n", "bad:build", "{}", "SystemExit: 3"),
    ("no such callable", "x = 1\n", "bad:build", "{}", "module 'bad' has no attribute 'build'"),
    ("returns None", "def build():\n    return None\n", "bad:build", "{}",
     "bad:build returned NoneType, not a torch.nn.Module"),
    ("returns a tensor", "import torch\ndef build():\n    return torch.zeros(1)\n", "bad:build", "{}",
     "returned Tensor, not a torch.nn.Module"),
    ("raises", "def build():\n    raise ValueError('no checkpoint')\n", "bad:build", "{}",
     "calling bad:build(**args) failed: ValueError: no checkpoint"),
    ("exits when called", "import sys\ndef build():\n    sys.exit('bye')\n", "bad:build", "{}",
     "calling bad:build(**args) failed: SystemExit: bye"),
    ("wrong args", "from models.mlp import build\n", "bad:build", "{hidden: 8, colour: red}",
     "unexpected keyword argument 'colour'"),
    ("missing .pt2", None, "nowhere.pt2", "{}", "nowhere.pt2 does not exist"),
    ("garbage .pt2", b"not a zip", "garbage.pt2", "{}", "cannot load {folder}/garbage.pt2 as an ExportedProgram"),
]


@pytest.mark.parametrize(("module", "source", "args", "expected"), [c[1:] for c in SOURCE_CASES],
                         ids=[c[0] for c in SOURCE_CASES])
def test_bad_source_is_one_clear_message(cli, project, module, source, args, expected):
    folder, repo = project
    if isinstance(module, bytes):
        (folder / source).write_bytes(module)
    elif module is not None:
        (folder / "bad.py").write_text(module)
    spec = edited(folder, MLP_SOURCE, f"    source: {source}\n    args: {args}\n")
    spec.write_text(spec.read_text().replace("    args: {features: 16, hidden: 64, classes: 10}\n", "", 1))
    output = assert_refused(cli, spec, repo, "model 'mlp': source", expected.format(folder=folder))
    assert "nothing written" in output


def test_a_shape_the_model_cannot_take_is_one_message_in_a_real_process(project):
    """The model cannot take the declared shape: one message naming the model, the input and the
    user's line, never torch's internal tracebacks (a real process: the CLI runner swaps sys.stderr,
    and logging handlers write to the original one)."""
    folder, repo = project
    spec = edited(folder, "shape: [batch, 16]", "shape: [batch, 17]")
    before = tree(repo)
    result = subprocess.run([sys.executable, "-m", "trtrepo", "build", str(spec), "--repo", str(repo), "--model", "mlp",
                             "--cache-dir", str(folder / "cache"), "-q"], capture_output=True, text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {spec}: model 'mlp': the model raised on inputs models.yaml allows "
                                    "(features [8, 17]): RuntimeError: mat1 and mat2 shapes cannot be multiplied"), \
        result.stderr
    assert "models/mlp.py:15: h = torch.relu(self.inp(x))" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) < 10, result.stderr
    assert tree(repo) == before, "a failed build must not touch the repository"
    staging = staging_area_path(repo, folder / "cache")
    assert tree(staging) == {}, f"the failed build left staging files: {sorted(tree(staging))}"
