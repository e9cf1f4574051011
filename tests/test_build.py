"""`trtrepo build`: real TensorRT engines, Triton-schema-valid configs, clean failures."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import torch

from tests.conftest import EXAMPLES, FIXTURES, tree
from trtrepo.repository import read_config
from trtrepo.spec import load_project


@pytest.fixture(scope="module")
def built_examples(tmp_path_factory) -> Path:
    from trtrepo.build import BuildOptions, build_project

    repo = tmp_path_factory.mktemp("repo")
    report = build_project(load_project(EXAMPLES / "models.yaml").models, BuildOptions(repository=repo))
    assert report.exit_code == 0, report.to_dict()
    return repo


def test_every_example_has_plan_config_and_record(built_examples):
    project = load_project(EXAMPLES / "models.yaml")
    for spec in project.models:
        model_dir = built_examples / spec.name
        plan = model_dir / str(spec.version) / "model.plan"
        assert plan.stat().st_size > 1000, "a real serialized engine, not a placeholder"
        record = json.loads((model_dir / "trtrepo.json").read_text())
        assert record["tensorrt"]["flavour"] in ("tensorrt", "rtx")
        assert record["tensorrt"]["version"]
        assert record["plan_sha256"] == hashlib.sha256(plan.read_bytes()).hexdigest()


def test_configs_parse_and_match_the_yaml(built_examples):
    project = load_project(EXAMPLES / "models.yaml")
    for spec in project.models:
        config = read_config(built_examples / spec.name)  # parses with Triton's ModelConfig
        assert config.name == spec.name
        assert config.platform == "tensorrt_plan"
        assert config.max_batch_size == spec.max_batch_size
        assert [i.name for i in config.input] == [t.name for t in spec.inputs]
        assert [o.name for o in config.output] == [t.name for t in spec.outputs]
        for tensor, declared in zip(config.input, spec.inputs, strict=True):
            assert tensor.data_type == getattr(__import__("tritonclient.grpc.model_config_pb2",
                                                          fromlist=["DataType"]), declared.dtype.triton)
            expected = [d.opt if not d.is_dynamic else -1 for d in declared.shape]
            assert list(tensor.dims) == (expected[1:] if spec.max_batch_size else expected)
        assert config.HasField("dynamic_batching") == (spec.dynamic_batching is not None)
        assert config.instance_group[0].count == spec.instance_count


def test_cnn_output_dims_come_from_the_network(built_examples):
    config = read_config(built_examples / "cnn")
    assert list(config.output[0].dims) == [10]
    mlp = read_config(built_examples / "mlp")
    assert list(mlp.dynamic_batching.preferred_batch_size) == [4, 8]
    assert mlp.dynamic_batching.max_queue_delay_microseconds == 100


def test_cli_build_writes_repository(cli, tmp_path):
    result = cli("build", EXAMPLES / "models.yaml", "--repo", tmp_path / "repo", "--model", "mlp")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "repo" / "mlp" / "1" / "model.plan").is_file()
    assert not (tmp_path / "repo" / "cnn").exists()


def test_rebuild_replaces_model_atomically(cli, tmp_path):
    repo = tmp_path / "repo"
    assert cli("build", EXAMPLES / "models.yaml", "--repo", repo, "--model", "mlp").exit_code == 0
    first = json.loads((repo / "mlp" / "trtrepo.json").read_text())
    assert cli("build", EXAMPLES / "models.yaml", "--repo", repo, "--model", "mlp").exit_code == 0
    second = json.loads((repo / "mlp" / "trtrepo.json").read_text())
    assert second["plan_sha256"] == hashlib.sha256((repo / "mlp" / "1" / "model.plan").read_bytes()).hexdigest()
    assert first["model"] == second["model"] == "mlp"
    assert sorted(p.name for p in repo.iterdir()) == ["mlp"], "no staging folders left behind"


def fixture_yaml(write_yaml, body: str, shape: str = "[batch, 8]", mbs: int = 4) -> Path:
    return write_yaml(f"""
        models:
          - name: broken
            source: {body}
            max_batch_size: {mbs}
            inputs: [{{name: x, dtype: fp32, shape: {shape}}}]
            outputs: [{{name: y}}]
        """)


@pytest.fixture
def fixture_models(monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURES.parent.parent))


def test_unsupported_ops_reported_at_once(cli, write_yaml, tmp_path, fixture_models):
    spec = fixture_yaml(write_yaml, "tests.fixtures.models:unsupported")
    (tmp_path / "tests").symlink_to(FIXTURES.parent)
    repo = tmp_path / "repo"
    result = cli("build", spec, "--repo", repo)
    assert result.exit_code == 2
    message = result.output
    assert "model 'broken'" in message
    assert "aten._fft_r2c.default x2: no converter" in message
    assert "aten.special_bessel_j0.default x1: no converter" in message
    assert "tests/fixtures/models.py:11: spectrum = torch.fft.rfft(x).abs()" in message
    assert "Traceback" not in message
    assert tree(repo) == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("tests.fixtures.models:not_a_module", "returned str, not a torch.nn.Module"),
        ("tests.fixtures.models:raises", "failed: RuntimeError: checkpoint missing"),
        ("tests.fixtures.models:missing", "has no attribute 'missing'"),
        ("tests.fixtures.nowhere:build", "cannot import 'tests.fixtures.nowhere'"),
        ("no_colon", "must be 'package.module:callable' or a '.pt2' file"),
        ("missing.pt2", "does not exist"),
    ],
)
def test_bad_sources_are_clear(cli, write_yaml, tmp_path, source, expected):
    (tmp_path / "tests").symlink_to(FIXTURES.parent)
    spec = fixture_yaml(write_yaml, source)
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "keep.txt").write_text("untouched")
    before = tree(repo)
    result = cli("build", spec, "--repo", repo)
    assert result.exit_code == 2
    assert expected in result.output and "model 'broken'" in result.output and str(spec) in result.output
    assert tree(repo) == before


def test_a_failing_model_blocks_publishing_unless_keep_going(cli, write_yaml, tmp_path):
    (tmp_path / "tests").symlink_to(FIXTURES.parent)
    spec = write_yaml("""
        models:
          - name: good
            source: tests.fixtures.models:doubler
            inputs: [{name: x, dtype: fp32, shape: [2, 3]}]
            outputs: [{name: y}]
          - name: bad
            source: tests.fixtures.models:unsupported
            inputs: [{name: x, dtype: fp32, shape: [2, 8]}]
            outputs: [{name: y}]
        """)
    repo = tmp_path / "repo"
    result = cli("build", spec, "--repo", repo)
    assert result.exit_code == 2 and "nothing written" in result.output
    assert tree(repo) == {}
    result = cli("build", spec, "--repo", repo, "--keep-going")
    assert result.exit_code == 2
    assert (repo / "good" / "1" / "model.plan").is_file() and not (repo / "bad").exists()


def test_bad_spec_exits_2_and_writes_nothing(cli, write_yaml, tmp_path):
    spec = write_yaml("models:\n  - name: x\n")
    result = cli("build", spec, "--repo", tmp_path / "repo")
    assert result.exit_code == 2
    assert f"{spec}: invalid model specification" in result.output
    assert "model 'x': source: required field is missing" in result.output
    assert not (tmp_path / "repo").exists()


def test_help_lists_commands(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("build", "ops"):
        assert command in result.output


def test_same_named_packages_in_nested_folders_do_not_mix(tmp_path):
    """examples/models.yaml and a nested zoo both using a package called `models` get their own."""
    import shutil

    from trtrepo.sources import load_module

    outer = tmp_path / "outer"
    shutil.copytree(EXAMPLES, outer, ignore=shutil.ignore_patterns("__pycache__"))
    inner = outer / "nested"
    (inner / "models").mkdir(parents=True)
    (inner / "models" / "__init__.py").write_text("")
    (inner / "models" / "mlp.py").write_text(
        "import torch\n\ndef build(**kwargs):\n    return torch.nn.Identity()\n")
    (inner / "models.yaml").write_text((outer / "models.yaml").read_text())
    inner_model = load_module(load_project(inner / "models.yaml").select(["mlp"])[0])
    outer_model = load_module(load_project(outer / "models.yaml").select(["mlp"])[0])
    assert isinstance(inner_model, torch.nn.Identity)
    assert not isinstance(outer_model, torch.nn.Identity)
