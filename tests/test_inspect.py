"""`trtrepo inspect` on real repositories: what Triton checks when it loads a plan, each with its rule."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from trtrepo.config_checks import compare_dims, shape_rule_problems
from trtrepo.repository import CONFIG_FILE, RECORD_FILE
from trtrepo.spec import load_project
from trtrepo.targets import Target


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The example models built once with the installed TensorRT (for RTX here)."""
    from trtrepo.build import BuildOptions, build_project

    repo = tmp_path_factory.mktemp("inspect") / "repo"
    report = build_project(load_project(EXAMPLES / "models.yaml").models, BuildOptions(repository=repo))
    assert report.exit_code == 0, report.to_dict()
    return repo


@pytest.fixture
def repo(built, tmp_path) -> Path:
    """A private copy of the built repository (tests edit its records and configs)."""
    copy = tmp_path / "repo"
    shutil.copytree(built, copy)
    return copy


def edit_record(repo: Path, model: str, **fields) -> None:
    path = repo / model / RECORD_FILE
    record = json.loads(path.read_text())
    record.update(fields)
    path.write_text(json.dumps(record))


def as_full_tensorrt(repo: Path, model: str = "mlp", version: str = "10.5.0.18", cc: str = "8.0", **settings) -> None:
    """Make a record say full TensorRT built the plan on a GPU: the plan is untouched, only the record is read."""
    record = json.loads((repo / model / RECORD_FILE).read_text())
    edit_record(repo, model, tensorrt={"flavour": "tensorrt", "module": "tensorrt", "version": version},
                device={"name": "NVIDIA A100", "compute_capability": cc},
                build_settings={**record["build_settings"], **settings})


def edit_config(repo: Path, model: str, old: str, new: str) -> None:
    path = repo / model / CONFIG_FILE
    text = path.read_text()
    assert old in text, text
    path.write_text(text.replace(old, new))


def checks(result, model: str = "mlp") -> list[dict]:
    return next(m for m in json.loads(result.output) if m["model"] == model)["checks"]


def failing(result, model: str = "mlp") -> list[dict]:
    return [c for c in checks(result, model) if c["status"] in ("problem", "needs")]


# --- targets and exit codes ------------------------------------------------------------------------

def test_without_a_target_an_rtx_build_is_reported_as_a_proof_and_exits_0(cli, built):
    result = cli("inspect", built)
    assert result.exit_code == 0, result.output
    assert "NOT deployable" in result.output and "proof build" in result.output
    assert cli("inspect", built, "--strict").exit_code == 1


def test_a_triton_target_refuses_the_rtx_plan_citing_the_backend(cli, built):
    result = cli("inspect", built, "--target", "triton:24.10", "--gpus", "sm_80", "--json")
    assert result.exit_code == 1
    [problem] = failing(result)
    assert problem["name"] == "TensorRT flavour" and "src/loader.cc LoadPlan" in problem["rule"]
    assert problem["fix"] == "rebuild with full TensorRT 10.5.0.18 (the version in Triton 24.10)"
    text = cli("inspect", built, "--model", "mlp", "--target", "triton:24.10", "--gpus", "sm_80")
    assert text.exit_code == 1 and "rule: tensorrt_backend src/loader.cc LoadPlan" in text.output


def test_target_proof_is_never_deployable(cli, built):
    result = cli("inspect", built, "--target", "proof", "--json")
    assert result.exit_code == 1
    assert all(not m["deployable"] and m["target"]["kind"] == "proof" for m in json.loads(result.output))


def test_a_release_without_a_known_tensorrt_is_a_usage_error(cli, built):
    result = cli("inspect", built, "--target", "triton:25.01")
    assert result.exit_code == 2
    assert "no TensorRT version for Triton 25.01's py3 container" in result.output
    assert "--target triton:25.01,tensorrt:X.Y.Z" in result.output


def test_gpus_need_a_target(cli, built):
    result = cli("inspect", built, "--gpus", "sm_80")
    assert result.exit_code == 2 and "--gpus needs --target" in result.output


def test_a_plan_built_for_the_target_loads(cli, repo):
    as_full_tensorrt(repo)
    result = cli("inspect", repo, "--model", "mlp", "--target", "triton:24.10", "--gpus", "sm_80", "--json")
    assert result.exit_code == 0, result.output
    [model] = json.loads(result.output)
    assert model["deployable"] and model["target_from"] == "--target" and failing(result) == []


def test_version_mismatch_and_uncovered_gpu_are_both_reported(cli, repo):
    as_full_tensorrt(repo, version="10.4.0.26", cc="8.9")
    result = cli("inspect", repo, "--model", "mlp", "--target", "triton:24.10", "--gpus", "sm_80,sm_89", "--json")
    assert result.exit_code == 1
    found = {c["name"]: c for c in failing(result)}
    assert set(found) == {"TensorRT version", "GPU architecture"}
    assert "built with TensorRT 10.4.0.26, Triton 24.10 runs TensorRT 10.5.0.18" in found["TensorRT version"]["message"]
    assert "does not run on sm_80" in found["GPU architecture"]["message"]


