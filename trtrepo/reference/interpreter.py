"""Execute a TensorRT ``INetworkDefinition`` with PyTorch on CPU, layer by layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from trtrepo.errors import ReferenceExecutionError
from trtrepo.reference import ops  # noqa: F401  (registers every layer family)
from trtrepo.reference.dtypes import to_torch, trt_dtype_name
from trtrepo.reference.execution import run_region
from trtrepo.reference.layer import shape_fits
from trtrepo.reference.structure import plan


@dataclass(frozen=True)
class ReferenceResult:
    """What ``execute_network`` computed.

    ``outputs`` maps each network output name to its value, in network output order. ``tensors``
    maps every tensor name to its value (network inputs included) when intermediates were kept,
    otherwise it holds just the outputs.
    """

    outputs: dict[str, torch.Tensor]
    tensors: dict[str, torch.Tensor] = field(default_factory=dict)


def execute_network(
    network: Any, inputs: Mapping[str, torch.Tensor], keep_intermediates: bool = False
) -> ReferenceResult:
    """Run ``network`` on concrete ``inputs`` and return its outputs (and optionally every tensor).

    Loops and conditionals run as TensorRT defines them (``control``); with ``keep_intermediates`` a
    tensor inside a loop body holds its value from the last iteration that computed it.

    Raises ``ReferenceExecutionError`` for a missing, extra or mistyped input, for a failed assertion
    layer, and when a computed tensor's type or shape disagrees with what the network declares; its
    subclass ``UnsupportedLayerError`` for a layer or attribute the interpreter does not implement.
    """
    values = _bind_inputs(network, inputs)
    region = plan(network)
    run_region(network, region, values)
    outputs: dict[str, torch.Tensor] = {}
    for i in range(network.num_outputs):
        name = network.get_output(i).name
        if name not in values:
            raise ReferenceExecutionError(f"network output {name!r} was never computed")
        outputs[name] = values[name]
    return ReferenceResult(outputs=outputs, tensors=dict(values) if keep_intermediates else dict(outputs))


def _bind_inputs(network: Any, inputs: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    declared = [network.get_input(i) for i in range(network.num_inputs)]
    names = [tensor.name for tensor in declared]
    missing = [name for name in names if name not in inputs]
    extra = sorted(set(inputs) - set(names))
    if missing or extra:
        raise ReferenceExecutionError(f"network inputs do not match: missing {missing}, unexpected {extra}; "
                                      f"expected {names}")
    values: dict[str, torch.Tensor] = {}
    for tensor in declared:
        value = inputs[tensor.name]
        _check_input(tensor, value)
        values[tensor.name] = value
    return values


def _check_input(tensor: Any, value: Any) -> None:
    name = tensor.name
    if not isinstance(value, torch.Tensor):
        raise ReferenceExecutionError(f"input {name!r} must be a torch.Tensor, got {type(value).__name__}")
    dtype = to_torch(tensor.dtype)
    if dtype is None:
        raise ReferenceExecutionError(f"input {name!r} has type {trt_dtype_name(tensor.dtype)}, which is unsupported")
    if value.dtype != dtype:
        raise ReferenceExecutionError(f"input {name!r} must have dtype {dtype}, got {value.dtype}")
    if not shape_fits(list(tensor.shape), list(value.shape)):
        raise ReferenceExecutionError(
            f"input {name!r} has shape {list(value.shape)}, incompatible with declared {list(tensor.shape)}"
        )


