"""The serving loop against a real Triton server (no mocks): serve a built repository, verify it.

One server serves three models: the two examples, and ``mlp_perturbed`` — built from the MLP with
other weights, so verify (whose eager reference uses the declared weights) must catch it. A fourth
model, ``broken``, fails to load on purpose, to prove "model not ready" is reported.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from trtrepo.build import BuildOptions, build_project
from trtrepo.serve import TritonServer
from trtrepo.serve.derived import SNAPSHOT_DIR, derive_repository
from trtrepo.spec import load_project

WRONG_WEIGHTS = """
models:
  - name: mlp_perturbed
    source: models.mlp:build
    args: {{features: 16, hidden: 64, classes: 10, seed: {seed}}}
    max_batch_size: 8
    inputs: [{{name: features, dtype: fp32, shape: [batch, 16]}}]
    outputs: [{{name: logits}}]
"""

LOW_PRECISION_IO = """
models:
  - name: mlp_half
    source: models.mlp:build
    precision: fp16
    max_batch_size: 8
    inputs: [{name: features, dtype: fp16, shape: [batch, 16]}]
    outputs: [{name: logits, dtype: fp16}]
  - name: mlp_bf16
    source: models.mlp:build
    precision: bf16
    max_batch_size: 8
    inputs: [{name: features, dtype: bf16, shape: [batch, 16]}]
    outputs: [{name: logits, dtype: bf16}]
"""

NARROW_PROFILE = """
models:
  - name: mlp_rows
    source: models.mlp:build
    inputs: [{name: features, dtype: fp32, shape: [{min: 2, max: 6, multiple_of: 2}, 16]}]
    outputs: [{name: logits}]
