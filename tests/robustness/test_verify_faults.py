"""verify against a real Triton that misbehaves: a slow model, a model unloaded mid-run, a server
killed mid-run, no server at all. Each affected model is reported with the reason, the run goes on
to the other models, the report is written, and the exit code says something was unreachable.

The served models are tiny Python-backend models (`y = 2 x`, optionally sleeping, or killing the
server); models.yaml declares them with an eager `x * 2` module, so the healthy ones pass.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import tritonclient.http as httpclient

from tests.conftest import ROOT
from trtrepo.serve import TritonServer, free_port, python_backend_preamble

CONFIG = """name: "{name}"
backend: "python"
max_batch_size: 0
input [ {{ name: "INPUT0" data_type: TYPE_FP32 dims: [ 4 ] }} ]
output [ {{ name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 4 ] }} ]
instance_group [ {{ kind: KIND_CPU count: 1 }} ]
parameters {{ key: "behaviour" value: {{ string_value: "{behaviour}" }} }}
"""
MODEL = """
import json, os, signal, time
import numpy as np
import triton_python_backend_utils as pb_utils

class TritonPythonModel:
    def initialize(self, args):
        self.behaviour = json.loads(args["model_config"])["parameters"]["behaviour"]["string_value"]

    def execute(self, requests):
        if self.behaviour == "kill":  # the whole server goes down, stubs included
            os.killpg(os.getpgid(0), signal.SIGKILL)
        time.sleep(float(self.behaviour))
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_numpy()
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT0", (x * 2).astype(np.float32))]))
        return responses
"""
EAGER = """
import torch

class Double(torch.nn.Module):
    def forward(self, x):
        return x * 2

def double():
    return Double()
"""
ENTRY = """  - name: {name}
    source: doubling:double
    inputs: [{{name: INPUT0, dtype: fp32, shape: [4]}}]
    outputs: [{{name: OUTPUT0}}]
