"""A fingerprint of a TensorRT network definition: what a plan was built from, checkable later.

``serve`` in reference mode rebuilds the network from the stored program with the converter of the
day; the plan Triton would load was built from the network of build day. The fingerprint — every
layer in order with its type, attributes and weights, every tensor's name, type and shape — is
recorded beside the plan's hash at build, and compared when the network is rebuilt, so a green
``verify`` is tied to the exact network the plan came from (an older trtrepo, other settings, a
swapped plan or program all show).

Attributes are read through the layer classes the reference interpreter downcasts to; weights are
hashed by their bytes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from trtrepo.reference import ops  # noqa: F401  (registers the layer classes)
from trtrepo.reference.registry import HANDLERS
from trtrepo.reference.structure import CONDITIONAL_BOUNDARY, LOOP_BOUNDARY
from trtrepo.trt_flavour import trt

# Attributes that describe where a layer came from rather than what it computes.
_SKIPPED = frozenset({"name", "metadata", "num_inputs", "num_outputs", "type"})
# Loop and conditional boundary layers have no handler (the interpreter runs them as a whole), but
# their attributes (an iterator's axis and direction, a loop output's kind) are what they compute.
_BOUNDARY_CLASSES = {**LOOP_BOUNDARY, **CONDITIONAL_BOUNDARY}


def network_fingerprint(network: Any) -> str:
    """sha256 over the network's inputs, layers (in order) and outputs."""
    digest = hashlib.sha256()
    for index in range(network.num_inputs):
        digest.update(_tensor_text(network.get_input(index)).encode())
    for index in range(network.num_layers):
        digest.update(json.dumps(layer_description(network.get_layer(index)), sort_keys=True, default=str).encode())
    for index in range(network.num_outputs):
        digest.update(("out " + _tensor_text(network.get_output(index))).encode())
    return digest.hexdigest()


def layer_description(layer: Any) -> dict[str, Any]:
    """A layer as data: name, type, inputs, outputs and every attribute its class exposes."""
    type_name = str(trt().ILayer.type.fget(layer).name)
    described: dict[str, Any] = {
        "name": layer.name, "type": type_name,
        "inputs": [layer.get_input(i).name if layer.get_input(i) is not None else None
                   for i in range(layer.num_inputs)],
        "outputs": [_tensor_text(layer.get_output(i)) for i in range(layer.num_outputs)],
    }
    entry = HANDLERS.get(type_name)
    layer_class = entry.layer_class if entry is not None else _BOUNDARY_CLASSES.get(type_name)
    if layer_class is not None:
        described["attributes"] = _attributes(layer, getattr(trt(), layer_class))
    return described


def _attributes(layer: Any, layer_class: type) -> dict[str, str]:
    """Every property of ``layer_class`` read off ``layer`` (downcast for the reading, then restored)."""
    original = layer.__class__
    layer.__class__ = layer_class
    try:
        values = {}
        for name in sorted(vars(layer_class)):
            if name.startswith("_") or name in _SKIPPED or not _is_property(vars(layer_class)[name]):
                continue
            try:
                values[name] = _value_text(getattr(layer, name))
            except Exception:  # a property TensorRT refuses to read in this state (e.g. unset)
                values[name] = "<unreadable>"
        return values
    finally:
        layer.__class__ = original


def _is_property(member: Any) -> bool:
    return isinstance(member, property) or type(member).__name__ == "property"


def _value_text(value: Any) -> str:
    module = trt()
    if isinstance(value, module.Weights):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        array = np.ascontiguousarray(value)
        return f"weights {array.dtype} {list(array.shape)} {hashlib.sha256(array.tobytes()).hexdigest()}"
    if hasattr(value, "__len__") and not isinstance(value, (str, bytes)):
        try:
            return str([int(v) for v in value])  # Dims, Permutation
        except (TypeError, ValueError):
            pass
    text = str(value)
    return text if " at 0x" not in text else type(value).__name__  # never an object's address


def _tensor_text(tensor: Any) -> str:
    return f"{tensor.name} {tensor.dtype} {list(tensor.shape)}"
