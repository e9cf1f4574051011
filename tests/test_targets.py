"""Deployment targets: the release table, target validation, resolution, loadability rules, the builder GPU."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from trtrepo.errors import TargetError
from trtrepo.targets import (
    RELEASES,
    PlanFacts,
    Target,
    device_compute_capability,
    find_release,
    loadability_problems,
    parse_target,
    resolve_target,
    target_problems,
)
from trtrepo.targets.model import parse_target_option
from trtrepo.targets.releases import PY3, TRTLLM
from trtrepo.targets.spelling import cc_from_sm, is_version, normalise_gpu, same_version, version_tuple


def plan(flavour="tensorrt", version="10.8.0.43", cc="8.0", hwc=None, vc=False) -> PlanFacts:
    return PlanFacts(flavour, version, cc, hwc, vc)


def trt(version="10.8.0.43", *gpus: str) -> Target:
    return Target("tensorrt", None, version, gpus or ("sm_80",))


def rules(findings) -> list[str]:
    return [f.rule for f in findings]


# --- the release table ---------------------------------------------------------------------------

def test_every_release_row_names_its_source_and_parses():
    assert RELEASES
    for row in RELEASES:
        assert row.source.startswith("https://"), row
        assert row.container in (PY3, TRTLLM)
        assert find_release(row.name) == row
        assert row.tensorrt is None or is_version(".".join(map(str, version_tuple(row.tensorrt))))
        assert row.tensorrt is not None or row.note, f"{row.name}: an unknown TensorRT must say why"
        assert row.cuda is None or version_tuple(row.cuda)


def test_release_names_are_unique_and_cover_2406_onwards():
    names = [r.name for r in RELEASES]
    assert len(names) == len(set(names))
    assert min(r.release for r in RELEASES) <= "24.06"


def test_a_container_row_never_stands_in_for_the_other():
    assert find_release("24.10").tensorrt == "10.5.0.18"  # py3
    assert find_release("24.10-trtllm-python-py3").tensorrt == "10.4.0"
    assert find_release("25.01") is None  # no py3 row was readable for 25.01


# --- spelling ------------------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["sm_80", "sm80", "SM80", "8.0", 8.0, " sm_80 "])
def test_gpu_spellings_normalise_to_sm(spelling):
    assert normalise_gpu(spelling) == "sm_80"


@pytest.mark.parametrize("spelling", ["80", 80, "ampere", "sm_8", True, None, "8"])
def test_ambiguous_or_wrong_gpu_spellings_are_refused(spelling):
    assert normalise_gpu(spelling) is None


def test_compute_capability_round_trips_for_two_digit_majors():
    assert normalise_gpu("12.0") == "sm_120" and cc_from_sm("sm_120") == "12.0"
    assert cc_from_sm("sm_89") == "8.9"


def test_versions_compare_on_the_components_both_give():
    assert same_version("10.8.0", "10.8.0.43")
    assert not same_version("10.8.0.43", "10.8.1")
    assert version_tuple("9.3.0.post12.dev1") == (9, 3, 0)


# --- target_problems / parse_target ----------------------------------------------------------------

@pytest.mark.parametrize("raw", [None, "proof", {"triton": "24.10", "gpus": ["sm_80", "sm90", "8.9"]},
                                 {"tensorrt": "10.8.0", "gpus": ["sm_86"]},
                                 {"triton": "25.01", "tensorrt": "10.8.0.43", "gpus": ["sm_80"]},
                                 {"triton": "25.01-trtllm-python-py3", "gpus": ["sm_90"]}])
def test_accepted_targets_have_no_problems(raw):
    assert target_problems(raw) == []


def test_parse_target_normalises_gpus_and_fills_tensorrt_from_the_table():
    target = parse_target({"triton": "24.10", "gpus": ["sm80", "9.0"]})
    assert target == Target("triton", "24.10", "10.5.0.18", ("sm_80", "sm_90"))
    assert target.to_record() == {"kind": "triton", "triton": "24.10", "tensorrt": "10.5.0.18", "gpus": ["sm_80", "sm_90"]}
    assert Target.from_record(target.to_record()) == target
    assert parse_target("proof").is_proof and parse_target(None) is None


def test_unknown_triton_release_gets_a_did_you_mean():
    [(where, message)] = target_problems({"triton": "23.05", "gpus": ["sm_80"]})
    assert where == "target.triton"
    assert "unknown Triton release '23.05'" in message and "did you mean" in message
    assert 'tensorrt: "X.Y.Z"' in message


def test_known_release_without_a_py3_version_points_at_what_is_known():
    [(_, message)] = target_problems({"triton": "25.01", "gpus": ["sm_80"]})
    assert "no TensorRT version for Triton 25.01's py3 container" in message
    assert "25.01-trtllm-python-py3" in message and "nvcr.io/nvidia/tensorrt:25.01-py3" in message


def test_a_tensorrt_that_contradicts_the_table_is_refused():
    [(where, message)] = target_problems({"triton": "24.10", "tensorrt": "10.4.0", "gpus": ["sm_80"]})
    assert where == "target.tensorrt" and "runs TensorRT 10.5.0.18" in message


@pytest.mark.parametrize("raw, where, words", [
    ("triton", "target", "is not a target"),
    (7, "target", "must be 'proof' or a mapping"),
    ({"gpus": ["sm_80"]}, "target", "give the servers' Triton release"),
    ({"triton": 25.1, "gpus": ["sm_80"]}, "target.triton", "as a string"),
    ({"triton": "25.13", "gpus": ["sm_80"]}, "target.triton", "not a Triton container release"),
    ({"triton": "25.01-foo", "gpus": ["sm_80"]}, "target.triton", "not a Triton container release"),
    ({"tensorrt": 10.8, "gpus": ["sm_80"]}, "target.tensorrt", "as a string"),
    ({"tensorrt": "ten", "gpus": ["sm_80"]}, "target.tensorrt", "not a TensorRT version"),
    ({"tensorrt": "10.8.0"}, "target.gpus", "list the GPU architectures"),
    ({"tensorrt": "10.8.0", "gpus": []}, "target.gpus", "non-empty list"),
    ({"tensorrt": "10.8.0", "gpus": ["sm_80", "80"]}, "target.gpus[1]", "not a GPU architecture"),
    ({"tensorrt": "10.8.0", "gpus": ["sm_80", "8.0"]}, "target.gpus[1]", "listed twice"),
    ({"tensorrt": "10.8.0", "gpu": ["sm_80"], "gpus": ["sm_80"]}, "target.gpu", "did you mean 'gpus'"),
])
def test_validator_messages_name_the_field(raw, where, words):
    problems = target_problems(raw)
    assert any(w == where and words in m for w, m in problems), problems


def test_parse_target_raises_with_every_problem():
    with pytest.raises(TargetError, match=r"target.tensorrt: .*target.gpus"):
        parse_target({"tensorrt": "x"})


def test_cli_spelling_of_targets():
    assert parse_target_option("proof").is_proof
    assert parse_target_option("triton:24.10") == Target("triton", "24.10", "10.5.0.18", ())
    assert parse_target_option("triton:25.01,tensorrt:10.8.0.43", "sm_80,8.9").gpus == ("sm_80", "sm_89")
    with pytest.raises(TargetError, match="is not triton:<release> or tensorrt:<version>"):
        parse_target_option("trt:10")
    with pytest.raises(TargetError, match=r"--gpus\[0\]: 'x' is not a GPU"):
        parse_target_option("tensorrt:10.8.0", "x")


# --- resolve_target --------------------------------------------------------------------------------

def test_without_a_target_full_tensorrt_targets_this_machine_and_rtx_is_a_proof():
    assert resolve_target(None, "tensorrt", "10.8.0.43", "8.9") == Target("local", None, "10.8.0.43", ("sm_89",))
    assert resolve_target(None, "tensorrt", "10.8.0.43", None) == Target("local", None, "10.8.0.43", ())
    assert resolve_target(None, "rtx", "1.7.1.116", None).is_proof
    declared = trt()
    assert resolve_target(declared, "rtx", "1.7.1.116", None) is declared


# --- loadability rules -----------------------------------------------------------------------------

def test_a_matching_plan_has_no_problems():
    assert loadability_problems(plan(), trt("10.8.0")) == []


def test_an_rtx_plan_is_refused_for_a_triton_target_with_the_rebuild_named():
    [finding] = loadability_problems(plan("rtx", "1.7.1.116", None), parse_target({"triton": "24.10", "gpus": ["sm_80"]}))
    assert finding.rule == "TensorRT flavour" and "loader.cc LoadPlan" in finding.cites
    assert finding.fix == "rebuild with full TensorRT 10.5.0.18 (the version in Triton 24.10)"


def test_a_proof_target_has_no_problems_but_is_not_deployable():
    target = Target("proof")
    assert loadability_problems(plan("rtx", "1.7.1.116", None), target) == [] and target.is_proof
    assert "no Triton server can load it" in target.describe()


def test_version_mismatch_without_version_compatible():
    [finding] = loadability_problems(plan(version="10.7.0.23"), trt("10.8.0.43"))
    assert finding.rule == "TensorRT version" and not finding.needs_flag
    assert "built with TensorRT 10.7.0.23" in finding.message and "deserializeCudaEngine" in finding.cites
    assert "version_compatible: true" in finding.fix  # the servers are newer, same major: an option


def test_version_mismatch_towards_older_servers_offers_only_a_rebuild():
    [finding] = loadability_problems(plan(version="10.8.0.43"), trt("10.7.0"))
    assert finding.fix == "rebuild with full TensorRT 10.7.0"


def test_version_compatible_towards_newer_same_major_needs_the_backend_flag():
    [finding] = loadability_problems(plan(version="10.7.0.23", vc=True), trt("10.8.0.43"))
    assert finding.needs_flag and finding.rule == "version-compatible flag"
    assert finding.fix == "add --backend-config=tensorrt,version-compatible=true to tritonserver"
    assert "isVersionCompatible" in finding.cites


def test_version_compatible_never_loads_on_older_tensorrt():
    [finding] = loadability_problems(plan(version="10.8.0.43", vc=True), trt("10.7.0"))
    assert not finding.needs_flag and "never an older one" in finding.message


def test_version_compatible_never_crosses_a_major_version():
    [finding] = loadability_problems(plan(version="8.6.1.6", vc=True), trt("10.8.0"))
    assert not finding.needs_flag and "same major version" in finding.message
    assert "version_compatible" not in finding.fix


@pytest.mark.parametrize("builder, level, gpu, covered", [
    ("8.0", None, "sm_80", True),
    ("8.0", "none", "sm_86", False),
    ("8.6", "ampere_plus", "sm_80", True),
    ("8.0", "ampere_plus", "sm_120", True),
    ("8.0", "ampere_plus", "sm_75", False),
    ("7.5", "ampere_plus", "sm_86", False),
    (None, "ampere_plus", "sm_90", True),  # TensorRT builds ampere_plus only on SM 8.0+
    ("8.9", "same_compute_capability", "sm_89", True),
    ("8.9", "same_compute_capability", "sm_86", False),
    (None, None, "sm_80", False),
])
def test_gpu_architecture_against_hardware_compatibility(builder, level, gpu, covered):
    findings = loadability_problems(plan(cc=builder, hwc=level), trt("10.8.0.43", gpu))
    assert (findings == []) is covered, findings
    if not covered:
        assert rules(findings) == ["GPU architecture"] and gpu in findings[0].message
        assert "cc_model_filenames" in findings[0].fix and "backend_model_instance.cc" in findings[0].cites


def test_each_uncovered_gpu_is_its_own_finding():
    findings = loadability_problems(plan(cc="8.9"), trt("10.8.0", "sm_80", "sm_89", "sm_90"))
    assert [f.message.split(":")[0] for f in findings] == ["does not run on sm_80", "does not run on sm_90"]
    assert 'key "8.0"' in findings[0].fix


def test_plan_facts_from_old_and_new_records():
    old = {"tensorrt": {"flavour": "rtx", "version": "1.7.1.116"}, "target": {"compute_capability": "8.9"},
           "build_settings": {"hardware_compatibility": None, "version_compatible": False}}
    assert PlanFacts.from_record(old) == PlanFacts("rtx", "1.7.1.116", "8.9", None, False)
    new = {**old, "device": {"name": "NVIDIA L4", "compute_capability": "8.9"}, "target": Target("proof").to_record()}
    assert PlanFacts.from_record(new).compute_capability == "8.9"
    assert PlanFacts.from_record({}) == PlanFacts("unknown", "unknown", None, None, False)
    assert Target.from_record(old["target"]) is None


# --- the builder's GPU ----------------------------------------------------------------------------

@pytest.mark.skipif(os.path.exists("/dev/nvidia0"), reason="this machine has an NVIDIA GPU")
def test_device_compute_capability_is_none_without_a_gpu_and_fast():
    device_compute_capability.cache_clear()
    started = time.monotonic()
    assert device_compute_capability() == (None, None)
    assert time.monotonic() - started < 2


def test_targets_import_neither_torch_nor_tensorrt():
    code = ("import sys, trtrepo.targets; from trtrepo.targets import device_compute_capability as d; d(); "
            "print([m for m in ('torch', 'tensorrt', 'tensorrt_rtx_bindings') if m in sys.modules])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