"""


def _yaml_beside_examples(tmp: Path, name: str, text: str) -> Path:
    """A models.yaml in a copy of examples/ so `models.mlp` imports from there."""
    folder = tmp / name
    shutil.copytree(EXAMPLES, folder)
    path = folder / "models.yaml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serve")
    repo = tmp / "repo"
    assert build_project(load_project(EXAMPLES / "models.yaml").models, BuildOptions(repo)).exit_code == 0
    perturbed = _yaml_beside_examples(tmp, "built", WRONG_WEIGHTS.format(seed=1))
    assert build_project(load_project(perturbed).models, BuildOptions(repo)).exit_code == 0
    low = _yaml_beside_examples(tmp, "low", LOW_PRECISION_IO)
    assert build_project(load_project(low).models, BuildOptions(repo)).exit_code == 0
    narrow = _yaml_beside_examples(tmp, "narrow", NARROW_PROFILE)
    assert build_project(load_project(narrow).models, BuildOptions(repo)).exit_code == 0
    # A model that cannot load: its stored program is missing (from the snapshot serve loads).
    shutil.copytree(repo / "mlp", repo / "broken")
    config = (repo / "broken" / "config.pbtxt").read_text().replace('name: "mlp"', 'name: "broken"')
    (repo / "broken" / "config.pbtxt").write_text(config)
    derive_repository(repo, tmp / "derived", "reference")
    (tmp / "derived" / "broken" / SNAPSHOT_DIR / "program.pt2").unlink()
    with TritonServer(tmp / "derived", http_port=0, grpc_port=0, metrics_port=0,
                      log_file=tmp / "triton.log", require_all_models=False) as running:
        running.tmp = tmp
        yield running


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_examples_verify_green(server, cli, protocol, tmp_path):
    url = server.url_http if protocol == "http" else server.url_grpc
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    result = cli("verify", EXAMPLES / "models.yaml", "--repo", server.tmp / "repo", "--url", url, "--protocol", protocol, "--samples", "4",
                 "--concurrency", "2", "--report", report, "--junit", junit)
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert data["passed"] is True
    assert {(c["model"], c["case"]) for c in data["cases"]} == {
        (m, c) for m in ("mlp", "cnn") for c in ("min", "opt", "max", "random1")}
    assert all(c["outputs"][0]["max_abs"] < 1e-5 for c in data["cases"])
    assert set(data["latency"]) == {"mlp", "cnn"} and data["latency"]["mlp"]["p50_ms"] > 0
    record = json.loads((server.tmp / "repo" / "mlp" / "trtrepo.json").read_text())
    assert data["served"]["mlp"] == {"trtrepo_network_fingerprint": record["network_fingerprint"],
                                     "trtrepo_plan_sha256": record["plan_sha256"]}, "tied to the exact plan"
    assert 'tests="8"' in junit.read_text() and 'failures="0"' in junit.read_text()


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_fp16_and_bf16_tensors_cross_the_wire(server, cli, protocol, tmp_path):
    spec = _yaml_beside_examples(tmp_path, "low", LOW_PRECISION_IO)
    url = server.url_http if protocol == "http" else server.url_grpc
    report = tmp_path / "report.json"
    result = cli("verify", spec, "--repo", server.tmp / "repo", "--url", url, "--protocol", protocol, "--samples", "3",
                 "--report", report)
    assert result.exit_code == 0, result.output
    cases = json.loads(report.read_text())["cases"]
    assert {c["model"] for c in cases} == {"mlp_half", "mlp_bf16"}
    for case in cases:
        out = case["outputs"][0]
        assert out["dtype"] == "float32"  # judged against the fp32 eager reference
        assert 0 < out["max_abs"] < out["tolerance"]["atol"], "low precision shows (bounded) error"


def test_wrong_weights_fail_naming_model_and_output(server, cli, tmp_path):
    declared = _yaml_beside_examples(tmp_path, "declared", WRONG_WEIGHTS.format(seed=0))
    report = tmp_path / "report.json"
    result = cli("verify", declared, "--repo", server.tmp / "repo", "--reference", "source", "--url", server.url_http,
                 "--samples", "3", "--report", report)
    assert result.exit_code == 1, result.output
    data = json.loads(report.read_text())
    failed = [(c["model"], o["name"]) for c in data["cases"] for o in c["outputs"] if not o["passed"]]
    assert failed and set(failed) == {("mlp_perturbed", "logits")}
    assert "mlp_perturbed" in result.output and "FAIL" in result.output


def test_declared_shape_and_dtype_mismatch_reported(server, cli, tmp_path):
    text = (EXAMPLES / "models.yaml").read_text().replace("shape: [batch, 16]", "shape: [batch, 17]")
    text = text.replace("dtype: fp32\n        shape: [{min: 1", "dtype: fp16\n        shape: [{min: 1")
    spec = _yaml_beside_examples(tmp_path, "mismatch", text)
    result = cli("verify", spec, "--repo", server.tmp / "repo", "--url", server.url_http, "--samples", "3")
    assert result.exit_code == 1
    assert "mlp [contract]: served model differs from models.yaml" in result.output
    assert "input 'features': dims: server [16], models.yaml [17]" in result.output
    assert "input 'image': data type: server TYPE_FP32, models.yaml TYPE_FP16" in result.output


def test_model_not_ready_exits_2_and_others_still_run(server, cli, tmp_path):
    text = (EXAMPLES / "models.yaml").read_text() + """
  - name: broken
    source: models.mlp:build
    max_batch_size: 8
    inputs: [{name: features, dtype: fp32, shape: [batch, 16]}]
    outputs: [{name: logits}]
