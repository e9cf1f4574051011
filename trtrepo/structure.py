"""How a model takes its inputs and returns its outputs, decided once for every stage.

* **Inputs by name.** When every declared input name is a parameter of ``forward``, tensors are
  passed by keyword (parameters models.yaml does not declare keep their defaults); otherwise by
  position, in declaration order, and the build says so.
* **Outputs are pytrees.** A model may return a tensor, (nested) tuples and lists, dicts,
  dataclasses or Hugging Face ``ModelOutput`` objects. Every tensor leaf gets a name: the dict key
  or field name, nested paths joined with ``.`` (``past_key_values.0.key``), and ``output_0``,
  ``output_1``, ... where nothing names it. ``None`` leaves are dropped, as Hugging Face does.
  Declared outputs are matched by name for dict-like results (order does not matter) and by
  position for tuples.

``capture``, the converter, the eager runner, the build record and ``serve`` all read these
decisions from here, so every stage agrees on the same names.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils import _pytree as pytree

from trtrepo.dtypes import parse_dtype
from trtrepo.errors import SpecError
from trtrepo.spec import ModelSpec, TensorSpec
from trtrepo.spec.messages import suggest

KeyPath = tuple[Any, ...]  # torch pytree key entries (MappingKey, SequenceKey, GetAttrKey)


# ---- inputs -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InputBinding:
    """Whether a model's inputs are passed by keyword, and why not when they are not."""

    by_name: bool
    note: str = ""  # for the build output, when inputs go by position
    var_positional: bool = False  # forward(*tensors): torch.export sees one argument holding them all

    def arguments(self, spec: ModelSpec, feed: Mapping[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` for calling the model (or torch.export) with ``feed``."""
        if self.by_name:
            return (), {t.name: feed[t.name] for t in spec.inputs}
        return tuple(feed[t.name] for t in spec.inputs), {}


def bind_inputs(spec: ModelSpec, module: torch.nn.Module) -> InputBinding:
    """By name when every declared input is a parameter of ``module.forward``, else by position."""
    try:
        parameters = inspect.signature(module.forward).parameters
    except (TypeError, ValueError):  # a builtin or C-implemented forward: nothing to match names with
        return InputBinding(False, "inputs are passed by position: forward's signature cannot be read")
    named = {n for n, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    missing = [t.name for t in spec.inputs if t.name not in named]
    if not missing:
        return InputBinding(True)
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()) and not named:
        return InputBinding(True)  # forward(**inputs): names are all it takes
    order = ", ".join(t.name for t in spec.inputs)
    packed = next(iter(parameters.values())).kind is inspect.Parameter.VAR_POSITIONAL if parameters else False
    return InputBinding(False, f"inputs are passed by position ({order}): forward has no parameter named "
                               f"{', '.join(map(repr, missing))} (its parameters: {', '.join(parameters)})", packed)


def program_binding(program: torch.export.ExportedProgram) -> InputBinding:
    """How a captured program takes its inputs: by keyword when it was exported with keywords."""
    args_spec = program.call_spec.in_spec
    kwargs = args_spec.child(1) if args_spec is not None and args_spec.num_children == 2 else None
    return InputBinding(bool(kwargs is not None and kwargs.context))


def input_order(program: torch.export.ExportedProgram, spec: ModelSpec) -> tuple[TensorSpec, ...]:
    """The declared inputs in the order of the program's user-input placeholders."""
    args_spec = program.call_spec.in_spec
    if args_spec is None or args_spec.num_children != 2:
        return spec.inputs
    positional, keywords = args_spec.child(0), args_spec.child(1)
    names = list(keywords.context or [])
    declared = {t.name: t for t in spec.inputs}
    if positional.num_leaves == 0 and sorted(names) == sorted(declared):
        return tuple(declared[n] for n in names)
    return spec.inputs


# ---- outputs ------------------------------------------------------------------------------------

def output_leaves(value: Any) -> tuple[list[Any], list[KeyPath]]:
    """The non-None leaves of a model's result, with their key paths, in pytree order."""
    register_dataclasses(value)
    flat, _ = pytree.tree_flatten_with_path(value)
    kept = [(path, leaf) for path, leaf in flat if leaf is not None]
    return [leaf for _, leaf in kept], [path for path, _ in kept]


def spec_paths(out_spec: pytree.TreeSpec, present: Sequence[bool] | None = None) -> list[KeyPath]:
    """Key paths of a TreeSpec's leaves (those ``present`` marks, when given)."""
    skeleton = pytree.tree_unflatten([torch.empty(0)] * out_spec.num_leaves, out_spec)
    paths = [path for path, _ in pytree.tree_flatten_with_path(skeleton)[0]]
    return [p for p, keep in zip(paths, present, strict=True) if keep] if present is not None else paths


def program_output_paths(program: torch.export.ExportedProgram) -> list[KeyPath]:
    """Key paths of a captured program's outputs that are tensors (None outputs are dropped)."""
    present = [o is not None for o in program.graph_signature.user_outputs]
    return spec_paths(program.call_spec.out_spec, present)


def leaf_name(path: KeyPath) -> str:
    """``last_hidden_state``, ``past_key_values.0.key``, or ``output_1`` for an unnamed position."""
    parts = [str(getattr(entry, "key", getattr(entry, "name", getattr(entry, "idx", entry)))) for entry in path]
    if not path or isinstance(path[0], pytree.SequenceKey):
        parts[:1] = [f"output_{parts[0] if parts else 0}"]
    return ".".join(parts)


def is_keyed(paths: Sequence[KeyPath]) -> bool:
    """Whether the result is dict-like at the top (its outputs are matched by name)."""
    return bool(paths) and all(p and not isinstance(p[0], pytree.SequenceKey) for p in paths)


def resolve_outputs(spec: ModelSpec, paths: Sequence[KeyPath]) -> tuple[TensorSpec, ...]:
    """The model's outputs in result order, named as models.yaml declares them (or by structure).

    A declared name the model does not return, a returned leaf left undeclared, or a count that
    differs is a SpecError naming the file, the model, the names returned and a did-you-mean.
    """
    names = [leaf_name(p) for p in paths]
    if not spec.outputs:
        resolved = tuple(TensorSpec(name, None) for name in names)
    elif is_keyed(paths):
        resolved = _match_by_name(spec, names)
    elif len(spec.outputs) != len(names):
        _refuse(spec, f"outputs: the model returns {len(names)} tensor(s) ({', '.join(names)}) but models.yaml "
                      f"declares {len(spec.outputs)} ({', '.join(o.name for o in spec.outputs)})")
    else:
        resolved = spec.outputs
    clashes = sorted({o.name for o in resolved} & {t.name for t in spec.inputs})
    if clashes:
        _refuse(spec, f"outputs: {', '.join(map(repr, clashes))} is also an input's name; Triton needs every input "
                      "and output named differently: declare `outputs:` with other names")
    return resolved


def _match_by_name(spec: ModelSpec, names: list[str]) -> tuple[TensorSpec, ...]:
    declared = {o.name: o for o in spec.outputs}
    problems = [f"outputs: {name!r} is not among the model's outputs ({', '.join(names)}){suggest(name, names)}"
                for name in declared if name not in names]
    problems += [f"outputs: the model also returns {name!r}: declare it, or leave `outputs:` out to take every "
                 "output by its name" for name in names if name not in declared]
    if problems:
        _refuse(spec, *problems)
    return tuple(declared[name] for name in names)


def _refuse(spec: ModelSpec, *problems: str) -> None:
    raise SpecError(str(spec.spec_file), [f"model {spec.name!r}: {p}" for p in problems])


def served_as_vector(spec: ModelSpec, rank: int) -> bool:
    """Whether an output of ``rank`` is served with shape [1]: Triton refuses scalar tensors for a
    model without batching ("cannot have empty reshape for non-batching model as scalar tensors
    are not supported", core model_config_utils.cc), so a 0-d result becomes a 1-element vector."""
    return spec.max_batch_size == 0 and rank == 0


def recorded_outputs(spec: ModelSpec, paths: Sequence[KeyPath]) -> list[dict[str, Any]]:
    """The resolved outputs as the build record keeps them: name, where in the result, dtype, tolerance."""
    return [{"name": o.name, "path": leaf_name(p), "dtype": o.dtype.name if o.dtype else None,
             "tolerance": o.tolerance} for o, p in zip(spec.outputs, paths, strict=True)]


def outputs_from_record(record: Mapping[str, Any]) -> tuple[TensorSpec, ...] | None:
    """The outputs a build resolved (None for a record of a trtrepo that did not keep them)."""
    if "outputs" not in record:
        return None
    return tuple(TensorSpec(o["name"], parse_dtype(o["dtype"]) if o["dtype"] else None, tolerance=o["tolerance"])
                 for o in record["outputs"])


def with_outputs(spec: ModelSpec, outputs: tuple[TensorSpec, ...]) -> ModelSpec:
    """``spec`` with its outputs resolved."""
    return dataclasses.replace(spec, outputs=outputs)


def register_dataclasses(value: Any) -> None:
    """Make plain dataclasses in a model's result pytree nodes (torch.export must flatten them)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = type(value)
        if kind not in pytree.SUPPORTED_NODES:
            torch.export.register_dataclass(kind, serialized_type_name=f"{kind.__module__}.{kind.__qualname__}")
        for f in dataclasses.fields(value):
            register_dataclasses(getattr(value, f.name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            register_dataclasses(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            register_dataclasses(item)
