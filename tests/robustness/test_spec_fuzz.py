"""Property-based: whatever garbage models.yaml holds, the loader answers with a SpecError or a sane project.

Four generators: raw text and bytes; arbitrary YAML documents; the example file with one part
replaced, removed or duplicated; and structurally plausible files with random numbers, names and
types (these reach the semantic rules: dims, batching, profiles).
"""

from __future__ import annotations

import copy
import datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES
from trtrepo.errors import SpecError
from trtrepo.spec import Project, load_project
from trtrepo.spec.schema import INT32_MAX, name_problem

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXAMPLE = yaml.safe_load((EXAMPLES / "models.yaml").read_text())
KEYS = ["name", "source", "inputs", "outputs", "shape", "dtype", "min", "opt", "max", "max_batch_size", "batch",
        "dynamic_batching", "profiles", "verify", "range", "tolerance", "atol", "build", "depends", "version",
        "precision", "args", "defaults", "models", "instance_count", "keep_versions", "preferred_batch_size"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 2, 8, 8.0, 0.5, -1, 2**31, "batch", "fp32", "fp16", "int64", "models.mlp:build",
                     "x.pt2", "..", "a/b", ".x", "mlр", "", " ", "\u200b", "\x00"]),
    st.text(max_size=12), st.dates(min_value=datetime.date(2000, 1, 1)),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=6), st.integers(-2, 3), st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=4)), max_leaves=25)


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "models.yaml"


def load(path: Path) -> Project | None:
    """load_project, asserting the only failure is a readable SpecError."""
    try:
        project = load_project(path)
    except SpecError as error:
        message = str(error)
        assert message.startswith(f"{path}: "), message
        assert error.problems and all(0 < len(p) < 600 for p in error.problems), error.problems
        return None
    for model in project.models:
        assert name_problem(model.name) is None
        assert isinstance(model.max_batch_size, int) and not isinstance(model.max_batch_size, bool)
        for tensor in model.inputs:
            for dim in tensor.shape:
                assert all(type(v) is int for v in (dim.min, dim.opt, dim.max)), dim
                assert 1 <= dim.min <= dim.opt <= dim.max <= INT32_MAX, dim
    return project


def dump(document: object) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text(spec_file, text):
    spec_file.write_text(text, encoding="utf-8")
    load(spec_file)


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_bytes(spec_file, data):
    spec_file.write_bytes(data)
    load(spec_file)


@FUZZ
@given(document=values)
def test_any_document(spec_file, document):
    spec_file.write_text(dump(document), encoding="utf-8")
    load(spec_file)


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, child in node.items():
            found += _paths(child, prefix + (key,))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _paths(child, prefix + (index,))
    return found


@FUZZ
@given(data=st.data(), replacement=values, action=st.sampled_from(["replace", "delete", "duplicate"]))
def test_example_with_one_part_broken(spec_file, data, replacement, action):
    document = copy.deepcopy(EXAMPLE)
    path = data.draw(st.sampled_from(_paths(document)[1:]))
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    if action == "replace":
        parent[path[-1]] = replacement
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, list):
        parent.append(copy.deepcopy(parent[path[-1]]))
    else:
        parent[f"{path[-1]}"] = copy.deepcopy(parent[path[-1]])
    spec_file.write_text(dump(document), encoding="utf-8")
    load(spec_file)


# ---- structurally plausible files: right keys and types, random sizes ------------------------------
sizes = st.integers(-2, 12) | st.sampled_from([2**31 - 1, 2**31])
dims = st.one_of(sizes, st.just("batch"), st.fixed_dictionaries(
    {"min": sizes, "max": sizes},
    optional={"opt": sizes, "name": st.sampled_from(["seq", "batch", "width", "1x"])}))
tensors = st.fixed_dictionaries(
    {"name": st.sampled_from(["x", "y", "mask", "x", "a b", "ü"]), "dtype": st.sampled_from(["fp32", "int64", "fp8"]),
     "shape": st.lists(dims, max_size=4)},
    optional={"range": st.lists(st.integers(-3, 3) | st.floats(), min_size=2, max_size=2)})
profiles = st.lists(st.dictionaries(st.sampled_from(["seq", "batch", "width", "nope"]),
                                    st.fixed_dictionaries({"min": sizes, "max": sizes}, optional={"opt": sizes}),
                                    min_size=1, max_size=2), min_size=1, max_size=3)
models = st.fixed_dictionaries(
    {"name": st.sampled_from(["m", "m", "M", "n", "../m"]), "source": st.sampled_from(["pkg.mod:build", "a.pt2", "x"]),
     "inputs": st.lists(tensors, min_size=1, max_size=2), "outputs": st.lists(st.fixed_dictionaries({"name": st.just("y")}),
                                                                             min_size=1, max_size=2)},
    optional={"max_batch_size": st.integers(0, 10) | st.just(2**31 - 1), "profiles": profiles,
              "dynamic_batching": st.booleans() | st.fixed_dictionaries(
                  {}, optional={"preferred_batch_size": st.lists(sizes, max_size=3)}),
              "precision": st.sampled_from(["fp32", "fp16", "int8"]), "version": st.integers(-1, 3)})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.fixed_dictionaries({"models": st.lists(models, min_size=1, max_size=3)},
                                      optional={"defaults": st.fixed_dictionaries(
                                          {}, optional={"max_batch_size": st.integers(0, 8)})}))
def test_plausible_files(spec_file, document):
    spec_file.write_text(dump(document), encoding="utf-8")
    load(spec_file)
