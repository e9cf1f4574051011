"""The quantization stage ``trtrepo.network`` calls between capture and lowering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx
from torch import nn
from torch.export import ExportedProgram

from trtrepo.capture import capture
from trtrepo.errors import CaptureError
from trtrepo.quantize.calibration import CalibrationData, calibration_data
from trtrepo.quantize.fp8_op import FP8_QUANTIZE_OPS
from trtrepo.quantize.pt2e import fake_quantize
from trtrepo.quantize.settings import QuantSettings, quant_settings
from trtrepo.sources import module_float_dtype
from trtrepo.spec import ModelSpec
from trtrepo.structure import bind_inputs

QDQ_NAMESPACE = "quantized_decomposed"


@dataclass
class Quantized:
    """The quantized program (captured again), the fake-quantized module, and the record."""

    captured: ExportedProgram
    module: nn.Module  # the fake-quantized eager model: the quantized program run by PyTorch
    settings: QuantSettings
    calibration: CalibrationData
    notes: list[str] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        """The ``quantization`` entry of trtrepo.json."""
        counts = quantized_tensor_counts(self.captured)
        return {"scheme": self.settings.to_record(), "calibration": self.calibration.to_record(),
                "quantized_tensors": counts["total"], "quantized_weights": counts["weights"],
                "quantized_activations": counts["activations"], "fallbacks": list(self.notes)}


def quantized_tensor_counts(program: ExportedProgram) -> dict[str, int]:
    """Dequantize ops in the program: one per quantized tensor (weights are stored quantized)."""
    from trtrepo.graph import constant_values

    constants = set(constant_values(program))
    weights = activations = 0
    for node in program.graph_module.graph.nodes:
        target = node.target
        if node.op == "call_function" and getattr(target, "namespace", "") in (QDQ_NAMESPACE, "trtrepo") \
                and "dequantize" in str(target):
            source = node.args[0]
            if is_qdq(source) or getattr(source, "target", None) in FP8_QUANTIZE_OPS:
                source = source.args[0]  # a weight quantized in the graph (FP8)
            if getattr(source, "name", None) in constants:
                weights += 1
            else:
                activations += 1
    return {"total": weights + activations, "weights": weights, "activations": activations}


def quantize(spec: ModelSpec, module: nn.Module, captured: ExportedProgram) -> Quantized:
    """Calibrate and place Q/DQ on ``captured``, then capture the result with the declared dims."""
    settings = quant_settings(spec)
    data = calibration_data(spec, settings)
    binding = bind_inputs(spec, module)
    float_dtype = module_float_dtype(module)

    def feed(prepared: nn.Module) -> None:
        for sample in data.samples:
            inputs = {k: v.to(float_dtype) if float_dtype and v.is_floating_point() else v
                      for k, v in sample.inputs.items()}
            args, kwargs = binding.arguments(spec, inputs)
            prepared(*args, **kwargs)

    try:
        fake, placement = fake_quantize(captured.module(), settings, feed)
    except Exception as exc:  # the library's errors, reported with the model
        raise CaptureError(f"{spec.spec_file}: model {spec.name!r}: quantization (PT2E) failed: "
                           f"{type(exc).__name__}: {exc}") from None
    notes = [f"quantization: {line}" for line in placement.fallbacks]
    if not placement.quantized:
        notes.append(f"quantization: no {'/'.join(settings.ops)} op to quantize: the engine stays in float")
    requantized = capture(spec, fake)
    return Quantized(requantized, fake, settings, data, notes)


def is_qdq(node: Any) -> bool:
    """Whether an FX node is a PT2E quantize/dequantize op."""
    return (isinstance(node, torch.fx.Node) and node.op == "call_function"
            and getattr(node.target, "namespace", "") == QDQ_NAMESPACE)