"""
    spec = _yaml_beside_examples(tmp_path, "broken", text)
    report = tmp_path / "report.json"
    result = cli("verify", spec, "--repo", server.tmp / "repo", "--url", server.url_http, "--samples", "3",
                 "--report", report)
    assert result.exit_code == 2
    assert "model 'broken' is not ready on the server" in result.output
    data = json.loads(report.read_text())
    assert all(c["passed"] for c in data["cases"] if c["model"] in ("mlp", "cnn"))
    assert len([c for c in data["cases"] if c["model"] in ("mlp", "cnn")]) == 6


def test_server_down_exits_2(cli):
    from trtrepo.serve import free_port

    result = cli("verify", EXAMPLES / "models.yaml", "--url", f"localhost:{free_port()}", "--wait", "1")
    assert result.exit_code == 2
    assert "is not live and ready after 1 s" in result.output


def test_served_config_keeps_names_and_shows_mode(server):
    import tritonclient.http as http

    client = http.InferenceServerClient(server.url_http)
    config = client.get_model_config("cnn")
    assert config["backend"] == "python"
    assert config["parameters"]["trtrepo_execution_mode"]["string_value"] == "reference"
    assert [i["name"] for i in config["input"]] == ["image"] and config["max_batch_size"] == 4


def test_compare_the_served_model_with_the_repository_network(server, cli, tmp_path):
    report = tmp_path / "compare.json"
    result = cli("compare", EXAMPLES / "models.yaml", "--model", "cnn", "--expected", "repository", "--got",
                 "triton", "--repo", server.tmp / "repo", "--url", server.url_grpc, "--protocol", "grpc",
                 "--report", report)
    assert result.exit_code == 0, result.output
    cases = json.loads(report.read_text())["cases"]
    assert [c["case"] for c in cases] == ["min", "opt", "max"]
    assert all(c["outputs"][0]["max_abs"] == 0 for c in cases), "the server runs exactly the repository's network"


def test_compare_catches_other_weights_in_the_repository(server, cli, tmp_path):
    same = _yaml_beside_examples(tmp_path, "same", WRONG_WEIGHTS.format(seed=1))
    other = _yaml_beside_examples(tmp_path, "other", WRONG_WEIGHTS.format(seed=2))
    repo = server.tmp / "repo"
    result = cli("compare", same, "--expected", "eager", "--got", "program", "--repo", repo)
    assert result.exit_code == 0, result.output  # the stored program holds the weights seed 1 builds
    result = cli("compare", other, "--expected", "eager", "--got", "program", "--repo", repo)
    assert result.exit_code == 1, result.output
    assert "mlp_perturbed [max]: output 'logits': out of tolerance" in result.output


def test_verify_refuses_a_server_serving_another_build(server, cli, tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(server.tmp / "repo", repo)
    record_path = repo / "mlp" / "trtrepo.json"
    record = json.loads(record_path.read_text())
    record["plan_sha256"] = "0" * 64  # the repository's build is now another than the one served
    record_path.write_text(json.dumps(record))
    result = cli("verify", EXAMPLES / "models.yaml", "--model", "mlp", "--repo", repo, "--url", server.url_http)
    assert result.exit_code == 1
    assert "trtrepo_plan_sha256: server" in result.output and "the server serves another build" in result.output


@pytest.mark.parametrize(("rows", "message"), [
    (8, "input 'features': model expected the shape of dimension 0 to be between 2 and 6 but received 8"),
    (3, "input 'features': model expected the shape of dimension 0 to be a multiple of 2 but received 3"),
])
def test_a_request_outside_the_profile_is_refused_as_the_engine_would(server, rows, message):
    """Triton's config says -1 for the rows; the engine's profile takes 2..6 in steps of 2. The served
    model refuses what the engine would refuse, in the TensorRT backend's words, and keeps serving."""
    import numpy as np
    import tritonclient.http as http
    from tritonclient.utils import InferenceServerException

    client = http.InferenceServerClient(server.url_http)
    assert client.get_model_config("mlp_rows")["input"][0]["dims"] == [-1, 16]

    def request(count: int):
        tensor = http.InferInput("features", [count, 16], "FP32")
        tensor.set_data_from_numpy(np.ones((count, 16), dtype=np.float32))
        return client.infer("mlp_rows", [tensor])

    with pytest.raises(InferenceServerException, match=re.escape(message)):
        request(rows)
    assert request(4).as_numpy("logits").shape == (4, 10)
