"""Post-training quantization end to end: the example MLP and CNN built as INT8 and FP8 with --check."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from trtrepo.cli import main
from trtrepo.network import convert_model
from trtrepo.reference.layer import downcast
from trtrepo.spec import load_project

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _project(tmp_path: Path, precision: str, **quantization) -> Path:
    shutil.copytree(EXAMPLES / "models", tmp_path / "models")
    project = yaml.safe_load((EXAMPLES / "models.yaml").read_text())
    project["defaults"]["precision"] = precision
    project["defaults"]["quantization"] = {"calibration": {"samples": 4}, **quantization}
    file = tmp_path / "models.yaml"
    file.write_text(yaml.safe_dump(project))
    return file


def _layer_types(network) -> set[str]:
    return {network.get_layer(i).type.name for i in range(network.num_layers)}


@pytest.mark.parametrize("precision", ["int8", "fp8"])
@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_network_has_qdq_layers(tmp_path, model, precision):
    spec = next(m for m in load_project(_project(tmp_path, precision)).models if m.name == model)
    converted = convert_model(spec)
    assert {"QUANTIZE", "DEQUANTIZE"} <= _layer_types(converted.network)
    record = converted.quantized.to_record()
    assert record["quantized_weights"] == record["quantized_activations"] >= 2  # one pair per conv/linear
    assert record["calibration"]["count"] == 4 and record["calibration"]["source"] == "generated"


@pytest.mark.parametrize("precision", ["int8", "fp8"])
def test_build_with_check(tmp_path, precision):
    file = _project(tmp_path, precision)
    result = CliRunner().invoke(main, ["build", str(file), "--repo", str(tmp_path / "repo"), "--check",
                                       "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    for model in ("mlp", "cnn"):
        assert f"error split: {model}: quantization (fake-quant vs fp32) max abs " in result.output
        assert (tmp_path / "repo" / model / "1" / "model.plan").stat().st_size > 0
        record = json.loads((tmp_path / "repo" / model / "trtrepo.json").read_text())
        assert record["check"]["passed"]
        assert record["quantization"]["scheme"]["precision"] == precision
        assert record["quantization"]["calibration"]["count"] == 4
        errors = record["check"]["quantization_error"]
        assert errors and all(e["conversion"]["cosine"] > 0.999 for e in errors)
    shown = CliRunner().invoke(main, ["inspect", str(tmp_path / "repo")])
    assert f"quantization: {precision}" in shown.output, shown.output


def _dequantize_axes(network) -> list[int]:
    axes = []
    for layer in (network.get_layer(i) for i in range(network.num_layers)):
        if layer.type.name == "DEQUANTIZE":
            with downcast(layer, "IDequantizeLayer") as dequantize:
                axes.append(dequantize.axis)
    return axes


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_fp8_per_channel_weights(tmp_path, model):
    file = _project(tmp_path, "fp8", weights="per_channel")
    spec = next(m for m in load_project(file).models if m.name == model)
    converted = convert_model(spec)
    assert converted.quantized.to_record()["scheme"]["weights"] == "per_channel"
    ops = {str(n.target) for n in converted.program.graph.nodes}
    assert "trtrepo.dequantize_fp8_channels.default" in ops, ops
    # A weight's dequantize scales along its output channels (axis 0); activations' along none.
    assert 0 in _dequantize_axes(converted.network)
    result = CliRunner().invoke(main, ["check", str(file), "--model", model])
    assert result.exit_code == 0, result.output
    assert f"{model} [min] logits: quantization (fake-quant vs fp32)" in result.output


def _zoo(tmp_path: Path, precision: str, names: tuple[str, ...]) -> Path:
    zoo = EXAMPLES / "zoo"
    shutil.copytree(zoo / "zoo_models", tmp_path / "zoo_models")
    project = yaml.safe_load((zoo / "models.yaml").read_text())
    project["defaults"] = {**project.get("defaults", {}), "precision": precision,
                           "quantization": {"calibration": {"samples": 2}}}
    project["models"] = [m for m in project["models"] if m["name"] in names]
    file = tmp_path / "models.yaml"
    file.write_text(yaml.safe_dump(project))
    return file


@pytest.mark.parametrize("precision", ["int8", "fp8"])
def test_zoo_cnn_and_encoder_build_with_check(tmp_path, precision):
    file = _zoo(tmp_path, precision, ("resnet", "encoder"))
    result = CliRunner().invoke(main, ["build", str(file), "--repo", str(tmp_path / "repo"), "--check",
                                       "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    for model in ("resnet", "encoder"):
        record = json.loads((tmp_path / "repo" / model / "trtrepo.json").read_text())
        assert record["check"]["passed"] and record["quantization"]["quantized_tensors"] > 0


def test_unquantizable_op_falls_back_with_a_note(tmp_path):
    file = _zoo(tmp_path, "int8", ("unet",))
    converted = convert_model(load_project(file).models[0])
    notes = [n for n in converted.notes if n.startswith("quantization:")]
    assert notes and all("stays in float (a transposed convolution" in n for n in notes), converted.notes
    assert {"QUANTIZE", "DEQUANTIZE"} <= _layer_types(converted.network)


def test_check_splits_the_error_into_quantization_and_conversion(tmp_path):
    file = _project(tmp_path, "int8")
    report = tmp_path / "check.json"
    result = CliRunner().invoke(main, ["check", str(file), "--model", "mlp", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "mlp [min] logits: quantization (fake-quant vs fp32) max abs " in result.output
    cases = json.loads(report.read_text())["cases"]
    assert all(len(c["quantization_split"]) == 1 for c in cases), cases
    split = cases[0]["quantization_split"][0]
    # Quantization, not conversion, is where an INT8 model's error comes from.
    assert split["quantization"]["max_abs"] > 0 and split["conversion"]["cosine"] > 0.999
    assert split["conversion"]["max_abs"] < split["quantization"]["max_abs"]
