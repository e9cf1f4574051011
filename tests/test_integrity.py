"""What a green run proves: the served network is the plan's network.

A build records each plan's sha256 and the fingerprint of the network the plan was built from.
A swapped plan, a record edited by hand, and a converter that changed between build and serve are
each refused (serve, the reference runner serve uses, inspect), saying what differs and how to
rebuild.
"""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from tests.conftest import EXAMPLES
from trtrepo.build import BuildOptions, build_project
from trtrepo.convert.registry import REGISTRY
from trtrepo.errors import ServeError
from trtrepo.network_fingerprint import network_fingerprint
from trtrepo.runners.reference import ReferenceRunner
from trtrepo.spec import load_project

aten = torch.ops.aten


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    repo = tmp_path_factory.mktemp("integrity") / "repo"
    assert build_project(load_project(EXAMPLES / "models.yaml").models, BuildOptions(repo)).exit_code == 0
    return repo


@pytest.fixture
def repo(built, tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(built, copy)
    return copy


def test_the_record_names_the_network_the_plan_was_built_from(built):
    record = json.loads((built / "mlp" / "trtrepo.json").read_text())
    runner = ReferenceRunner.from_model_dir(built / "mlp")
    assert record["network_fingerprint"] == network_fingerprint(runner.converted.network)
    other = json.loads((built / "cnn" / "trtrepo.json").read_text())["network_fingerprint"]
    assert other != record["network_fingerprint"]


def test_a_swapped_plan_is_refused_by_serve_and_inspect(repo, cli, tmp_path):
    shutil.copy(repo / "cnn" / "1" / "model.plan", repo / "mlp" / "1" / "model.plan")
    result = cli("serve", repo, "--background", "--workdir", tmp_path / "work", "--http-port", 0, "--grpc-port", 0,
                 "--metrics-port", 0)
    assert result.exit_code == 2
    assert "model 'mlp'" in result.output and "is not the plan its build record names" in result.output
    assert "`trtrepo build models.yaml --model mlp --force`" in result.output
    assert not (tmp_path / "work" / "tritonserver.pid").exists(), "no server was started"
    inspected = cli("inspect", repo, "--model", "mlp", "--strict")
    assert inspected.exit_code == 1 and "does not match its build record's hash" in inspected.output


def test_a_record_edited_by_hand_is_refused(repo, cli):
    path = repo / "mlp" / "trtrepo.json"
    record = json.loads(path.read_text())
    record["network_fingerprint"] = "0" * 64
    path.write_text(json.dumps(record))
    with pytest.raises(ServeError, match=r"model 'mlp': the network rebuilt from its stored program "
                                         r"\(fingerprint [0-9a-f]{12}\) differs from the one its plan was built from "
                                         r"\(000000000000\)"):
        ReferenceRunner.from_model_dir(repo / "mlp")
    inspected = cli("inspect", repo, "--model", "mlp", "--strict")
    assert inspected.exit_code == 1 and "differs from the one its plan was built from" in inspected.output


def test_a_record_edited_by_hand_keeps_the_real_server_from_loading_it(repo, cli, tmp_path):
    path = repo / "cnn" / "trtrepo.json"
    record = json.loads(path.read_text())
    record["network_fingerprint"] = "f" * 64
    path.write_text(json.dumps(record))
    result = cli("serve", repo, "--background", "--workdir", tmp_path / "work", "--http-port", 0, "--grpc-port", 0,
                 "--metrics-port", 0)
    assert result.exit_code == 2
    assert "did not load" in result.output and "cnn" in result.output
    assert "differs from the one its plan was built from" in result.output


def test_a_converter_changed_since_the_build_is_refused(repo, monkeypatch, cli):
    entry = REGISTRY.entries[aten.relu.default]

    def changed(ctx, target, args, kwargs, name):  # same values, one more layer: another network
        out = entry.impl(ctx, target, args, kwargs, name)
        return ctx.network.add_identity(out).get_output(0)

    monkeypatch.setitem(REGISTRY.entries, aten.relu.default, entry.__class__(**{**entry.__dict__, "impl": changed}))
    with pytest.raises(ServeError, match="differs from the one its plan was built from"):
        ReferenceRunner.from_model_dir(repo / "mlp")
    inspected = cli("inspect", repo, "--model", "mlp", "--strict")
    assert inspected.exit_code == 1 and "the converter, trtrepo or the record changed since the build" \
        in inspected.output


@pytest.mark.parametrize(("spec", "model"), [(EXAMPLES / "zoo" / "models.yaml", "unet"),
                                             (EXAMPLES / "hf" / "models.yaml", "bert")])
def test_serve_rebuilds_the_plans_network_for_derived_dims_and_model_outputs(spec, model, tmp_path):
    """The UNet's sizes are multiples (derived dims); BERT returns a ModelOutput and takes keywords:
    both survive the stored program's round trip into exactly the network the plan came from."""
    repo = tmp_path / "repo"
    selected = load_project(spec).select([model])
    assert build_project(selected, BuildOptions(repo, cache_dir=tmp_path / "cache")).exit_code == 0
    runner = ReferenceRunner.from_model_dir(repo / model)  # verifies the fingerprint, or raises
    record = json.loads((repo / model / "trtrepo.json").read_text())
    assert network_fingerprint(runner.converted.network) == record["network_fingerprint"]
