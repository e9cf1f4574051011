"""Calibration data: generated from the declared inputs and ranges, or the user's own samples.

The user's samples take the forms ``verify.inputs`` takes (.npz/.npy files, a ``module:callable``)
and are read by the same loader (``trtrepo.samples``), so one file serves both.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

import torch

from trtrepo.quantize.settings import QuantSettings
from trtrepo.samples import Sample, generated_samples, user_samples
from trtrepo.spec import ModelSpec


@dataclass(frozen=True)
class CalibrationData:
    """The samples calibration ran on, and how the build record describes them."""

    samples: list[Sample]
    source: str  # "generated" or the user's entries

    @property
    def digest(self) -> str:
        """sha256 over every sample's input names, dtypes, shapes and bytes, in order."""
        digest = hashlib.sha256()
        for sample in self.samples:
            for name in sorted(sample.inputs):
                tensor = sample.inputs[name].contiguous()
                digest.update(f"{name}:{tensor.dtype}:{list(tensor.shape)};".encode())
                digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
        return digest.hexdigest()

    def to_record(self) -> dict[str, Any]:
        """Count, source and hash, for trtrepo.json."""
        return {"count": len(self.samples), "source": self.source, "sha256": self.digest}


def calibration_data(spec: ModelSpec, settings: QuantSettings) -> CalibrationData:
    """The user's samples when ``calibration.inputs`` names some, else ``samples`` generated ones.

    Generated samples start at the shape points of every profile, then random shapes, from a seed
    of their own (``calibration.seed``), so they differ from the inputs ``check`` compares on.
    """
    if settings.inputs:
        loaded = user_samples(dataclasses.replace(spec, verify_inputs=settings.inputs))
        return CalibrationData(loaded, ", ".join(settings.inputs))
    seed = 1_000_003 + settings.seed  # far from check's seeds (0, 1, ...)
    return CalibrationData(generated_samples(spec, settings.samples, seed), "generated")
