"""What models.yaml's ``precision: int8|fp8`` and ``quantization:`` ask for, defaults applied."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from trtrepo.spec import ModelSpec

QUANTIZED_PRECISIONS = ("int8", "fp8")
DEFAULT_OPS = ("conv", "linear", "matmul")
DEFAULT_CALIBRATION_SAMPLES = 8


@dataclass(frozen=True)
class QuantSettings:
    """One model's quantization scheme."""

    precision: str  # "int8" or "fp8"
    ops: tuple[str, ...] = DEFAULT_OPS
    activations: str = "per_tensor"
    weights: str = "per_channel"
    method: str = "max"  # or "histogram"
    samples: int = DEFAULT_CALIBRATION_SAMPLES
    inputs: tuple[str, ...] = ()  # the user's calibration samples (verify.inputs forms)
    seed: int = 0

    @property
    def dtype(self) -> torch.dtype:
        """The quantized storage type."""
        return torch.int8 if self.precision == "int8" else torch.float8_e4m3fn

    @property
    def bounds(self) -> tuple[int, int]:
        """The representable range TensorRT saturates to: INT8 [-128, 127], FP8 E4M3 [-448, 448]."""
        return (-128, 127) if self.precision == "int8" else (-448, 448)

    def to_record(self) -> dict[str, Any]:
        """The scheme, for trtrepo.json."""
        record: dict[str, Any] = {"precision": self.precision, "ops": list(self.ops),
                                  "activations": self.activations, "weights": self.weights,
                                  "method": self.method, "library": "torchao.quantization.pt2e"}
        return record


def is_quantized(spec: ModelSpec) -> bool:
    """Whether the model's engine precision is a quantized one."""
    return spec.precision in QUANTIZED_PRECISIONS


def quant_settings(spec: ModelSpec) -> QuantSettings:
    """The model's quantization settings (``quantization:`` over the defaults)."""
    raw = dict(spec.raw.get("quantization", {}) or {})
    calibration = dict(raw.get("calibration", {}) or {})
    inputs = calibration.get("inputs", ())
    return QuantSettings(
        precision=spec.precision,
        ops=tuple(raw.get("ops", DEFAULT_OPS)),
        activations=raw.get("activations", "per_tensor"),
        weights=raw.get("weights", "per_channel"),
        method=raw.get("method", "max"),
        samples=int(calibration.get("samples", DEFAULT_CALIBRATION_SAMPLES)),
        inputs=(inputs,) if isinstance(inputs, str) else tuple(inputs),
        seed=int(calibration.get("seed", 0)),
    )