def test_ampere_plus_covers_newer_gpus(cli, repo):
    as_full_tensorrt(repo, cc="8.6", hardware_compatibility="ampere_plus")
    result = cli("inspect", repo, "--model", "mlp", "--target", "tensorrt:10.5.0", "--gpus", "sm_80,sm_90", "--json")
    assert result.exit_code == 0, failing(result)


def test_a_version_compatible_plan_needs_the_backend_flag(cli, repo):
    as_full_tensorrt(repo, version="10.4.0.26", version_compatible=True)
    args = ("inspect", repo, "--model", "mlp", "--target", "triton:24.10", "--gpus", "sm_80", "--json")
    result = cli(*args)
    assert result.exit_code == 0  # it loads, given the flag
    [needed] = failing(result)
    assert needed["status"] == "needs" and needed["fix"] == "add --backend-config=tensorrt,version-compatible=true to " \
                                                            "tritonserver"
    assert cli(*args, "--strict").exit_code == 1


def test_gpus_default_to_the_builders_and_the_recorded_target_is_used(cli, repo):
    as_full_tensorrt(repo, version="10.5.0.18", cc="8.9")
    result = cli("inspect", repo, "--model", "mlp", "--target", "triton:24.10", "--json")
    assert json.loads(result.output)[0]["target"]["gpus"] == ["sm_89"] and result.exit_code == 0
    edit_record(repo, "mlp", target=Target("triton", "24.10", "10.5.0.18", ("sm_90",)).to_record())
    result = cli("inspect", repo, "--model", "mlp", "--json")
    [model] = json.loads(result.output)
    assert model["target_from"] == "build record" and not model["deployable"]
    assert result.exit_code == 0  # no --target: a report, not a verdict


# --- config.pbtxt against the engine -----------------------------------------------------------------

def test_the_example_configs_match_their_engines(cli, built):
    result = cli("inspect", built, "--json")
    for model in ("mlp", "cnn"):
        assert [c for c in failing(result, model) if c["name"] != "deployable"] == []


def test_dims_that_differ_from_the_engine_cite_compare_dims_supported(cli, repo):
    edit_config(repo, "mlp", "dims: [ 16 ]", "dims: [ 17 ]")
    [problem] = failing(cli("inspect", repo, "--model", "mlp", "--target", "proof", "--json"))[1:]
    assert problem["name"] == "I/O" and "CompareDimsSupported" in problem["rule"]
    assert "the engine expects shape [-1, 16] but config.pbtxt gives [-1, 17]" in problem["message"]


def test_data_type_and_names_are_compared(cli, repo):
    edit_config(repo, "mlp", 'name: "logits"\n  data_type: TYPE_FP32', 'name: "scores"\n  data_type: TYPE_FP16')
    edit_config(repo, "mlp", "data_type: TYPE_FP32\n  dims: [ 16 ]", "data_type: TYPE_FP16\n  dims: [ 16 ]")
    messages = [c["message"] for c in failing(cli("inspect", repo, "--model", "mlp", "--json"))]
    assert "input 'features': config.pbtxt says TYPE_FP16, the engine has TYPE_FP32" in messages
    assert any("config.pbtxt output 'scores' is not an engine output" in m for m in messages)


def test_instance_group_profiles_must_exist_in_the_engine(cli, repo):
    edit_config(repo, "mlp", "kind: KIND_GPU", 'kind: KIND_GPU\n  profile: ["1"]')
    problems = [c for c in failing(cli("inspect", repo, "--model", "mlp", "--json")) if c["name"] == "profiles"]
    assert "instance_group.profile '1' is not a profile of this engine: it has 1" in problems[0]["message"]
    assert "GetProfileIndices" in problems[0]["rule"]


def test_max_batch_size_beyond_the_profile_is_refused(cli, repo):
    edit_config(repo, "mlp", "max_batch_size: 8", "max_batch_size: 16")
    problems = [c for c in failing(cli("inspect", repo, "--model", "mlp", "--json")) if c["name"] == "batch"]
    assert "max_batch_size 16 exceeds the engine's largest profile batch 8" in problems[0]["message"]


def test_batching_without_a_scheduler_notes_triton_autofill(cli, repo):
    config = repo / "mlp" / CONFIG_FILE
    text = config.read_text()
    config.write_text(text[:text.index("dynamic_batching")] + text[text.index("instance_group"):])
    notes = [c for c in checks(cli("inspect", repo, "--model", "mlp", "--json")) if c["status"] == "note"]
    assert any("AutoCompleteConfigHelper" in c["rule"] and "--disable-auto-complete-config" in c["fix"] for c in notes)