"""


def triton_repository(folder: Path, models: dict[str, str]) -> Path:
    for name, behaviour in models.items():
        (folder / name / "1").mkdir(parents=True)
        (folder / name / "config.pbtxt").write_text(CONFIG.format(name=name, behaviour=behaviour))
        (folder / name / "1" / "model.py").write_text(python_backend_preamble() + MODEL)
    return folder


def models_yaml(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doubling.py").write_text(EAGER)
    path = folder / "models.yaml"
    path.write_text("models:\n" + "".join(ENTRY.format(name=n) for n in names))
    return path


def start(folder: Path, models: dict[str, str]) -> TritonServer:
    server = TritonServer(triton_repository(folder / "triton", models), http_port=0, grpc_port=0, metrics_port=0,
                          log_file=folder / "triton.log", startup_timeout=60,
                          extra_args=("--model-control-mode=explicit", "--load-model=*"))
    return server.start()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    up = start(tmp_path_factory.mktemp("faults"), {"first": "0", "slow": "3", "victim": "0.4", "last": "0"})
    try:
        yield up
    finally:
        up.stop()


def run_verify(cli, spec: Path, url: str, tmp_path: Path, *options: str) -> tuple[object, dict, str]:
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    # These hand-written Python-backend models have no trtrepo build: the reference is the source.
    result = cli("verify", spec, "--reference", "source", "--url", url, "--report", report, "--junit", junit,
                 "--wait", "5", *options)
    assert "Traceback" not in result.output
    assert report.is_file() and junit.is_file(), "the report is written whatever happened"
    return result, json.loads(report.read_text()), junit.read_text()


def wait_for_inferences(control, model: str, count: int, deadline: float,
                        unless: threading.Event | None = None) -> bool:
    """True once ``model`` has run ``count`` inferences; False at ``deadline`` or once ``unless`` is set."""
    while time.monotonic() < deadline and not (unless is not None and unless.is_set()):
        stats = control.get_inference_statistics(model)["model_stats"]
        if stats and stats[0]["inference_count"] >= count:
            return True
        time.sleep(0.02)
    return False


def by_model(data: dict) -> dict[str, list[dict]]:
    cases: dict[str, list[dict]] = {}
    for case in data["cases"]:
        cases.setdefault(case["model"], []).append(case)
    return cases


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_a_slow_model_times_out_and_the_others_still_run(cli, server, tmp_path, protocol):
    spec = models_yaml(tmp_path / "spec", ["first", "slow", "last"])
    url = server.url_http if protocol == "http" else server.url_grpc
    started = time.monotonic()
    result, data, junit = run_verify(cli, spec, url, tmp_path, "--protocol", protocol, "--timeout", "1",
                                     "--samples", "2")
    assert result.exit_code == 2, result.output
    assert time.monotonic() - started < 30, "a timeout is not retried into a long wait"
    cases = by_model(data)
    assert all(c["passed"] for c in cases["first"] + cases["last"]) and len(cases["last"]) == 2
    assert [c["category"] for c in cases["slow"]] == ["unavailable", "unavailable"]
    for case in cases["slow"]:
        assert "inference on model 'slow': no answer within 1 s (--timeout)" in case["error"]
    assert "slow [min]: inference on model 'slow': no answer within 1 s" in result.output
    assert 'errors="2"' in junit


def test_a_model_unloaded_mid_run_is_reported(cli, server, tmp_path):
    spec = models_yaml(tmp_path / "spec", ["first", "victim", "last"])

    unloaded = threading.Event()

    def unload_after_first_request():
        control = httpclient.InferenceServerClient(server.url_http)  # gevent-based: one per thread
        if wait_for_inferences(control, "victim", 1, deadline=time.monotonic() + 60):
            control.unload_model("victim")
            unloaded.set()

    unloader = threading.Thread(target=unload_after_first_request, daemon=True)
    unloader.start()
    try:
        result, data, _ = run_verify(cli, spec, server.url_http, tmp_path, "--samples", "6")
    finally:
        unloader.join(90)
        httpclient.InferenceServerClient(server.url_http).load_model("victim")
    assert not unloader.is_alive(), "the unloading thread did not end within 90 s"
    assert unloaded.is_set(), f"'victim' was never unloaded: no inference on it within 60 s\n{result.output}"
    assert result.exit_code == 2, result.output
    cases = by_model(data)
    victim = cases["victim"]
    assert victim[0]["passed"], "the first request ran before the unload"
    failed = [c for c in victim if not c["passed"]]
    assert failed and all(c["category"] == "unavailable" for c in failed)
    assert all("Request for unknown model: 'victim'" in c["error"] for c in failed), failed
    assert all(c["passed"] for c in cases["first"] + cases["last"]) and len(cases["last"]) == 6


def test_a_server_killed_mid_run_is_reported(cli, tmp_path):
    server = start(tmp_path / "server", {"first": "0", "killer": "kill", "last": "0"})
    try:
        spec = models_yaml(tmp_path / "spec", ["first", "killer", "last"])
        result, data, junit = run_verify(cli, spec, server.url_http, tmp_path, "--samples", "2")
    finally:
        server.stop()
    assert result.exit_code == 2, result.output
    cases = by_model(data)
    assert all(c["passed"] for c in cases["first"])
    assert [c["case"] for c in cases["killer"]] == ["min", "opt"]
    assert [c["case"] for c in cases["last"]] == ["ready"]
    for case in cases["killer"] + cases["last"]:
        assert case["category"] == "unavailable"
        assert "Connection refused" in case["error"] or "Connection reset" in case["error"], case["error"]
    assert "last [ready]: model 'last' readiness: [Errno 111] Connection refused" in result.output
    assert 'tests="5"' in junit and 'errors="3"' in junit


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_a_server_that_hangs_mid_run_is_reported(tmp_path, protocol):
    """SIGSTOP: the server still accepts connections but never answers; every call must time out."""
    server = start(tmp_path / "server", {"first": "0.3", "last": "0"})
    hung, verify_ended = threading.Event(), threading.Event()

    def hang_after_first_request():
        control = httpclient.InferenceServerClient(server.url_http)
        if wait_for_inferences(control, "first", 1, deadline=time.monotonic() + 60, unless=verify_ended):
            os.kill(server.pid, signal.SIGSTOP)
            hung.set()

    hanger = threading.Thread(target=hang_after_first_request, daemon=True)
    hanger.start()
    try:
        spec = models_yaml(tmp_path / "spec", ["first", "last"])
        url = server.url_http if protocol == "http" else server.url_grpc
        started = time.monotonic()
        # A child process, so that a call without a deadline fails this test instead of hanging it.
        result = subprocess.run([sys.executable, "-m", "trtrepo", "verify", str(spec), "--reference", "source",
                                 "--url", url, "--protocol", protocol, "--timeout", "1", "--samples", "3", "--report", str(tmp_path / "r.json")],
                                capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
        elapsed = time.monotonic() - started
    finally:
        verify_ended.set()
        hanger.join(90)
        os.kill(server.pid, signal.SIGCONT)
        server.stop()
    assert not hanger.is_alive(), "the hanging thread did not end within 90 s"
    assert hung.is_set(), f"the server was never stopped: no inference on 'first' within 60 s\n{result.stderr}"
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert elapsed < 30, f"every call is bounded by --timeout ({elapsed:.1f} s)"
    cases = by_model(json.loads((tmp_path / "r.json").read_text()))
    assert cases["first"][0]["passed"], cases["first"][0]  # answered before the server hung
    assert all("no answer within 1 s (--timeout)" in c["error"] for c in cases["first"][1:] + cases["last"])
    assert [c["case"] for c in cases["last"]] == ["ready"]


def test_no_server_still_writes_the_report(cli, tmp_path):
    spec = models_yaml(tmp_path / "spec", ["first", "last"])
    report = tmp_path / "report.json"
    result = cli("verify", spec, "--url", f"localhost:{free_port()}", "--wait", "1", "--report", report)
    assert result.exit_code == 2
    assert result.output.count("error: Triton server at localhost:") == 1, "said once, not once per model"
    assert "is not live and ready after 1 s: is it running (`trtrepo serve REPO`)" in result.output
    assert "first [ready]" not in result.output
    data = json.loads(report.read_text())
    assert data["problem"].startswith("Triton server at localhost:")
    assert [(c["model"], c["case"], c["category"]) for c in data["cases"]] == [
        ("first", "ready", "unavailable"), ("last", "ready", "unavailable")]
