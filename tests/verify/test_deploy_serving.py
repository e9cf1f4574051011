"""The configs Triton is picky about, served and verified over the wire (per-sample scalars arrive
as [batch, 1], Triton's reading of dims [1] + reshape []; 0-d results as [1]; bool/int64 I/O)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURES
from trtrepo.build import BuildOptions, build_project
from trtrepo.serve import TritonServer
from trtrepo.serve.derived import derive_repository
from trtrepo.spec import load_project

DEPLOY = FIXTURES / "deploy" / "models.yaml"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy-serve")
    repo = tmp / "repo"
    assert build_project(load_project(DEPLOY).models, BuildOptions(repo, cache_dir=tmp / "cache")).exit_code == 0
    derive_repository(repo, tmp / "derived", "reference")
    with TritonServer(tmp / "derived", http_port=0, grpc_port=0, metrics_port=0, log_file=tmp / "triton.log") as up:
        yield repo, up


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_picky_configs_verify_over_the_wire(served, cli, protocol, tmp_path):
    repo, server = served
    url = server.url_http if protocol == "http" else server.url_grpc
    report = tmp_path / "verify.json"
    result = cli("verify", DEPLOY, "--repo", repo, "--url", url, "--protocol", protocol, "--samples", "4",
                 "--report", report)
    assert result.exit_code == 0, result.output
    cases = json.loads(report.read_text())["cases"]
    assert {c["model"] for c in cases} == {"score", "total", "single", "flags", "production", "unbatched_scheduler"}
    score = next(c for c in cases if c["model"] == "score" and c["case"] == "max")
    assert score["outputs"][0]["shape"] == [8], "compared in the model's shape: [batch]"


def test_a_per_sample_scalar_reaches_clients_as_batch_by_one(served):
    import numpy as np
    import tritonclient.http as http

    _, server = served
    client = http.InferenceServerClient(server.url_http)
    request = http.InferInput("x", [3, 8], "FP32")
    request.set_data_from_numpy(np.ones((3, 8), dtype=np.float32))
    answer = client.infer("score", [request]).as_numpy("score")
    assert answer.shape == (3, 1)
