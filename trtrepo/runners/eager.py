"""The eager PyTorch model as a runner: the expected side of every comparison.

Floats run in fp32 whatever the model's own float type (an fp16 engine is judged against fp32,
not against fp16 PyTorch), on CUDA when asked. A model that raises on a sample is the user's
model failing on those inputs, reported with the inputs' shapes and the user's own source line.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

import torch
from torch import nn
from torch.export import ExportedProgram

from trtrepo.errors import Category, RunFailed, SpecError
from trtrepo.runners.base import TensorMeta, spec_inputs, spec_outputs
from trtrepo.sources import user_frame
from trtrepo.spec import ModelSpec
from trtrepo.structure import (
    InputBinding,
    bind_inputs,
    output_leaves,
    program_binding,
    resolve_outputs,
    served_as_vector,
)


def in_fp32(module: nn.Module) -> nn.Module:
    """``module`` with fp32 floats; a copy when it holds other float types (the original stays as it is)."""
    tensors = [*module.parameters(), *module.buffers()]
    if all(t.dtype == torch.float32 for t in tensors if t.is_floating_point()):
        return module
    return copy.deepcopy(module).float()


class EagerRunner:
    """``module(*inputs)`` in fp32, outputs named as models.yaml declares them."""

    def __init__(self, spec: ModelSpec, module: nn.Module, name: str = "eager PyTorch", device: str | None = None,
                 binding: InputBinding | None = None):
        self.spec = spec
        self.name = name
        self.device = device or "cpu"
        self.binding = binding or bind_inputs(spec, module)
        # No .eval() here: sources put factories' modules in eval mode, and an exported program's
        # module refuses train/eval switches (it is already an inference graph).
        module = in_fp32(module)
        self.module = module.to(self.device) if self.device != "cpu" else module

    @classmethod
    def from_program(cls, spec: ModelSpec, program: ExportedProgram, name: str = "eager (captured program)",
                     device: str | None = None) -> EagerRunner:
        """The captured program run by PyTorch: the weights of the converted network, no user code."""
        return cls(spec, program.module(), name, device, program_binding(program))

    @property
    def inputs(self) -> tuple[TensorMeta, ...]:
        """The declared inputs."""
        return spec_inputs(self.spec)

    @property
    def outputs(self) -> tuple[TensorMeta, ...]:
        """The declared outputs."""
        return spec_outputs(self.spec)

    def infer(self, feed: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Run the model on ``feed``; floats in fp32, results on the CPU, named as ``trtrepo.structure`` says."""
        args, kwargs = self.binding.arguments(self.spec, {n: _fp32(t).to(self.device) for n, t in feed.items()})
        try:
            with torch.no_grad():
                value = self.module(*args, **kwargs)
        except Exception as exc:  # the user's model may raise anything
            raise RunFailed(self._failure(feed, exc), Category.REFERENCE) from None
        leaves, paths = output_leaves(value)
        try:
            outputs = resolve_outputs(self.spec, paths)
        except SpecError as exc:
            raise RunFailed(str(exc), Category.REFERENCE) from None
        not_tensors = [o.name for o, leaf in zip(outputs, leaves, strict=True) if not isinstance(leaf, torch.Tensor)]
        if not_tensors:
            raise RunFailed(f"model {self.spec.name!r}: outputs {not_tensors} are not tensors", Category.REFERENCE)
        return {o.name: _as_served(self.spec, leaf.detach().cpu()) for o, leaf in zip(outputs, leaves, strict=True)}

    def _failure(self, feed: Mapping[str, torch.Tensor], exc: Exception) -> str:
        shapes = ", ".join(f"{name} {list(t.shape)} {str(t.dtype).replace('torch.', '')}"
                           f"{_range_text(self.spec, name)}" for name, t in feed.items())
        where = user_frame(exc)
        return (f"{self.spec.spec_file}: model {self.spec.name!r}: the eager PyTorch model raised on generated "
                f"inputs ({shapes}): {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
                + (f"\n  at {where}" if where else "")
                + "\n  the model cannot run on inputs models.yaml allows: narrow the declared shapes or `range`")


def _as_served(spec: ModelSpec, tensor: torch.Tensor) -> torch.Tensor:
    return tensor.reshape(1) if served_as_vector(spec, tensor.dim()) else tensor


def _fp32(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.float() if tensor.is_floating_point() else tensor


def _range_text(spec: ModelSpec, name: str) -> str:
    declared = next((t for t in spec.inputs if t.name == name), None)
    if declared is None or declared.value_range is None:
        return ""
    lo, hi = declared.value_range
    return f" in range [{lo:g}, {hi:g}]"
