"""Facts about an exported FX graph that several stages read: decided once, read everywhere.

* ``fake_value`` — the value torch.export recorded for a node (a FakeTensor, SymInt, ...);
* ``constant_values`` — the weights, buffers and lifted constants behind placeholder nodes;
* ``mark_folded`` / ``is_folded`` — which nodes are computed only from weights. Lowering decides
  it (``mark_folded``); the converter, its validators and ``check`` only read the mark;
* ``source_line`` — the user's source line that produced a node;
* ``data_dependent_dims`` — which dims of a node's value depend on tensor values, not on shapes.

Nothing here imports TensorRT or any later stage.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import torch
import torch.fx
from torch.export import ExportedProgram
from torch.export.graph_signature import InputKind

FOLDED = "trtrepo_folded"  # node.meta key: the node's value depends on weights and constants only

_TORCH_DIR = str(Path(torch.__file__).resolve().parent)
_FRAME = re.compile(r'^File "([^"]+)", line (\d+)')


def fake_value(value: Any) -> Any:
    """What torch.export recorded for ``value`` when it is an FX node (None when nothing was).

    Anything that is not a node (a literal argument) is returned as it is, so callers can ask
    "what is argument 2?" without caring whether it was computed or written in the code.
    """
    if isinstance(value, torch.fx.Node):
        return value.meta.get("val")
    return value


def fake_tensor(value: Any) -> torch.Tensor | None:
    """``fake_value`` when it is a tensor, else None (a number, a SymInt, an unrecorded node)."""
    found = fake_value(value)
    return found if isinstance(found, torch.Tensor) else None


def data_dependent_dims(value: Any) -> tuple[int, ...]:
    """The dims of a node's tensor whose size depends on tensor values, not on input shapes.

    torch.export gives such a size (the length of ``nonzero``'s or ``x[mask]``'s result) an
    unbacked symbol (``u0``); sizes that follow the input shapes have backed ones (``s0``).
    """
    from torch.fx.experimental.symbolic_shapes import free_unbacked_symbols

    tensor = fake_tensor(value)
    if tensor is None:
        return ()
    return tuple(d for d, size in enumerate(tensor.shape)
                 if isinstance(size, torch.SymInt) and free_unbacked_symbols(size))


def user_input_names(program: ExportedProgram) -> list[str]:
    """Placeholder names of the program's user inputs, in signature order."""
    return [s.arg.name for s in program.graph_signature.input_specs if s.kind == InputKind.USER_INPUT]


def constant_values(program: ExportedProgram) -> dict[str, torch.Tensor]:
    """Placeholder name -> tensor for every parameter, buffer and lifted constant."""
    values: dict[str, torch.Tensor] = {}
    for spec in program.graph_signature.input_specs:
        if spec.kind == InputKind.USER_INPUT:
            continue
        target = spec.target
        if target in program.state_dict:
            values[spec.arg.name] = program.state_dict[target]
        elif target in program.constants:
            values[spec.arg.name] = program.constants[target]  # type: ignore[assignment]
    return values


def mark_folded(program: ExportedProgram) -> set[torch.fx.Node]:
    """Mark every node computed only from weights and constants; returns the marked nodes.

    ``permute(weight)`` before ``addmm`` is the common case: folding it means TensorRT receives
    the final weight and no converter has to care where a weight came from. A node with no input
    node at all (``arange(16)``, ``zeros([4, 4])``) is input-independent too, and so is everything
    computed from it only — a relative-position index built with ``copy_``/``slice_scatter`` on a
    fresh tensor, say — so such subgraphs become constants and never reach a converter. A size
    that depends on an input arrives as a node (``sym_size``), which keeps its users unfolded.
    Random and mutating ops are never folded.
    """
    constants = set(constant_values(program))
    folded: set[torch.fx.Node] = set()
    for node in program.graph_module.graph.nodes:
        node.meta.pop(FOLDED, None)
        if node.op == "placeholder":
            if node.name in constants:
                folded.add(node)
        elif node.op == "call_function" and not _is_random_or_impure(node):
            if all(i in folded for i in node.all_input_nodes):
                folded.add(node)
    for node in folded:
        node.meta[FOLDED] = True
    return folded


def is_folded(value: Any) -> bool:
    """True for a node lowering marked as computed from weights only."""
    return isinstance(value, torch.fx.Node) and bool(value.meta.get(FOLDED))


def is_constant(value: Any) -> bool:
    """True for a literal argument, or a node whose value is known before any input arrives."""
    return not isinstance(value, torch.fx.Node) or is_folded(value)


def _is_random_or_impure(node: torch.fx.Node) -> bool:
    target = node.target
    if getattr(target, "namespace", "") in ("quantized_decomposed", "trtrepo"):
        return True  # Q/DQ on a weight must reach TensorRT, which fuses it into the quantized kernel
    if isinstance(target, torch._ops.OpOverload):
        return bool(target._schema.is_mutable) or torch.Tag.nondeterministic_seeded in target.tags
    return False


def source_line(node: torch.fx.Node) -> str:
    """The user's source line that produced ``node``: ``file:line: code``, or ''.

    The stack trace runs from the outermost call to the op; its deepest frame outside PyTorch itself
    is the user's line (``nn.Conv2d.forward`` is torch's, ``self.features(image)`` is the user's).
    """
    frames = _frames(node.meta.get("stack_trace") or "")
    outside_torch = [f for f in frames if not f[0].startswith(_TORCH_DIR)]
    if not (outside_torch or frames):
        return ""
    file, line, code = (outside_torch or frames)[-1]
    return f"{file}:{line}: {code}" if code else f"{file}:{line}"


def _frames(trace: str) -> list[tuple[str, str, str]]:
    """(file, line, code) for each ``File "x", line N, in f`` entry of a Python stack trace."""
    frames = []
    lines = trace.splitlines()
    for index, text in enumerate(lines):
        match = _FRAME.match(text.strip())
        if not match:
            continue
        following = lines[index + 1].strip() if index + 1 < len(lines) else ""
        code = "" if _FRAME.match(following) else following
        frames.append((match.group(1), match.group(2), code))
    return frames
