"""Hugging Face models used directly (no wrapper, outputs named by field): build --check, serve, verify.

examples/hf/models.yaml points at ten plain `transformers` models built from small configs with
random weights: BERT, GPT-2, Llama, T5 encoder, ViT, Swin, ResNet, CLIP text, Whisper encoder and
wav2vec2. Each returns its own ModelOutput and takes its inputs by name.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLES
from trtrepo.serve import TritonServer
from trtrepo.serve.derived import derive_repository

HF = EXAMPLES / "hf" / "models.yaml"
ARCHITECTURES = ["bert", "gpt2", "llama", "t5_encoder", "vit", "swin", "resnet", "clip_text", "whisper_encoder",
                 "wav2vec2"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from click.testing import CliRunner

    from trtrepo.cli import main

    repo = tmp_path_factory.mktemp("hf") / "repo"
    result = CliRunner().invoke(main, ["build", str(HF), "--repo", str(repo), "--check", "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return repo


def test_every_architecture_builds_with_check_and_field_names(built):
    assert sorted(p.name for p in built.iterdir() if p.is_dir()) == sorted(ARCHITECTURES)
    for name in ARCHITECTURES:
        record = json.loads((built / name / "trtrepo.json").read_text())
        assert record["check"]["passed"], name
        assert record["inputs_by_name"] is True, name
    outputs = {n: [o["name"] for o in json.loads((built / n / "trtrepo.json").read_text())["outputs"]]
               for n in ARCHITECTURES}
    assert outputs["bert"] == ["last_hidden_state", "pooler_output"]
    assert outputs["vit"] == ["last_hidden_state", "pooler_output"], "declared out of order, kept in field order"
    assert outputs["wav2vec2"] == ["last_hidden_state", "extract_features"]
    assert outputs["gpt2"] == outputs["llama"] == outputs["whisper_encoder"] == ["last_hidden_state"]


@pytest.fixture(scope="module")
def server(built, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hf-serve")
    derive_repository(built, tmp / "derived", "reference")
    with TritonServer(tmp / "derived", http_port=0, grpc_port=0, metrics_port=0, log_file=tmp / "triton.log",
                      startup_timeout=300) as running:
        yield running


@pytest.mark.parametrize("protocol", ["http", "grpc"])
def test_every_architecture_verifies(built, server, cli, protocol, tmp_path):
    url = server.url_http if protocol == "http" else server.url_grpc
    report = tmp_path / "verify.json"
    result = cli("verify", HF, "--repo", built, "--url", url, "--protocol", protocol, "--samples", "4",
                 "--report", report)
    assert result.exit_code == 0, result.output
    cases = json.loads(report.read_text())["cases"]
    assert {c["model"] for c in cases} == set(ARCHITECTURES)
    assert all(c["passed"] for c in cases) and len(cases) == 4 * len(ARCHITECTURES)
    bert = next(c for c in cases if c["model"] == "bert")
    assert [o["name"] for o in bert["outputs"]] == ["last_hidden_state", "pooler_output"]
