"""Outputs whose length depends on the input values, through the whole chain and the CLI.

The model (tests/fixtures/data_dependent.py) returns the scores above a threshold and their
subscripts (``x[mask]`` and ``nonzero``): ``check`` compares those lengths with eager PyTorch at
every shape point, config.pbtxt has -1 for them, ``build --check`` builds them with full TensorRT
and refuses them, precisely, with TensorRT for RTX (which implements no NonZero layer); batching
such an output is refused; a model that branches on such a length gets the torch._check advice.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from tritonclient.grpc import model_config_pb2

from tests.conftest import FIXTURES, tree
from trtrepo.capture_advice import explain
from trtrepo.convert.context import Capabilities
from trtrepo.errors import RepositoryError
from trtrepo.network import convert_model
from trtrepo.reference.registry import HANDLERS, LayerEntry
from trtrepo.repository import network_facts, parse_config, read_config, render_config
from trtrepo.serve import TritonServer
from trtrepo.spec import ModelSpec, load_project
from trtrepo.trt_flavour import flavour

BUILDS = Capabilities.of(flavour()).data_dependent_shapes

DETECTIONS = """
    models:
      - name: detections
        source: tests.fixtures.data_dependent:detections
        inputs: [{name: scores, dtype: fp32, shape: [{min: 1, opt: 4, max: 16}, 6]}]
        outputs: [{name: kept}, {name: where}]
    """


@pytest.fixture
def project(write_yaml, tmp_path):
    """A models.yaml folder that sees the fixture models as ``tests.fixtures``."""
    (tmp_path / "tests").symlink_to(FIXTURES.parent)

    def write(text: str = DETECTIONS) -> object:
        return write_yaml(text)
    return write


def test_check_compares_every_data_dependent_length(cli, project, tmp_path):
    result = cli("check", project(), "--report", tmp_path / "report.json")
    assert result.exit_code == 0, result.output
    cases = json.loads((tmp_path / "report.json").read_text())["cases"]
    assert [c["case"] for c in cases] == ["min", "opt", "max", "random1", "random2"]
    lengths = []
    for case in cases:
        kept, where = (next(o for o in case["outputs"] if o["name"] == name) for name in ("kept", "where"))
        assert kept["passed"] and where["passed"]
        assert where["shape"] == [kept["shape"][0], 2], "one subscript row per kept score"
        lengths.append(kept["shape"][0])
    assert len(set(lengths)) > 1, f"the lengths follow the data: {lengths}"


@pytest.fixture
def one_subscript_short(monkeypatch):
    """A reference NonZero that loses its last column: every value it gives is right, one is missing."""
    entry = HANDLERS["NON_ZERO"]

    def short(ctx):
        (subscripts,) = entry.run(ctx)
        return [subscripts[:, :-1].contiguous()]

    monkeypatch.setitem(HANDLERS, "NON_ZERO", LayerEntry(entry.type_name, entry.layer_class, short))


def test_a_wrong_data_dependent_length_fails_check(cli, project, one_subscript_short):
    result = cli("check", project())
    assert result.exit_code == 1, result.output
    assert "output 'kept': shape [" in result.output and "differs from expected" in result.output


def test_config_has_minus_one_for_the_data_dependent_dims(project, tmp_path):
    spec = load_project(project()).models[0]
    converted = convert_model(spec)
    facts = network_facts(converted.network, converted.spec, converted.result.data_dependent)
    assert {o.name: (o.dims, o.data_dependent) for o in facts.outputs} == {"kept": ((-1,), (0,)),
                                                                           "where": ((-1, 2), (0,))}
    text = render_config(facts, converted.spec)
    config = parse_config(text, "config")
    assert {o.name: list(o.dims) for o in config.output} == {"kept": [-1], "where": [-1, 2]}
    assert config.output[0].data_type == model_config_pb2.TYPE_FP32
    assert config.output[1].data_type == model_config_pb2.TYPE_INT64
    # Triton core itself accepts it. The server here has no TensorRT backend, so the plan is never
    # read (an empty file stands in): the only failure allowed is that missing backend, reported
    # after the config passed, as tests/serve/test_triton_accepts_configs.py explains.
    repo = tmp_path / "served"
    (repo / "detections" / "1").mkdir(parents=True)
    (repo / "detections" / "1" / "model.plan").write_bytes(b"")
    (repo / "detections" / "config.pbtxt").write_text(text)
    with TritonServer(repo, http_port=0, grpc_port=0, metrics_port=0, require_all_models=False,
                      startup_timeout=300) as server:
        (state,) = server.model_states()
    assert "unable to find backend library for backend 'tensorrt'" in state.reason, state.reason


@pytest.mark.skipif(not BUILDS, reason="TensorRT for RTX implements no NonZero layer: the refusal is tested below")
def test_build_check_builds_and_configures_data_dependent_outputs(cli, project, tmp_path):
    repo = tmp_path / "repo"
    result = cli("build", project(), "--repo", repo, "--check")
    assert result.exit_code == 0, result.output
    config = read_config(repo / "detections")
    assert {o.name: list(o.dims) for o in config.output} == {"kept": [-1], "where": [-1, 2]}
    record = json.loads((repo / "detections" / "trtrepo.json").read_text())
    assert record["check"]["passed"] is True
    assert [o["data_dependent"] for o in record["io"]["outputs"]] == [[0], [0]]


@pytest.mark.skipif(BUILDS, reason="this TensorRT builds NonZero layers: the build is tested above")
def test_build_check_with_tensorrt_for_rtx_says_why_and_writes_nothing(cli, project, tmp_path):
    repo = tmp_path / "repo"
    result = cli("build", project(), "--repo", repo, "--check")
    assert result.exit_code == 2, result.output
    output = " ".join(result.output.split())
    assert "cannot build layers whose output shape depends on the data" in output
    assert "NVIDIA/TensorRT-RTX issue 32" in output
    assert "(aten.nonzero.default) at" in output and "data_dependent.py:16: return scores[keep], torch.nonzero(keep)" \
        in output, "each layer is traced to its node and the user's line"
    assert "`--tensorrt tensorrt`" in output
    assert "Traceback" not in result.output
    assert tree(repo) == {}
    assert cli("check", project()).exit_code == 0, "the conversion itself is proven without an engine"


@pytest.mark.parametrize(("settings", "expected"), [
    ("max_batch_size: 4", "the length of its dim 0 depends on the input values"),
], ids=["batch_dim"])
def test_batching_a_data_dependent_length_is_refused(project, settings, expected):
    text = DETECTIONS.replace("shape: [{min: 1, opt: 4, max: 16}, 6]", "shape: [batch, 6]")
    spec = load_project(project(text.replace("      - name: detections", f"      - name: detections\n        {settings}")))
    converted = convert_model(spec.models[0])
    with pytest.raises(RepositoryError, match=expected) as caught:
        network_facts(converted.network, converted.spec, converted.result.data_dependent)
    assert "set max_batch_size: 0" in str(caught.value) and "output 'kept'" in str(caught.value)


COLUMNS = """
    models:
      - name: columns
        source: tests.fixtures.data_dependent:columns
        max_batch_size: 4
        {batching}
        inputs: [{{name: scores, dtype: fp32, shape: [batch, 6]}}]
        outputs: [{{name: picked}}]
    """


def test_a_data_dependent_dim_after_the_batch_dim(project):
    spec = load_project(project(COLUMNS.format(batching=""))).models[0]
    converted = convert_model(spec)
    facts = network_facts(converted.network, converted.spec, converted.result.data_dependent)
    assert facts.outputs[0].dims == (-1,) and facts.outputs[0].data_dependent == (1,)
    batched = load_project(project(COLUMNS.format(batching="dynamic_batching: true"))).models[0]
    converted = convert_model(batched)
    with pytest.raises(RepositoryError, match="with dynamic_batching, requests batched together would get one length"):
        network_facts(converted.network, converted.spec, converted.result.data_dependent)


def test_branching_on_a_data_dependent_length_gets_the_torch_check_advice(cli, project):
    spec = project(textwrap.dedent("""
        models:
          - name: first_kept
            source: tests.fixtures.data_dependent:first_kept
            inputs: [{name: scores, dtype: fp32, shape: [4, 6]}]
            outputs: [{name: first}]
          - name: first_kept_checked
            source: tests.fixtures.data_dependent:first_kept_checked
            inputs: [{name: scores, dtype: fp32, shape: [{min: 1, max: 16}, 6]}]
            outputs: [{name: first}]
        """))
    result = cli("check", spec, "--model", "first_kept")
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert "torch.export cannot decide `kept.shape[0] > 0`" in output
    assert "data_dependent.py:31: if kept.shape[0] > 0:" in output
    assert "kept.shape[0] (u0) is the length of a result that depends on the input values" in output
    assert "`torch._check(kept.shape[0] > 0)`" in output
    assert "Traceback" not in result.output and "draft_export" not in output
    # The same model with that torch._check line exports, and its conversion is exact.
    assert cli("check", spec, "--model", "first_kept_checked").exit_code == 0


def test_reading_a_tensor_as_a_number_is_told_as_such():
    message = ("Could not extract specialized integer from data-dependent expression u0 (unhinted: u0).  "
               "(Size-like symbols: none)\n\nCaused by: (_export/non_strict_utils.py:1205 in __torch_function__)")
    spec = ModelSpec(name="m", source="<test>", spec_file=Path("<test>"), inputs=(), outputs=())
    advice = explain(spec, message)
    assert advice is not None and advice.startswith("the model's code reads a tensor's value as a Python number")
    assert "`x * s`, not `x * float(s)`" in advice
