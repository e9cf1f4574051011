"""Execute a TensorRT ``INetworkDefinition`` with PyTorch on CPU, layer by layer."""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from trtrepo.errors import ReferenceExecutionError
from trtrepo.reference import ops  # noqa: F401  (registers every layer family)
from trtrepo.reference.dtypes import to_torch, trt_dtype_name
from trtrepo.reference.layer import LayerContext, describe
from trtrepo.reference.registry import HANDLERS, UNSUPPORTED
from trtrepo.trt_flavour import trt


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

    Raises ``ReferenceExecutionError`` for a missing, extra or mistyped input, for a layer or attribute the
    interpreter does not implement, for a failed assertion layer, and when a computed tensor's type
    or shape disagrees with what the network declares.
    """
    values = _bind_inputs(network, inputs)
    for index in _execution_order(network):
        _run_layer(network, index, values)
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
    if not _shape_fits(list(tensor.shape), list(value.shape)):
        raise ReferenceExecutionError(
            f"input {name!r} has shape {list(value.shape)}, incompatible with declared {list(tensor.shape)}"
        )


def _shape_fits(declared: list[int], actual: list[int]) -> bool:
    if len(declared) != len(actual):
        return False
    return all(d == -1 or d == a for d, a in zip(declared, actual, strict=True))


def _layer_type_name(layer: Any) -> str:
    # Read through ILayer's own property: on a downcast IPoolingLayer/IActivationLayer wrapper,
    # ``layer.type`` is the pooling/activation kind instead.
    return str(trt().ILayer.type.fget(layer).name)


def _execution_order(network: Any) -> list[int]:
    """Layer indices in a dependency order (TensorRT keeps creation order, and set_input may
    point a layer at the output of a later one); among ready layers the lowest index runs first."""
    producer: dict[str, int] = {}
    count = network.num_layers
    for i in range(count):
        layer = network.get_layer(i)
        for j in range(layer.num_outputs):
            producer[layer.get_output(j).name] = i
    known = {network.get_input(i).name for i in range(network.num_inputs)}
    deps: list[set[int]] = []
    for i in range(count):
        layer = network.get_layer(i)
        needs = set()
        for k in range(layer.num_inputs):
            tensor = layer.get_input(k)
            if tensor is None:
                continue
            if tensor.name in producer:
                needs.add(producer[tensor.name])
            elif tensor.name not in known:
                raise ReferenceExecutionError(
                    f"layer {layer.name!r} (#{i}) reads tensor {tensor.name!r}, which no layer produces"
                )
        deps.append(needs)
    return _kahn(deps)


def _kahn(deps: list[set[int]]) -> list[int]:
    users: list[list[int]] = [[] for _ in deps]
    pending = [len(d) for d in deps]
    for i, needs in enumerate(deps):
        for j in needs:
            users[j].append(i)
    ready = [i for i, n in enumerate(pending) if n == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for user in users[i]:
            pending[user] -= 1
            if pending[user] == 0:
                heapq.heappush(ready, user)
    if len(order) != len(deps):
        stuck = sorted(set(range(len(deps))) - set(order))
        raise ReferenceExecutionError(f"the network has a cycle through layers {stuck}")
    return order


def _run_layer(network: Any, index: int, values: dict[str, torch.Tensor]) -> None:
    layer = network.get_layer(index)
    type_name = _layer_type_name(layer)
    entry = HANDLERS.get(type_name)
    if entry is None:
        reason = UNSUPPORTED.get(type_name, "this layer type is not implemented")
        raise ReferenceExecutionError(f"layer {layer.name!r} (#{index}, {type_name}): {reason}")
    # Downcast to read the layer's attributes. pybind11 hands every caller the same wrapper object
    # for a layer, so the caller's own wrapper gets its class back afterwards.
    original_class = layer.__class__
    layer.__class__ = getattr(trt(), entry.layer_class)
    try:
        ctx = LayerContext(layer=layer, index=index, type_name=type_name, values=values)
        try:
            results = list(entry.run(ctx))
        except ReferenceExecutionError:
            raise
        except (RuntimeError, ValueError, IndexError, TypeError) as exc:
            raise ctx.fail(f"execution failed: {exc}") from exc
        if len(results) != layer.num_outputs:
            raise ctx.fail(f"handler produced {len(results)} outputs, the layer has {layer.num_outputs}")
        for j, value in enumerate(results):
            _store_output(ctx, j, value)
    finally:
        layer.__class__ = original_class


def _store_output(ctx: LayerContext, j: int, value: torch.Tensor) -> None:
    tensor = ctx.layer.get_output(j)
    dtype = ctx.output_dtype(j)
    if value.dtype != dtype:
        raise ctx.fail(f"output {j} ({tensor.name!r}) computed as {describe(value)} but the network declares {dtype}")
    try:
        declared = list(tensor.shape)
    except RuntimeError as exc:  # TensorRT could not infer it: the layer is invalid as configured
        raise ctx.fail(f"TensorRT cannot infer the shape of output {j} ({tensor.name!r}): {exc}") from exc
    if not _shape_fits(declared, list(value.shape)):
        raise ctx.fail(
            f"output {j} ({tensor.name!r}) computed with shape {list(value.shape)}, but the network declares {declared}"
        )
    ctx.values[tensor.name] = value
