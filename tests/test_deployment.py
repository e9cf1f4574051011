"""Deployable on a real GPU Triton: targets, configs Triton accepts, production options, fleets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import EXAMPLES, FIXTURES, tree
from trtrepo.check import check_model
from trtrepo.repository import parse_config, read_config
from trtrepo.spec import load_project

DEPLOY = FIXTURES / "deploy"


@pytest.fixture
def deploy(tmp_path) -> Path:
    folder = tmp_path / "deploy"
    shutil.copytree(DEPLOY, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The fixture models built once, with --check."""
    from click.testing import CliRunner

    from trtrepo.cli import main

    repo = tmp_path_factory.mktemp("deploy") / "repo"
    result = CliRunner().invoke(main, ["build", str(DEPLOY / "models.yaml"), "--repo", str(repo), "--check"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return repo, result.output


def test_every_picky_model_builds_with_check(built):
    repo, output = built
    for name in ("score", "total", "single", "flags", "production", "unbatched_scheduler"):
        record = json.loads((repo / name / "trtrepo.json").read_text())
        assert record["check"]["passed"], name


def test_a_scalar_per_sample_is_dims_1_reshaped_to_a_scalar(built):
    config = read_config(built[0] / "score")
    (output,) = config.output
    assert list(output.dims) == [1] and output.HasField("reshape") and list(output.reshape.shape) == []


def test_a_0d_result_without_batching_is_served_as_one_element(built):
    config = read_config(built[0] / "total")
    (output,) = config.output
    assert list(output.dims) == [1] and not output.HasField("reshape")
    spec = load_project(DEPLOY / "models.yaml").select(["total"])[0]
    results = check_model(spec)
    assert all(r.passed for r in results) and results[0].outputs[0].shape == [1]


def test_max_batch_size_1_builds_with_a_static_batch_dim(built):
    config = read_config(built[0] / "single")
    record = json.loads((built[0] / "single" / "trtrepo.json").read_text())
    assert config.max_batch_size == 1 and list(config.input[0].dims) == [8]
    assert record["io"]["inputs"][0]["shape"] == [1, 8]


def test_dynamic_batching_is_written_either_way(built):
    text = (built[0] / "unbatched_scheduler" / "config.pbtxt").read_text()
    assert "dynamic_batching {" not in text
    assert "# dynamic_batching: off, as models.yaml says" in text and "--disable-auto-complete-config" in text
    assert read_config(built[0] / "flags").HasField("dynamic_batching")


def test_production_options_reach_the_config(built):
    config = read_config(built[0] / "production")
    assert [(g.count, list(g.gpus), list(g.profile)) for g in config.instance_group] == [
        (2, [0], ["0", "1"]), (1, [1], ["0", "1"])]
    assert [g.kind for g in config.instance_group] == [config.instance_group[0].KIND_GPU] * 2
    assert [(w.name, w.batch_size) for w in config.model_warmup] == [
        ("p0.min", 1), ("p0.opt", 2), ("p0.max", 4), ("p1.min", 5), ("p1.opt", 8)]
    assert all(w.inputs["x"].random_data and list(w.inputs["x"].dims) == [8] for w in config.model_warmup)
    cuda = config.optimization.cuda
    assert cuda.graphs and [s.batch_size for s in cuda.graph_spec] == [1, 2, 4, 5, 8]
    assert all(list(s.input["x"].dim) == [8] for s in cuda.graph_spec)
    assert config.response_cache.enable and config.optimization.priority == config.optimization.PRIORITY_MAX
    zero = read_config(built[0] / "unbatched_scheduler").model_warmup
    assert [(w.name, w.count, w.inputs["x"].zero_data) for w in zero] == [
        ("min", 2, True), ("opt", 2, True)]


def test_warmup_with_the_users_samples_writes_the_data_files(deploy, cli, tmp_path):
    samples = deploy / "samples"
    samples.mkdir()
    np.savez(samples / "a.npz", x=np.arange(24, dtype=np.float32).reshape(3, 8))
    text = (deploy / "models.yaml").read_text().replace(
        "    warmup: {data: zero, count: 2}\n",
        "    warmup: {data: samples}\n    verify: {inputs: [samples/a.npz]}\n")
    (deploy / "models.yaml").write_text(text)
    result = cli("build", deploy / "models.yaml", "--repo", tmp_path / "repo", "--model", "unbatched_scheduler")
    assert result.exit_code == 0, result.output
    model = tmp_path / "repo" / "unbatched_scheduler"
    (warmup,) = read_config(model).model_warmup
    assert warmup.batch_size == 3 and warmup.inputs["x"].input_data_file == "sample0_x"
    data = (model / "warmup" / "sample0_x").read_bytes()
    assert np.frombuffer(data, dtype=np.float32).tolist() == list(range(8)), "one sample, row-major, raw"


def test_warmup_from_samples_needs_sample_files(deploy, cli, tmp_path):
    text = (deploy / "models.yaml").read_text().replace("warmup: {data: zero, count: 2}", "warmup: {data: samples}")
    (deploy / "models.yaml").write_text(text)
    result = cli("build", deploy / "models.yaml", "--repo", tmp_path / "repo")
    assert result.exit_code == 2
    assert "model 'unbatched_scheduler': warmup.data: 'samples' warms up with verify.inputs" in result.output


# ---- targets ------------------------------------------------------------------------------------

def test_an_rtx_build_for_a_triton_target_is_refused_saying_why_and_what_to_do(cli, tmp_path):
    folder = tmp_path / "ex"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__", "zoo", "hf"))
    text = (folder / "models.yaml").read_text().replace(
        "defaults:\n", 'defaults:\n  target: {triton: "24.10", gpus: [sm_80, sm_90]}\n')
    (folder / "models.yaml").write_text(text)
    result = cli("build", folder / "models.yaml", "--repo", tmp_path / "repo")
    assert result.exit_code == 2
    assert "model 'mlp': the plan would not load on the target, Triton 24.10 (TensorRT 10.5.0.18) on sm_80, sm_90" \
        in result.output
    assert "TensorRT flavour: built with TensorRT for RTX" in result.output
    assert "fix: rebuild with full TensorRT 10.5.0.18 (the version in Triton 24.10)" in result.output
    assert "build with `--target proof`" in result.output
    assert tree(tmp_path / "repo") == {}


def test_the_proof_target_is_said_on_every_line_and_recorded(cli, tmp_path):
    repo = tmp_path / "repo"
    result = cli("build", EXAMPLES / "models.yaml", "--repo", repo, "--target", "proof")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "built: " in line]
    assert len(lines) == 2 and all("proof build (TensorRT for RTX): not loadable by Triton" in line for line in lines)
    record = json.loads((repo / "mlp" / "trtrepo.json").read_text())
    assert record["target"]["kind"] == "proof" and record["device"] == {"name": None, "compute_capability": None}
    parameters = read_config(repo / "mlp").parameters
    assert "no Triton server can load it" in parameters["trtrepo_target"].string_value
    inspected = cli("inspect", repo, "--target", "proof")
    assert inspected.exit_code == 1 and "NOT" in inspected.output


def test_without_a_target_tensorrt_for_rtx_makes_a_proof_build(cli, tmp_path):
    result = cli("build", EXAMPLES / "models.yaml", "--repo", tmp_path / "repo", "--model", "mlp")
    assert result.exit_code == 0 and "proof build" in result.output
    assert json.loads((tmp_path / "repo" / "mlp" / "trtrepo.json").read_text())["target"]["kind"] == "proof"


@pytest.mark.parametrize(("target", "says"), [
    ('{triton: "24.1O", gpus: [sm_80]}', "target.triton: '24.1O' is not a Triton container release"),
    ('{triton: "24.11", gpus: [sm_80]}', "has no TensorRT version for Triton 24.11's py3 container"),
    ('{triton: "24.10"}', "target"),
])
def test_a_target_models_yaml_cannot_mean_is_a_spec_error(write_yaml, cli, tmp_path, target, says):
    path = write_yaml(f"""
        models:
          - name: m
            source: models.mlp:build
            target: {target}
            inputs: [{{name: x, dtype: fp32, shape: [16]}}]
        """)
    result = cli("build", path, "--repo", tmp_path / "repo")
    assert result.exit_code == 2
    assert "invalid model specification" in result.output and "model 'm': target" in result.output
    assert says in result.output


# ---- fleets of GPU types ------------------------------------------------------------------------

def test_two_gpu_labels_share_one_model_version(deploy, cli, tmp_path):
    repo = tmp_path / "repo"
    for label in ("sm_80", "9.0"):
        result = cli("build", deploy / "models.yaml", "--repo", repo, "--model", "score", "--gpu-label", label)
        assert result.exit_code == 0, result.output
    model = repo / "score"
    assert sorted(p.name for p in (model / "1").iterdir()) == ["model.sm_80.plan", "model.sm_90.plan"]
    config = read_config(model)
    assert dict(config.cc_model_filenames) == {"8.0": "model.sm_80.plan", "9.0": "model.sm_90.plan"}
    record = json.loads((model / "trtrepo.json").read_text())
    assert sorted(record["plans"]) == ["sm_80", "sm_90"]
    sm80 = (model / "1" / "model.sm_80.plan").read_bytes()
    assert record["plans"]["sm_80"]["plan_bytes"] == len(sm80)
    inspected = cli("inspect", repo, "--model", "score")
    assert "plans for sm_80, sm_90" in inspected.output
    assert "model.sm_80.plan matches its build record" in inspected.output
    # Another models.yaml entry under the same name: the sm_80 plan would no longer match one config.
    text = (deploy / "models.yaml").read_text().replace("outputs: [{name: score}]", "outputs: [{name: value}]", 1)
    (deploy / "models.yaml").write_text(text)
    before = tree(repo)
    refused = cli("build", deploy / "models.yaml", "--repo", repo, "--model", "score", "--gpu-label", "sm_90")
    assert refused.exit_code == 2
    assert "the plans for sm_80 in version 1 were built from another program, models.yaml entry or network" in refused.output
    assert tree(repo) == before


def test_a_gpu_label_must_name_an_architecture(cli, tmp_path):
    result = cli("build", EXAMPLES / "models.yaml", "--repo", tmp_path / "repo", "--gpu-label", "hopper")
    assert result.exit_code == 2 and "--gpu-label 'hopper': name a GPU architecture" in result.output


def test_configs_parse_as_triton_model_configs(built):
    for model in built[0].iterdir():
        parse_config((model / "config.pbtxt").read_text(), model.name)
