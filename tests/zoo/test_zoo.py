"""The model zoo: every architecture converts, builds with TensorRT and passes ``trtrepo check`` in fp32.

Each model is built once (capture, lower, convert, check at min/opt/max, engine, config), and the
CLI's ``trtrepo check`` runs over the whole zoo file. A model whose conversion has a known gap is
listed in XFAIL with the exact failing op or node, and must keep failing until the gap is closed.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLES
from trtrepo.build import build_one_model
from trtrepo.check import RANDOM_SAMPLES
from trtrepo.repository import parse_config
from trtrepo.spec import ModelSpec, load_project

ZOO = EXAMPLES / "zoo" / "models.yaml"
PROJECT = load_project(ZOO)
POINTS = ["min", "opt", "max"]
CHECK_CASES = POINTS + [f"random{n + 1}" for n in range(RANDOM_SAMPLES)]  # what check runs by default

# Model name -> why it cannot pass yet (the op, node and message `trtrepo check --model NAME` gives).
XFAIL: dict[str, str] = {}

# What each model is in the zoo for: ATen ops its converted graph must contain.
EXERCISES = {
    # resnet's batch norms are folded into its convolutions before conversion (trtrepo/fuse.py)
    "resnet": {"aten.convolution.default", "aten.max_pool2d.default", "aten.adaptive_avg_pool2d.default", "aten.add.Tensor"},
    "mobilenet": {"aten.hardswish.default", "aten.hardsigmoid.default", "aten.adaptive_avg_pool2d.default",
                  "aten.mul.Tensor"},
    "unet": {"aten.upsample_bilinear2d.vec", "aten.cat.default", "aten.max_pool2d.default"},
    "encoder": {"aten.embedding.default", "aten.layer_norm.default", "aten.gelu.default",
                "aten.scaled_dot_product_attention.default", "aten.masked_fill.Scalar"},
    "decoder": {"aten.triu.default", "aten.masked_fill.Scalar", "aten.softmax.int", "aten.matmul.default",
                "aten.gelu.default"},
    "tagger": {"aten.embedding.default", "aten.lstm.input", "aten.gru.input", "aten.linear.default"},
    "hf_bert": {"aten.scaled_dot_product_attention.default", "aten.embedding.default", "aten.tanh.default"},
    "hf_bert_eager": {"aten.softmax.int", "aten.matmul.default", "aten.where.ScalarOther"},
    "hf_vit": {"aten.convolution.default", "aten.cat.default", "aten.scaled_dot_product_attention.default"},
    "hf_gpt2": {"aten.addmm.default", "aten.scaled_dot_product_attention.default", "aten.tanh.default"},
    "hf_llama": {"aten.rsqrt.default", "aten.silu.default", "aten.cos.default", "aten.sin.default",
                 "aten.scaled_dot_product_attention.default"},
}


def zoo_models() -> list:
    marks = {name: pytest.mark.xfail(strict=True, reason=reason) for name, reason in XFAIL.items()}
    return [pytest.param(spec, id=spec.name, marks=marks.get(spec.name, ())) for spec in PROJECT.models]


def test_the_zoo_covers_the_architectures():
    assert {spec.name for spec in PROJECT.models} == set(EXERCISES)
    assert all(spec.max_batch_size and spec.dynamic_batching for spec in PROJECT.models)
    dynamic = {spec.name: {d.name for t in spec.inputs for d in t.shape if d.is_dynamic} for spec in PROJECT.models}
    assert dynamic["resnet"] == {"batch", "height", "width"}
    assert dynamic["mobilenet"] == {"batch", "size"}
    for text in ("encoder", "decoder", "hf_bert", "hf_gpt2", "hf_llama"):
        assert dynamic[text] == {"batch", "sequence"}


@pytest.mark.parametrize("spec", zoo_models())
def test_zoo_model_builds_and_passes_check(spec: ModelSpec):
    built = build_one_model(spec, check=True)  # a failed check raises, naming the first diverging node

    assert len(built.plan) > 1000, "a real serialized engine"
    record = built.record
    assert EXERCISES[spec.name] <= set(record["converters"])
    assert record["check"]["passed"] is True
    cases = record["check"]["cases"]
    assert [c["case"] for c in cases] == CHECK_CASES
    assert cases[2]["input_shapes"] == {t.name: list(t.shape_at("max")) for t in spec.inputs}
    assert [o["name"] for o in cases[-1]["outputs"]] == [o.name for o in spec.outputs]

    config = parse_config(built.config_text, spec.name)
    assert config.platform == "tensorrt_plan"
    assert config.max_batch_size == spec.max_batch_size and config.HasField("dynamic_batching")
    assert [i.name for i in config.input] == [t.name for t in spec.inputs]
    assert [o.name for o in config.output] == [t.name for t in spec.outputs]
    for tensor, declared in zip(config.input, spec.inputs, strict=True):
        assert list(tensor.dims) == [-1 if d.is_dynamic else d.opt for d in declared.shape[1:]]


def test_check_cli_passes_the_zoo(cli, tmp_path):
    names = [spec.name for spec in PROJECT.models if spec.name not in XFAIL]
    report_file = tmp_path / "check.json"
    result = cli("check", ZOO, "--report", report_file, *[arg for name in names for arg in ("--model", name)])

    assert result.exit_code == 0, result.output
    report = json.loads(report_file.read_text())
    assert report["passed"] is True
    assert {(c["model"], c["case"]) for c in report["cases"]} == {(n, p) for n in names for p in CHECK_CASES}
