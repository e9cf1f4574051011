"""Check a whole graph before building anything: every unsupported op, counted, with source lines."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch.fx

from trtrepo.convert.registry import REGISTRY, Registry, target_name
from trtrepo.graph import is_folded, source_line

# Nodes that carry no computation for TensorRT (handled by the interpreter itself).
STRUCTURAL_OPS = {"placeholder", "output", "get_attr"}


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


def find_unsupported(graph: torch.fx.Graph, registry: Registry = REGISTRY) -> list[Unsupported]:
    """Every node no converter takes (by op and reason), skipping nodes folded into constants."""
    found: dict[tuple[str, str], Unsupported] = {}
    for node in graph.nodes:
        if node.op in STRUCTURAL_OPS or is_folded(node):
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


def unsupported_message(model: str, items: list[Unsupported]) -> str:
    """The report for UnsupportedOpsError: every op, counted, with user source lines."""
    total = sum(len(u.nodes) for u in items)
    body = "\n".join("  - " + u.describe() for u in items)
    return (f"model {model!r}: {total} node(s) cannot be converted to TensorRT "
            f"({len(items)} distinct op/reason):\n{body}\n"
            "Run `trtrepo ops` for the supported ops; a missing op needs a converter in trtrepo/convert/ops.")
