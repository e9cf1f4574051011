"""Check a whole graph before building anything: every unsupported op, counted, with source lines."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.fx

from trtrepo.convert.registry import REGISTRY, Registry, target_name

# Nodes that carry no computation for TensorRT (handled by the interpreter itself).
STRUCTURAL_OPS = {"placeholder", "output", "get_attr"}


_TORCH_DIR = str(Path(torch.__file__).resolve().parent)


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


_FRAME = re.compile(r'^File "([^"]+)", line (\d+)')


@dataclass
class Unsupported:
    """One op the graph needs that cannot be converted, with where it comes from."""

    op: str
    reason: str
    nodes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One report item: op, count, reason and each distinct source line."""
        lines = [f"{self.op} x{len(self.nodes)}: {self.reason}"]
        for source in dict.fromkeys(self.sources):  # unique, in order
            lines.append(f"      at {source}")
        return "\n".join(lines)


def find_unsupported(graph: torch.fx.Graph, folded: set[torch.fx.Node],
                     registry: Registry = REGISTRY) -> list[Unsupported]:
    """Every node no converter takes (by op and reason), skipping nodes folded into constants."""
    found: dict[tuple[str, str], Unsupported] = {}
    for node in graph.nodes:
        if node.op in STRUCTURAL_OPS or node in folded:
            continue
        reason = _rejection(node, registry)
        if reason is None:
            continue
        key = (target_name(node.target), reason)
        entry = found.setdefault(key, Unsupported(*key))
        entry.nodes.append(node.name)
        if line := source_line(node):
            entry.sources.append(line)
    return sorted(found.values(), key=lambda u: (-len(u.nodes), u.op))


def _rejection(node: torch.fx.Node, registry: Registry) -> str | None:
    if node.op != "call_function":
        return f"FX op kind {node.op!r} is not supported"
    entry = registry.get(node.target)
    if entry is None:
        return "no converter"
    return entry.rejection(node)


def constant_foldable(graph: torch.fx.Graph, constants: set[str]) -> set[torch.fx.Node]:
    """Nodes computed only from weights: the interpreter evaluates them once with PyTorch.

    ``permute(weight)`` before ``addmm`` is the common case; folding it means TensorRT receives the
    final weight and no converter has to care where a weight came from.
    """
    folded: set[torch.fx.Node] = set()
    for node in graph.nodes:
        if node.op == "placeholder":
            if node.name in constants:
                folded.add(node)
            continue
        if node.op != "call_function":
            continue
        if _is_random_or_impure(node):
            continue
        inputs = node.all_input_nodes
        if inputs and all(i in folded for i in inputs):
            folded.add(node)
    return folded


def _is_random_or_impure(node: torch.fx.Node) -> bool:
    target = node.target
    if isinstance(target, torch._ops.OpOverload):
        return bool(target._schema.is_mutable) or torch.Tag.nondeterministic_seeded in target.tags
    return False


def unsupported_message(model: str, items: list[Unsupported]) -> str:
    """The report for UnsupportedOpsError: every op, counted, with user source lines."""
    total = sum(len(u.nodes) for u in items)
    body = "\n".join("  - " + u.describe() for u in items)
    return (f"model {model!r}: {total} node(s) cannot be converted to TensorRT "
            f"({len(items)} distinct op/reason):\n{body}\n"
            "Run `trtrepo ops` for the supported ops; a missing op needs a converter in trtrepo/convert/ops.")


def op_counts(graph: torch.fx.Graph) -> dict[str, int]:
    """How many nodes use each op (for reports)."""
    counts: dict[str, int] = defaultdict(int)
    for node in graph.nodes:
        if node.op == "call_function":
            counts[target_name(node.target)] += 1
    return dict(counts)
