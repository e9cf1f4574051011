"""Compare what the server says about a model with what models.yaml declares.

Wrong names, data types, dims, batch sizes and batching settings are the errors Triton users hit
most; each mismatch is reported as one precise sentence.
"""

from __future__ import annotations

from typing import Any

from trtrepo.spec import ModelSpec, TensorSpec


def declared_dims(tensor: TensorSpec, batching: bool) -> list[int]:
    """Triton dims for a declared input: -1 where dynamic, without the batch dim when batching."""
    dims = [-1 if d.is_dynamic else d.opt for d in tensor.shape]
    return dims[1:] if batching else dims


def contract_mismatches(spec: ModelSpec, config: dict[str, Any], metadata: dict[str, Any]) -> list[str]:
    """Every difference between the served model and models.yaml (empty when they agree)."""
    problems: list[str] = []
    batching = spec.max_batch_size > 0
    if config["max_batch_size"] != spec.max_batch_size:
        problems.append(f"max_batch_size: server {config['max_batch_size']}, models.yaml {spec.max_batch_size}")
    if config["dynamic_batching"] != (spec.dynamic_batching is not None):
        problems.append(f"dynamic_batching: server {'on' if config['dynamic_batching'] else 'off'}, "
                        f"models.yaml {'on' if spec.dynamic_batching else 'off'}")
    served_inputs = {t["name"]: t for t in config["input"]}
    for tensor in spec.inputs:
        served = served_inputs.pop(tensor.name, None)
        if served is None:
            served_names = sorted(t["name"] for t in config["input"])
            problems.append(f"input {tensor.name!r}: not served (server inputs: {served_names})")
            continue
        assert tensor.dtype is not None
        if served["data_type"] != tensor.dtype.triton:
            problems.append(f"input {tensor.name!r}: data type: server {served['data_type']}, "
                            f"models.yaml {tensor.dtype.triton}")
        want = declared_dims(tensor, batching)
        if served["dims"] != want:
            problems.append(f"input {tensor.name!r}: dims: server {served['dims']}, models.yaml {want}")
    for extra in served_inputs:
        problems.append(f"input {extra!r}: served but not declared in models.yaml (requests would lack it)")
    served_outputs = {t["name"]: t for t in config["output"]}
    for tensor in spec.outputs:
        served = served_outputs.get(tensor.name)
        if served is None:
            problems.append(f"output {tensor.name!r}: not served (server outputs: {sorted(served_outputs)})")
        elif tensor.dtype is not None and served["data_type"] != tensor.dtype.triton:
            problems.append(f"output {tensor.name!r}: data type: server {served['data_type']}, "
                            f"models.yaml {tensor.dtype.triton}")
    problems += _metadata_mismatches(spec, metadata, batching)
    return problems


def _metadata_mismatches(spec: ModelSpec, metadata: dict[str, Any], batching: bool) -> list[str]:
    """Metadata shapes carry the batch dim as -1 when batching: check they agree with the config view."""
    problems = []
    served = {t["name"]: t for t in metadata["inputs"]}
    for tensor in spec.inputs:
        meta = served.get(tensor.name)
        if meta is None or tensor.dtype is None:
            continue
        if meta["datatype"] != tensor.dtype.wire:
            problems.append(f"input {tensor.name!r}: metadata datatype: server {meta['datatype']}, "
                            f"models.yaml {tensor.dtype.wire}")
        want = ([-1] if batching else []) + declared_dims(tensor, batching)
        if meta["shape"] != want:
            problems.append(f"input {tensor.name!r}: metadata shape: server {meta['shape']}, models.yaml {want}")
    return problems