def test_cc_model_filenames_keys_must_be_major_dot_minor(cli, repo):
    edit_config(repo, "mlp", 'default_model_filename: "model.plan"',
                'default_model_filename: "model.plan"\ncc_model_filenames { key: "sm_80" value: "a100.plan" }')
    problems = [c for c in failing(cli("inspect", repo, "--model", "mlp", "--json")) if c["name"] == "plan file"]
    assert "key 'sm_80' never matches" in problems[0]["message"]


def test_a_corrupt_plan_fails_its_hash_check(cli, repo):
    (repo / "cnn" / "1" / "model.plan").write_bytes(b"corrupt")
    result = cli("inspect", repo, "--strict")
    assert result.exit_code == 1 and "does not match its build record's hash" in result.output


def test_records_without_io_are_tolerated(cli, repo):
    record = json.loads((repo / "mlp" / RECORD_FILE).read_text())
    del record["io"]
    (repo / "mlp" / RECORD_FILE).write_text(json.dumps(record))
    result = cli("inspect", repo, "--model", "mlp", "--json")
    assert result.exit_code == 0 and any("no engine I/O" in c["message"] for c in checks(result))


def test_an_unknown_model_names_the_option(cli, built):
    result = cli("inspect", built, "--model", "nope")
    assert result.exit_code == 2 and "no model 'nope'" in result.output


@pytest.mark.parametrize("engine, config, batching, fine", [
    ([-1], [], True, True),  # per-sample scalar [batch] with dims: [1] reshape: { shape: [] }
    ([], [], False, True),  # the backend accepts a 0-d tensor unbatched (core refuses empty dims, see below)
    ([], [], True, False),  # a 0-d engine tensor cannot be batched
    ([-1, -1], [4], True, True),
    ([-1, 3], [4], True, False),
])
def test_compare_dims_follows_the_backend(engine, config, batching, fine):
    assert (compare_dims(engine, config, batching) is None) is fine


@pytest.mark.parametrize("dims, reshape, batching, words", [
    ([1], [], True, None),  # the per-sample scalar spelling
    ([1], [], False, "empty reshape is refused when max_batch_size is 0"),
    ([], None, True, "must give non-empty dims"),
    ([4], [2, 2], False, None),
    ([4], [3], True, "different numbers of elements"),
    ([-1, 4], [-1, 2, 2], True, None),
])
def test_core_dims_and_reshape_rules(dims, reshape, batching, words):
    problems = shape_rule_problems(dims, reshape, batching)
    assert (problems == []) if words is None else any(words in p for p in problems), problems


def test_a_reshape_of_another_size_is_refused_by_triton_core(cli, repo):
    edit_config(repo, "mlp", "dims: [ 10 ]", "dims: [ 10 ]\n  reshape { shape: [ 5 ] }")
    problems = [c for c in failing(cli("inspect", repo, "--model", "mlp", "--json")) if c["name"] == "I/O"]
    assert any("ValidateIOShape" in c["rule"] and "different numbers of elements" in c["message"] for c in problems)
    assert any("CompareDimsSupported" in c["rule"] for c in problems)  # the engine's [-1, 10] is not [-1, 5] either


MULTI_PROFILE = """\
models:
  - name: mlp2
    source: models.mlp:build
    args: {features: 16, hidden: 64, classes: 10}
    max_batch_size: 4
    dynamic_batching: true
    profiles:
      - batch: {min: 1, opt: 2, max: 2}
      - batch: {min: 3, opt: 4, max: 4}
    inputs:
      - {name: features, dtype: fp32, shape: [batch, 16]}
    outputs:
      - {name: logits}
"""


def test_profiles_in_use_decide_the_batch_range(cli, tmp_path):
    from trtrepo.build import BuildOptions, build_project

    shutil.copytree(EXAMPLES / "models", tmp_path / "models", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "models.yaml").write_text(MULTI_PROFILE)
    repo = tmp_path / "repo"
    build_project(load_project(tmp_path / "models.yaml").models, BuildOptions(repository=repo))
    result = cli("inspect", repo, "--json")
    assert [c for c in failing(result, "mlp2") if c["name"] != "deployable"] == []
    edit_config(repo, "mlp2", 'profile: [ "0", "1" ]', 'profile: [ "1" ]')
    [problem] = [c for c in failing(cli("inspect", repo, "--json"), "mlp2") if c["name"] == "batch"]
    assert "no profile in use accepts batch 1 (smallest profile batch 3)" in problem["message"]
    edit_config(repo, "mlp2", 'profile: [ "1" ]', 'profile: [ "0" ]')
    [problem] = [c for c in failing(cli("inspect", repo, "--json"), "mlp2") if c["name"] == "batch"]
    assert "max_batch_size 4 exceeds the engine's largest profile batch 2" in problem["message"]
