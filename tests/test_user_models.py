"""Models as users write them: structured outputs, inputs by name, the weights that were converted,
dotted sources, sizes in multiples, export's specialisations told in models.yaml terms, and
input-independent subgraphs folded."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import torch

from trtrepo.check import check_model
from trtrepo.errors import Category, SpecError
from trtrepo.network import convert_model
from trtrepo.samples import generated_samples
from trtrepo.spec import load_project
from trtrepo.structure import leaf_name, output_leaves

MODELS = '''
import dataclasses
import torch
from torch import nn


class Unseeded(nn.Module):
    """No seed anywhere: every call of the factory makes other weights."""

    def __init__(self):
        super().__init__()
        self.score = nn.Linear(8, 1)

    def forward(self, x):
        return self.score(x).squeeze(-1)


class Dict(nn.Module):
    def forward(self, x):
        return {"probs": torch.softmax(x, -1), "logits": x * 3, "nothing": None}


class Nested(nn.Module):
    def forward(self, x):
        return x + 1, {"a": x * 2, "b": (x - 1, [x * x])}


@dataclasses.dataclass
class Result:
    embedding: torch.Tensor
    norm: torch.Tensor


class Dataclass(nn.Module):
    def forward(self, x):
        return Result(x * 2, (x * x).sum(-1))


class MaskFirst(nn.Module):
    def forward(self, mask, x, scale=3.0):
        return x * mask * scale


class Positional(nn.Module):
    def forward(self, *tensors):
        return tensors[0] - tensors[1]


class Steps(nn.Module):
    """Only sizes in steps of 8 work: the sequence is cut into groups of 8."""

    def forward(self, x):
        return x.reshape(x.shape[0], x.shape[1] // 8, 8).sum(-1)


class RelativeIndex(nn.Module):
    """BEiT's relative position index: built from nothing but sizes, with in-place writes."""

    def __init__(self, window: int = 4):
        super().__init__()
        self.window = window
        self.table = nn.Parameter(torch.randn((2 * window - 1) ** 2 + 1, 2))

    def forward(self, x):
        w = self.window
        coords = torch.stack(torch.meshgrid(torch.arange(w), torch.arange(w), indexing="ij")).flatten(1)
        relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        relative[:, :, 0] += w - 1
        relative[:, :, 1] += w - 1
        relative[:, :, 0] *= 2 * w - 1
        index = torch.zeros((w * w + 1,) * 2, dtype=torch.long)
        index[1:, 1:] = relative.sum(-1)
        index[0, :] = self.table.shape[0] - 1
        bias = self.table[index.view(-1)].view(w * w + 1, w * w + 1, 2)
        return x + bias.sum(-1)


def build(kind: str):
    return {"unseeded": Unseeded, "dict": Dict, "nested": Nested, "dataclass": Dataclass, "mask_first": MaskFirst,
            "positional": Positional, "steps": Steps, "relative": RelativeIndex}[kind]().eval()
