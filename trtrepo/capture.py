"""Capture a model with ``torch.export``, with the dynamic dims models.yaml declares."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from trtrepo.errors import CaptureError
from trtrepo.samples import export_inputs
from trtrepo.sources import module_float_dtype
from trtrepo.spec import ModelSpec


def dynamic_shapes(spec: ModelSpec) -> tuple[dict[int, Any], ...]:
    """torch.export dynamic_shapes: one ``Dim`` per dynamic-dim name, shared where names repeat."""
    dims: dict[str, Any] = {}
    result = []
    for tensor in spec.inputs:
        per_input: dict[int, Any] = {}
        for index, dim in enumerate(tensor.shape):
            if not dim.is_dynamic:
                continue
            assert dim.name is not None
            if dim.name not in dims:
                dims[dim.name] = torch.export.Dim(dim.name, min=dim.min, max=dim.max)
            per_input[index] = dims[dim.name]
        result.append(per_input)
    return tuple(result)


def capture(spec: ModelSpec, module: nn.Module) -> torch.export.ExportedProgram:
    """torch.export the module with the declared dynamic dims; errors name the model and the cause."""
    # Trace float inputs in the module's own float type: models.yaml may declare fp16/bf16 I/O for
    # an fp32 model; the network casts at its edges, the graph itself is the model's.
    float_dtype = module_float_dtype(module)
    try:
        args = tuple(a.to(float_dtype) if float_dtype and a.is_floating_point() else a
                     for a in export_inputs(spec))
        with torch.no_grad(), warnings.catch_warnings(), _torch_logs_silenced():
            # torch.export's own internals warn about its deprecated APIs; nothing a user can act on.
            warnings.filterwarnings("ignore", category=FutureWarning, module="copyreg")
            return torch.export.export(module, args, dynamic_shapes=dynamic_shapes(spec), strict=False)
    except Exception as exc:
        message = str(exc).strip()
        raise CaptureError(f"{spec.spec_file}: model {spec.name!r}: torch.export failed "
                           f"({type(exc).__name__}):\n{_shorten(message)}") from None


@contextmanager
def _torch_logs_silenced() -> Iterator[None]:
    """No log records while exporting: on a failure torch logs whole tracebacks of its internals
    (fake tensors, symbolic shapes); the exception itself, which we report, says what went wrong."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)


def _shorten(message: str, limit: int = 40) -> str:
    lines = message.splitlines()
    return "\n".join(lines[:limit] + ([f"... ({len(lines) - limit} more lines)"] if len(lines) > limit else []))
