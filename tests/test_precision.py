"""fp16/bf16 engines: low-precision inside, declared dtypes at the edges, sensitive ops in fp32."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from tests.conftest import EXAMPLES
from trtrepo.check import check_converted, check_model
from trtrepo.convert.precision import compute_dtype
from trtrepo.dtypes import from_trt
from trtrepo.engine import build_plan
from trtrepo.network import convert_model
from trtrepo.repository import network_facts
from trtrepo.spec import load_project


def example(name: str, **changes):
    spec = load_project(EXAMPLES / "models.yaml").select([name])[0]
    return dataclasses.replace(spec, **changes)


def layer_dtypes(network) -> dict[str, torch.dtype]:
    """dtype of every layer output, keyed by tensor name (a node's result tensor carries its name)."""
    outputs = (network.get_layer(i).get_output(0) for i in range(network.num_layers))
    return {t.name: from_trt(t.dtype).torch for t in outputs}


@pytest.mark.parametrize("precision", ["fp16", "bf16"])
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_low_precision_examples_pass_check_and_build(precision, model):
    spec = example(model, precision=precision)
    converted = convert_model(spec)
    dtypes = layer_dtypes(converted.network)
    low = {"fp16": torch.float16, "bf16": torch.bfloat16}[precision]
    assert sum(d == low for d in dtypes.values()) > len(dtypes) // 2, dtypes
    facts = network_facts(converted.network, spec)
    assert [t.dtype for t in facts.inputs] == ["fp32"] and [t.dtype for t in facts.outputs] == ["fp32"]
    results = check_converted(converted)
    assert all(r.passed for r in results), [(r.case, [o.max_abs for o in r.outputs]) for r in results]
    worst = max(o.max_abs for r in results for o in r.outputs)
    assert worst > 1e-6, "low precision should show some error; zero means fp32 ran"
    plan, _ = build_plan(converted.builder, converted.network, spec)
    assert len(plan) > 1000


def test_node_override_keeps_a_node_in_fp32():
    spec = example("mlp", precision="fp16", node_precision={"linear_1": "fp32"})
    dtypes = layer_dtypes(convert_model(spec).network)
    assert dtypes["linear_1"] == torch.float32
    assert dtypes["linear"] == torch.float16


def test_policy_keeps_sensitive_ops_in_fp32_and_honours_overrides():
    assert compute_dtype("aten._softmax.default", "s", "fp16", {}, {}) == torch.float32
    assert compute_dtype("aten.addmm.default", "a", "fp16", {}, {}) == torch.float16
    assert compute_dtype("aten._softmax.default", "s", "fp16", {"aten._softmax.default": "fp16"}, {}) == torch.float16
    assert compute_dtype("aten.addmm.default", "a", "bf16", {}, {"a": "fp32"}) == torch.float32
    assert compute_dtype("aten._softmax.default", "s", "fp32", {}, {}) == torch.float32


def test_low_precision_check_uses_its_tolerance():
    results = check_model(example("mlp", precision="fp16"), points=("opt",))
    assert results[0].outputs[0].tolerance.atol == 2e-2