'''


def project(tmp_path: Path, yaml_text: str) -> Path:
    folder = tmp_path / "project"
    (folder / "usermodels").mkdir(parents=True, exist_ok=True)
    (folder / "usermodels" / "__init__.py").write_text(MODELS)
    path = folder / "models.yaml"
    path.write_text(textwrap.dedent(yaml_text))
    return path


def one(tmp_path: Path, body: str):
    return load_project(project(tmp_path, "models:\n" + textwrap.indent(textwrap.dedent(body), "  "))).models[0]


# ---- outputs are pytrees ------------------------------------------------------------------------

def test_leaf_names_follow_the_structure():
    value = (torch.ones(1), {"a": torch.ones(1), "b": (torch.ones(1), [torch.ones(1)]), "c": None})
    leaves, paths = output_leaves(value)
    assert [leaf_name(p) for p in paths] == ["output_0", "output_1.a", "output_1.b.0", "output_1.b.1.0"]
    assert len(leaves) == 4, "None is dropped"
    assert [leaf_name(p) for p in output_leaves(torch.ones(1))[1]] == ["output_0"]


def test_a_dict_declared_out_of_order_is_matched_by_key(tmp_path):
    spec = one(tmp_path, """
        - name: d
          source: usermodels:build
          args: {kind: dict}
          inputs: [{name: x, dtype: fp32, shape: [2, 5]}]
          outputs: [{name: logits}, {name: probs, tolerance: {atol: 1.0e-5}}]
        """)
    converted = convert_model(spec)
    assert [o.name for o in converted.spec.outputs] == ["probs", "logits"]  # the model's order
    assert converted.spec.outputs[0].tolerance == {"atol": 1.0e-5}
    results = check_model(spec)
    assert all(r.passed for r in results), [r.to_dict() for r in results]
    network = converted.network
    assert [network.get_output(i).name for i in range(network.num_outputs)] == ["probs", "logits"]


def test_omitted_outputs_are_named_by_structure(tmp_path):
    spec = one(tmp_path, """
        - name: n
          source: usermodels:build
          args: {kind: nested}
          inputs: [{name: x, dtype: fp32, shape: [3]}]
        """)
    converted = convert_model(spec)
    assert [o.name for o in converted.spec.outputs] == ["output_0", "output_1.a", "output_1.b.0", "output_1.b.1.0"]
    assert all(r.passed for r in check_model(spec))


def test_dataclass_outputs_are_named_by_field(tmp_path):
    spec = one(tmp_path, """
        - name: dc
          source: usermodels:build
          args: {kind: dataclass}
          inputs: [{name: x, dtype: fp32, shape: [2, 4]}]
        """)
    assert [o.name for o in convert_model(spec).spec.outputs] == ["embedding", "norm"]
    assert all(r.passed for r in check_model(spec))


@pytest.mark.parametrize(("outputs", "problems"), [
    ("[{name: logit}, {name: probs}]", ["'logit' is not among the model's outputs (probs, logits) (did you mean "
                                        "'logits'?)", "the model also returns 'logits': declare it"]),
    ("[{name: probs}]", ["the model also returns 'logits'"]),
])
def test_declared_outputs_the_model_does_not_return_are_named(tmp_path, outputs, problems):
    spec = one(tmp_path, f"""
        - name: d
          source: usermodels:build
          args: {{kind: dict}}
          inputs: [{{name: x, dtype: fp32, shape: [2, 5]}}]
          outputs: {outputs}
        """)
    with pytest.raises(SpecError) as info:
        convert_model(spec)
    text = str(info.value)
    assert str(spec.spec_file) in text and "model 'd': outputs:" in text
    for problem in problems:
        assert problem in text


def test_a_tuple_with_the_wrong_count_says_what_it_returns(tmp_path):
    spec = one(tmp_path, """
        - name: n
          source: usermodels:build
          args: {kind: nested}
          inputs: [{name: x, dtype: fp32, shape: [3]}]
          outputs: [{name: first}, {name: second}]
        """)
    with pytest.raises(SpecError, match=r"the model returns 4 tensor\(s\) \(output_0, output_1.a, output_1.b.0, "
                                        r"output_1.b.1.0\) but models.yaml declares 2 \(first, second\)"):
        convert_model(spec)


# ---- inputs by name -----------------------------------------------------------------------------

def test_inputs_declared_out_of_forward_order_go_by_name(tmp_path):
    spec = one(tmp_path, """
        - name: m
          source: usermodels:build
          args: {kind: mask_first}
          inputs:
            - {name: x, dtype: fp32, shape: [2, 3]}
            - {name: mask, dtype: fp32, shape: [2, 3], range: [0, 1]}
        """)
    results = check_model(spec)
    assert all(r.passed for r in results), [r.to_dict() for r in results]
    sample = generated_samples(spec)[0]
    got = convert_model(spec).module(**sample.inputs)
    assert torch.equal(got, sample.inputs["x"] * sample.inputs["mask"] * 3.0)


def test_a_forward_without_named_parameters_takes_inputs_by_position(tmp_path, cli):
    from trtrepo.structure import bind_inputs

    spec = one(tmp_path, """
        - name: p
          source: usermodels:build
          args: {kind: positional}
          inputs: [{name: a, dtype: fp32, shape: [3]}, {name: b, dtype: fp32, shape: [3]}]
        """)
    binding = bind_inputs(spec, convert_model(spec).module)
    assert not binding.by_name and "inputs are passed by position (a, b)" in binding.note
    assert all(r.passed for r in check_model(spec))
    result = cli("build", spec.spec_file, "--repo", tmp_path / "repo")
    assert result.exit_code == 0, result.output
    assert "note: p: inputs are passed by position (a, b): forward has no parameter named 'a', 'b'" in result.output


# ---- the weights that were converted ------------------------------------------------------------

UNSEEDED = """
    - name: score
      source: usermodels:build
      args: {kind: unseeded}
      max_batch_size: 4
      inputs: [{name: x, dtype: fp32, shape: [batch, 8]}]
      outputs: [{name: score}]
    """


def test_an_unseeded_factory_passes_check_against_the_module_it_captured(tmp_path):
    spec = one(tmp_path, UNSEEDED)
    results = check_model(spec)
    assert all(r.passed for r in results), [r.to_dict() for r in results]
    assert results[2].input_shapes == {"x": [4, 8]}


def test_verify_from_source_refuses_a_factory_that_changes_its_weights(tmp_path):
    from trtrepo.verify.run import Reference, eager_reference

    spec = one(tmp_path, UNSEEDED)
    with pytest.raises(Exception, match="returns different weights on each call .* seed the factory"):
        eager_reference(spec, Reference("source", tmp_path / "repo"))


# ---- sources as users have them -----------------------------------------------------------------

def test_a_local_hugging_face_checkpoint_through_a_dotted_source(tmp_path, cli):
    import transformers

    folder = tmp_path / "hf"
    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=32)
    transformers.BertModel(config).save_pretrained(folder / "ckpt")
    (folder / "models.yaml").write_text(textwrap.dedent("""
        models:
          - name: bert
            source: transformers:AutoModel.from_pretrained
            args: {pretrained_model_name_or_path: ./ckpt}
            inputs:
              - {name: input_ids, dtype: int64, shape: [1, {min: 2, opt: 8, max: 16, name: seq}], range: [0, 49]}
              - {name: attention_mask, dtype: int64, shape: [1, {min: 2, opt: 8, max: 16, name: seq}], range: [1, 1]}
            outputs: [{name: last_hidden_state}, {name: pooler_output}]
        """))
    repo = tmp_path / "repo"
    result = cli("build", folder / "models.yaml", "--repo", repo, "--check")
    assert result.exit_code == 0, result.output
    record = json.loads((repo / "bert" / "trtrepo.json").read_text())
    assert record["check"]["passed"] and record["inputs_by_name"] is True
    assert [o["name"] for o in record["outputs"]] == ["last_hidden_state", "pooler_output"]
    before = record["fingerprint"]
    (folder / "ckpt" / "config.json").write_text((folder / "ckpt" / "config.json").read_text() + "\n")
    assert cli("build", folder / "models.yaml", "--repo", repo).exit_code == 0
    assert json.loads((repo / "bert" / "trtrepo.json").read_text())["fingerprint"] != before, \
        "a change in the checkpoint folder the args name rebuilds the model"


# ---- sizes in multiples -------------------------------------------------------------------------

STEPS = """
    - name: steps
      source: usermodels:build
      args: {kind: steps}
      inputs: [{name: x, dtype: fp32, shape: [2, {min: 8, opt: 32, max: 64, name: sequence, multiple_of: 8}]}]
    """


def test_multiple_of_makes_a_derived_dim_and_every_sample_a_multiple(tmp_path):
    spec = one(tmp_path, STEPS)
    samples = generated_samples(spec, count=12, seed=5)
    sizes = [s.inputs["x"].shape[1] for s in samples]
    assert sizes[:3] == [8, 32, 64] and all(size % 8 == 0 and 8 <= size <= 64 for size in sizes)
    assert len(set(sizes[3:])) > 1, "random sizes vary"
    results = check_model(spec, samples=8)
    assert len(results) == 8 and all(r.passed for r in results)


def test_multiple_of_bounds_must_be_multiples(tmp_path):
    with pytest.raises(SpecError) as info:
        one(tmp_path, STEPS.replace("min: 8, opt: 32", "min: 4, opt: 30"))
    assert "inputs[0].shape[1].min: min (4) must be a multiple of multiple_of (8)" in str(info.value)
    assert "inputs[0].shape[1].opt: opt (30) must be a multiple of multiple_of (8)" in str(info.value)


# ---- export's specialisations in models.yaml terms ----------------------------------------------

def test_a_guard_says_the_dim_the_line_and_multiple_of(tmp_path, cli):
    path = project(tmp_path, "models:\n" + textwrap.indent(textwrap.dedent(STEPS), "  ").replace(
        ", multiple_of: 8", ""))
    result = cli("build", path, "--repo", tmp_path / "repo")
    assert result.exit_code == 2
    assert "torch.export cannot keep a declared dynamic dim as declared" in result.output
    assert "inputs[0].shape[1] (input 'x', 8..64): the model's code needs" in result.output
    assert "usermodels/__init__.py" in result.output and "x.reshape(x.shape[0], x.shape[1] // 8, 8)" in result.output
    assert "add `multiple_of: 8`" in result.output
    assert "draft_export" not in result.output and "TORCH_LOGS" not in result.output
    assert not (tmp_path / "repo").exists()


# ---- input-independent subgraphs are folded -----------------------------------------------------

def test_a_relative_position_index_built_in_place_becomes_a_constant(tmp_path):
    spec = one(tmp_path, """
        - name: rel
          source: usermodels:build
          args: {kind: relative}
          inputs: [{name: x, dtype: fp32, shape: [{min: 1, opt: 2, max: 3}, 17, 17]}]
        """)
    converted = convert_model(spec)
    used = set(converted.result.converters_used)
    assert not used & {"aten.index_put.default", "aten.copy.default", "aten.slice_scatter.default",
                       "aten.arange.default", "aten.zeros.default"}, used
    results = check_model(spec)
    assert all(r.passed for r in results) and results[0].category is Category.PASSED
