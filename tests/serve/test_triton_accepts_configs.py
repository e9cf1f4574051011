"""Triton's own validation: every repository the suite builds loads in a real tritonserver.

The server is pytriton's tritonserver with model auto-complete off, so Triton core checks each
config.pbtxt exactly as written (dims, reshape, batching, instance groups, warmup, CUDA graphs,
cc_model_filenames, ...). It has no TensorRT backend: the only failure allowed is "unable to find
backend library for backend 'tensorrt'", which Triton reports after the config passed. A config
error is reported instead as its own reason (or the model never reaches the index, its error
being in the server log), which fails this test — a deliberately broken config proves it does.
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import EXAMPLES, FIXTURES
from trtrepo.build import BuildOptions, build_project
from trtrepo.serve import TritonServer
from trtrepo.spec import load_project

MISSING_BACKEND = "unable to find backend library for backend 'tensorrt'"
SPECS = [EXAMPLES / "models.yaml", EXAMPLES / "zoo" / "models.yaml", EXAMPLES / "hf" / "models.yaml",
         FIXTURES / "deploy" / "models.yaml"]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """Each models.yaml built into its own repository (model names repeat across them), and each
    repository loaded by a real tritonserver: (spec, model names, model states, server log)."""
    tmp = tmp_path_factory.mktemp("triton-validation")
    results = []
    for index, spec in enumerate(SPECS):
        repo = tmp / f"repo{index}"
        models = load_project(spec).models
        report = build_project(models, BuildOptions(repo, cache_dir=tmp / "cache"))
        assert report.exit_code == 0, report.to_dict()
        names = [m.name for m in models]
        if index == 0:  # the negative control: a config Triton core must refuse (empty dims)
            shutil.copytree(repo / "mlp", repo / "broken_dims")
            config = (repo / "broken_dims" / "config.pbtxt").read_text().replace('name: "mlp"', 'name: "broken_dims"')
            (repo / "broken_dims" / "config.pbtxt").write_text(config.replace("dims: [ 16 ]", "dims: [ ]"))
        log = tmp / f"triton{index}.log"
        with TritonServer(repo, http_port=0, grpc_port=0, metrics_port=0, log_file=log, require_all_models=False,
                          startup_timeout=300) as server:
            states = {m.name: m for m in server.model_states()}
        results.append((spec, names, states, log.read_text(errors="replace")))
    return results


def test_triton_core_accepts_every_config_the_suite_builds(loaded):
    assert sum(len(names) for _, names, _, _ in loaded) >= 25
    refused = {}
    for spec, names, states, log in loaded:
        for name in names:
            state = states.get(name)
            if state is None or MISSING_BACKEND not in state.reason:
                mentions = [line for line in log.splitlines() if f"'{name}'" in line][-3:]
                refused[f"{spec.parent.name}/{name}"] = (state.state if state else "not in the index",
                                                         state.reason if state else "", mentions)
    assert not refused, refused


def test_a_broken_config_is_refused_for_its_config(loaded):
    _, _, states, log = loaded[0]
    state = states.get("broken_dims")
    assert state is None or MISSING_BACKEND not in state.reason
    said = (state.reason if state else "") + "\n".join(line for line in log.splitlines() if "broken_dims" in line)
    assert "must specify 'dims'" in said, said
