"""What a layer handler sees: the downcast layer, its input values, and the ways to fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from trtrepo.errors import ReferenceExecutionError
from trtrepo.reference.dtypes import INTEGER, to_torch, trt_dtype_name
from trtrepo.trt_flavour import trt


class UnsupportedLayerError(ReferenceExecutionError):
    """A layer (or an attribute of one) the interpreter refuses by design, not a failure of the network.

    ``type_name`` is the layer's ``LayerType`` member name. Callers that survey many networks (the
    ONNX conformance suite) count these apart from wrong answers and from networks that cannot run.
    """

    def __init__(self, message: str, type_name: str):
        super().__init__(message)
        self.type_name = type_name


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

    def unsupported(self, what: str) -> UnsupportedLayerError:
        """A refusal naming this layer: something the interpreter does not implement; the caller raises it."""
        return UnsupportedLayerError(f"{self.label}: {what}", self.type_name)

    def value_of(self, tensor: Any, what: str) -> torch.Tensor:
        """The value of a tensor this layer reads other than through its inputs (an attention's mask, ...)."""
        if tensor.name not in self.values:
            raise self.fail(f"{what} {tensor.name!r} was never computed")
        return self.values[tensor.name]

    def store(self, index: int, value: torch.Tensor) -> None:
        """Record output ``index`` after checking its type and shape against what the network declares."""
        tensor = self.layer.get_output(index)
        dtype = self.output_dtype(index)
        if value.dtype != dtype:
            raise self.fail(f"output {index} ({tensor.name!r}) computed as {describe(value)} "
                            f"but the network declares {dtype}")
        try:
            declared = list(tensor.shape)
        except RuntimeError as exc:  # TensorRT could not infer it: the layer is invalid as configured
            raise self.fail(f"TensorRT cannot infer the shape of output {index} ({tensor.name!r}): {exc}") from exc
        if not shape_fits(declared, list(value.shape)):
            raise self.fail(f"output {index} ({tensor.name!r}) computed with shape {list(value.shape)}, "
                            f"but the network declares {declared}")
        self.values[tensor.name] = value

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


def layer_type_name(layer: Any) -> str:
    """The ``LayerType`` member name of a layer, read through ILayer's own property: on a downcast
    IPoolingLayer/IActivationLayer wrapper, ``layer.type`` is the pooling/activation kind instead."""
    return str(trt().ILayer.type.fget(layer).name)


@contextmanager
def downcast(layer: Any, layer_class: str) -> Iterator[Any]:
    """The layer as its ``I...Layer`` class while the block runs, so its attributes can be read.

    pybind11 hands every caller the same wrapper object for a layer, so the caller's own wrapper gets
    its class back afterwards.
    """
    original_class = layer.__class__
    layer.__class__ = getattr(trt(), layer_class)
    try:
        yield layer
    finally:
        layer.__class__ = original_class


def shape_fits(declared: list[int], actual: list[int]) -> bool:
    """Whether concrete dimensions match declared ones, where -1 matches anything."""
    if len(declared) != len(actual):
        return False
    return all(d == -1 or d == a for d, a in zip(declared, actual, strict=True))


def dims(value: Any) -> list[int] | None:
    """A TensorRT ``Dims``/``Permutation``/tuple as a list of ints (None stays None)."""
    if value is None:
        return None
    return [int(v) for v in value]


def describe(t: torch.Tensor) -> str:
    """``dtype[shape]`` of a tensor, for messages."""
    return f"{str(t.dtype).replace('torch.', '')}{list(t.shape)}"
