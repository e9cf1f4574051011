"""``trtrepo graph``: a model's FX nodes as the converter sees them, for ``node_precision`` and debugging.

One row per node of the lowered graph: its name (what ``node_precision`` and error messages use), its
ATen op, the float type it computes in under the model's precision settings (or that it is folded
into a constant), and the user's source line that produced it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from trtrepo.convert.precision import compute_dtype
from trtrepo.convert.registry import target_name
from trtrepo.dtypes import from_torch
from trtrepo.graph import is_folded, source_line
from trtrepo.network import Converted, conversion_settings


@dataclass(frozen=True)
class NodeRow:
    """One node of the lowered graph."""

    node: str
    op: str
    precision: str  # fp32 / fp16 / bf16, or "folded" for a node computed once from weights
    source: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)


def node_rows(converted: Converted) -> list[NodeRow]:
    """Every call node of the lowered graph, in order."""
    settings = conversion_settings(converted.spec)
    rows = []
    for node in converted.program.graph_module.graph.nodes:
        if node.op != "call_function":
            continue
        op = target_name(node.target)
        if is_folded(node):
            precision = "folded"
        else:
            dtype = compute_dtype(op, node.name, settings.precision, settings.op_precision, settings.node_precision)
            precision = from_torch(dtype).name
        rows.append(NodeRow(node.name, op, precision, source_line(node)))
    return rows


def render_rows(rows: list[NodeRow]) -> str:
    """Aligned plain text (it stays readable in logs and narrow terminals: the source line comes last)."""
    width_node = max([len("node"), *(len(r.node) for r in rows)])
    width_op = max([len("op"), *(len(r.op) for r in rows)])
    lines = [f"{'node':<{width_node}}  {'op':<{width_op}}  {'computes in':<11}  source"]
    lines += [f"{r.node:<{width_node}}  {r.op:<{width_op}}  {r.precision:<11}  {r.source or '-'}" for r in rows]
    return "\n".join(lines)
