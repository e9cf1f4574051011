"""What a layer handler sees: the downcast layer, its input values, and one way to fail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from trtrepo.errors import ReferenceExecutionError
from trtrepo.reference.dtypes import INTEGER, to_torch, trt_dtype_name


@dataclass
class LayerContext:
    """One layer being executed.

    ``layer`` is already downcast to its ``I...Layer`` class, so its attributes can be read; note
    that on some classes (``IPoolingLayer``, ``IActivationLayer``) ``layer.type`` then names the
    pooling/activation kind, which is why ``type_name`` holds the ``LayerType`` separately.
    """

    layer: Any
    index: int
    type_name: str
    values: dict[str, torch.Tensor]

    @property
    def label(self) -> str:
        """``layer 'name' (#index, TYPE)`` for messages."""
        return f"layer {self.layer.name!r} (#{self.index}, {self.type_name})"

    def fail(self, what: str) -> ReferenceExecutionError:
        """An error naming this layer; the caller raises it."""
        return ReferenceExecutionError(f"{self.label}: {what}")

    def has_input(self, index: int) -> bool:
        """Whether optional input ``index`` is present (set and non-null)."""
        return index < self.layer.num_inputs and self.layer.get_input(index) is not None

    def input(self, index: int) -> torch.Tensor:
        """The value of input ``index``; a missing input is an error."""
        if not self.has_input(index):
            raise self.fail(f"input {index} is missing")
        return self.values[self.layer.get_input(index).name]

    def inputs(self) -> list[torch.Tensor]:
        """Values of all inputs, every one required."""
        return [self.input(i) for i in range(self.layer.num_inputs)]

    def output_dtype(self, index: int = 0) -> torch.dtype:
        """The torch dtype the network declares for output ``index``."""
        declared = self.layer.get_output(index).dtype
        dtype = to_torch(declared)
        if dtype is None:
            raise self.fail(f"output {index} has type {trt_dtype_name(declared)}, which is unsupported")
        return dtype

    def shape_values(self, index: int, what: str) -> list[int]:
        """Input ``index`` read as a 1D (or 0D) integer shape tensor."""
        value = self.input(index)
        if value.dtype not in INTEGER or value.dim() > 1:
            raise self.fail(f"{what} (input {index}) must be a 0D/1D integer tensor, got {describe(value)}")
        return [int(v) for v in value.reshape(-1).tolist()]

    def scalar(self, index: int, what: str) -> torch.Tensor:
        """Input ``index`` as a one-element tensor (any rank), flattened to 0D."""
        value = self.input(index)
        if value.numel() != 1:
            raise self.fail(f"{what} (input {index}) must hold one value, got {describe(value)}")
        return value.reshape(())

    def axis(self, axis: int, rank: int, what: str = "axis") -> int:
        """A possibly negative axis normalised to ``[0, rank)``."""
        if not -rank <= axis < rank:
            raise self.fail(f"{what} {axis} is out of range for rank {rank}")
        return axis % rank if rank else 0

    def axes_from_mask(self, mask: int, rank: int, what: str = "axes") -> list[int]:
        """The axes named by a TensorRT bitmask (bit i = dimension i)."""
        if mask >> rank:
            raise self.fail(f"{what} bitmask {mask:#b} names dimensions beyond rank {rank}")
        return [i for i in range(rank) if mask >> i & 1]


def dims(value: Any) -> list[int] | None:
    """A TensorRT ``Dims``/``Permutation``/tuple as a list of ints (None stays None)."""
    if value is None:
        return None
    return [int(v) for v in value]


def describe(t: torch.Tensor) -> str:
    """``dtype[shape]`` of a tensor, for messages."""
    return f"{str(t.dtype).replace('torch.', '')}{list(t.shape)}"
