"""Capture a model with ``torch.export``, with the dynamic dims models.yaml declares."""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from trtrepo.capture_advice import GuardSite, explain, named_sizes, without_torch_advice
from trtrepo.errors import CaptureError
from trtrepo.samples import export_inputs, generated_samples
from trtrepo.sources import TORCH_DIR, module_float_dtype, user_frame
from trtrepo.spec import Dim, ModelSpec
from trtrepo.structure import InputBinding, bind_inputs, register_dataclasses


def dynamic_shapes(spec: ModelSpec, binding: InputBinding | None = None) -> Any:
    """torch.export dynamic_shapes: one ``Dim`` per dynamic-dim name, shared where names repeat.

    A dim with ``multiple_of: m`` is ``m * k`` for a ``Dim`` k (torch.export's derived dims), the
    only way torch.export accepts sizes a model can only take in steps (two 2x poolings, say).
    Keyed by input name when the inputs are passed by keyword, else a tuple in declared order.
    """
    dims: dict[str, Any] = {}
    per_input: dict[str, dict[int, Any]] = {}
    for tensor in spec.inputs:
        shapes: dict[int, Any] = {}
        for index, dim in enumerate(tensor.shape):
            if not dim.is_dynamic:
                continue
            assert dim.name is not None
            if dim.name not in dims:
                dims[dim.name] = _export_dim(dim)
            shapes[index] = dims[dim.name]
        per_input[tensor.name] = shapes
    if not dims:
        return None
    if binding is not None and binding.by_name:
        return per_input
    if binding is not None and binding.var_positional:
        return (tuple(per_input[t.name] for t in spec.inputs),)  # forward(*tensors): one argument, a tuple
    return tuple(per_input[t.name] for t in spec.inputs)


def _export_dim(dim: Dim) -> Any:
    assert dim.name is not None
    if dim.multiple_of == 1:
        return torch.export.Dim(dim.name, min=dim.min, max=dim.max)
    step = dim.multiple_of
    return step * torch.export.Dim(f"{dim.name}_over_{step}", min=dim.min // step, max=dim.max // step)


def capture(spec: ModelSpec, module: nn.Module,
            example: tuple[torch.Tensor, ...] | None = None) -> torch.export.ExportedProgram:
    """torch.export the module with the declared dynamic dims; errors name the model and the cause.

    The module runs once eagerly first (on ``example``, else on inputs generated within the
    declared shapes and ranges): a model that cannot run on inputs models.yaml allows is reported
    as such, not as an export failure, and dataclasses in its result are registered so torch.export
    can flatten them. Export itself traces shapes, not values, at sizes it will not specialise.
    """
    binding = bind_inputs(spec, module)
    if example is not None:
        _run_once(spec, module, _in_module_dtype(module, spec, example), binding)
    else:  # the tracing inputs, then the smallest and largest shapes of every profile
        for inputs in [export_inputs(spec), *_extreme_inputs(spec)]:
            _run_once(spec, module, _in_module_dtype(module, spec, inputs), binding)
    feed = _in_module_dtype(module, spec, export_inputs(spec))
    args, kwargs = binding.arguments(spec, feed)
    try:
        with torch.no_grad(), warnings.catch_warnings(), _torch_logs_silenced():
            # torch.export's own internals warn about its deprecated APIs; nothing a user can act on.
            warnings.filterwarnings("ignore", category=FutureWarning, module="copyreg")
            return torch.export.export(module, args, kwargs or None, dynamic_shapes=dynamic_shapes(spec, binding),
                                       strict=False)
    except Exception as exc:
        message = str(exc).strip()
        advice = explain(spec, message, lambda: guard_sites(module, args, kwargs, dynamic_shapes(spec, binding)))
        if advice is not None:
            raise CaptureError(f"{spec.spec_file}: model {spec.name!r}: {advice}") from None
        raise CaptureError(f"{spec.spec_file}: model {spec.name!r}: torch.export failed "
                           f"({type(exc).__name__}):\n{_shorten(without_torch_advice(message))}") from None


def guard_sites(module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], shapes: Any) -> list[GuardSite]:
    """Where the model's code constrained its sizes, found by torch.export's draft mode.

    Only run after an export failed, to point at the user's lines; torch keeps these records in
    private structures, so any surprise there leaves the explanation without lines, never broken.
    """
    try:
        with torch.no_grad(), warnings.catch_warnings(), _torch_logs_silenced():
            warnings.simplefilter("ignore")
            draft = torch.export.draft_export(module, args, kwargs or None, dynamic_shapes=shapes, strict=False)
        from torch._logging import structured

        files = {index: name for name, index in structured.INTERN_TABLE.items()}
        sites = []
        for failure in draft._report.failures:  # type: ignore[attr-defined]
            frames = [(files.get(f["filename"], "?"), f["line"], f["loc"]) for f in failure.data.get("user_stack", [])]
            user = [f for f in frames if not str(f[0]).startswith(TORCH_DIR)]
            if user:
                file, line, code = user[-1]
                sites.append(GuardSite(str(failure.data.get("expr", "")), f"{file}:{line}: {code}",
                                       named_sizes(failure.data.get("frame_locals"))))
        return sites
    except Exception:  # diagnosis only: the failure itself is reported either way
        return []


def _extreme_inputs(spec: ModelSpec) -> list[tuple[torch.Tensor, ...]]:
    """Seeded inputs at the min and max shapes of every profile (each distinct shape set once)."""
    if not any(d.is_dynamic for t in spec.inputs for d in t.shape):
        return []
    samples = generated_samples(spec, points=("min", "max"))
    distinct = {tuple(tuple(s.inputs[t.name].shape) for t in spec.inputs): s for s in samples}
    return [tuple(s.inputs[t.name] for t in spec.inputs) for s in distinct.values()]


def _in_module_dtype(module: nn.Module, spec: ModelSpec, tensors: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
    """Float inputs in the module's own float type: models.yaml may declare fp16/bf16 I/O for an
    fp32 model; the network casts at its edges, the graph itself is the model's."""
    float_dtype = module_float_dtype(module)
    return {t.name: a.to(float_dtype) if float_dtype and a.is_floating_point() else a
            for t, a in zip(spec.inputs, tensors, strict=True)}


def _run_once(spec: ModelSpec, module: nn.Module, feed: dict[str, torch.Tensor], binding: InputBinding) -> None:
    """The eager forward pass ``capture`` starts with; a failure is the user's model failing."""
    args, kwargs = binding.arguments(spec, feed)
    try:
        with torch.no_grad():
            value = module(*args, **kwargs)
    except Exception as exc:  # the user's model may raise anything
        shapes = ", ".join(f"{name} {list(t.shape)}" for name, t in feed.items())
        where = user_frame(exc)
        raise CaptureError(f"{spec.spec_file}: model {spec.name!r}: the model raised on inputs models.yaml allows "
                           f"({shapes}): {type(exc).__name__}: {exc}" + (f"\n  at {where}" if where else "")) from None
    register_dataclasses(value)


@contextmanager
def _torch_logs_silenced() -> Iterator[None]:
    """Nothing from torch's internals while exporting: on a failure torch logs whole tracebacks of
    its internals (fake tensors, symbolic shapes) and prints partial graph dumps; the exception
    itself, which we report, says what went wrong."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        logging.disable(previous)


def _shorten(message: str, limit: int = 40) -> str:
    lines = message.splitlines()
    return "\n".join(lines[:limit] + ([f"... ({len(lines) - limit} more lines)"] if len(lines) > limit else []))
