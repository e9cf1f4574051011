"""Lower an exported program to the ATen ops our converters handle.

Only nodes whose op has no converter are decomposed, each traced alone and spliced in place
(``trtrepo.lower.splice``): an op TensorRT has a better layer for (normalization, attention, GELU)
stays whole, and nothing we convert is re-traced. Decompositions come from torch.export's default
table, minus every op we have a converter for. A program the in-place pass cannot handle (a
mutated input or view, a higher-order op) takes the whole-program ``run_decompositions``, logged.
Then no-op nodes are removed and nodes computed only from weights are marked for constant folding.
"""

from __future__ import annotations

import logging

import torch
import torch.fx
from torch.export import ExportedProgram

from trtrepo.convert.registry import REGISTRY, Registry
from trtrepo.errors import CaptureError
from trtrepo.graph import fake_value, mark_folded
from trtrepo.lower.splice import NeedsRetrace, decompose_in_place

log = logging.getLogger(__name__)

aten = torch.ops.aten

# Ops that compute nothing at inference: their output is their (first) input.
IDENTITY_OPS = {
    aten.clone.default, aten.alias.default, aten.detach.default, aten.lift_fresh_copy.default,
    aten.contiguous.default, aten.dropout.default,
}
# Ops with no output that only check things torch.export already guaranteed for the profile.
ASSERTION_OPS = {
    aten._assert_tensor_metadata.default, aten._assert_scalar.default,
    aten.sym_constrain_range_for_size.default, aten.sym_constrain_range.default,
}


def decomposition_table(registry: Registry = REGISTRY) -> dict:
    """torch.export's default decompositions, keeping whole every op that has a converter."""
    table = torch.export.default_decompositions()
    for target in list(registry.entries):
        if isinstance(target, torch._ops.OpOverload) and target in table:
            table.pop(target)
    return table


def lower(program: ExportedProgram, registry: Registry = REGISTRY, model: str = "?") -> ExportedProgram:
    """Decompose, drop no-ops, and mark weight-only nodes; returns the lowered program.

    ``program`` itself is left as it is (the repository stores it).
    """
    table = decomposition_table(registry)
    try:
        program = decompose_in_place(program, lambda target: _kept(target, registry), table)
    except NeedsRetrace as reason:
        log.info("model %r: decomposing the whole program (re-trace): %s", model, reason)
        program = _retraced(program, table, model)
    remove_noops(program.graph_module.graph)
    mark_folded(program)
    program.graph_module.recompile()
    return program


def _kept(target: object, registry: Registry) -> bool:
    """Ops left whole: those we convert, and the no-ops ``remove_noops`` drops."""
    return target in registry.entries or target in IDENTITY_OPS or target in ASSERTION_OPS


def _retraced(program: ExportedProgram, table: dict, model: str) -> ExportedProgram:
    """The whole-program path: ``run_decompositions`` re-traces every node."""
    try:
        return program.run_decompositions(table)
    except Exception as exc:
        raise CaptureError(f"model {model!r}: decomposing the exported graph failed: "
                           f"{type(exc).__name__}: {exc}") from None


def remove_noops(graph: torch.fx.Graph) -> int:
    """Bypass identity ops, drop assertions, and delete dead nodes; returns how many went."""
    removed = 0
    for node in list(graph.nodes):
        if node.op != "call_function":
            continue
        if node.target in IDENTITY_OPS or _is_noop_copy(node):
            node.replace_all_uses_with(node.args[0])
            graph.erase_node(node)
            removed += 1
        elif node.target in ASSERTION_OPS and not node.users:
            graph.erase_node(node)
            removed += 1
    before = len(graph.nodes)
    graph.eliminate_dead_code()
    return removed + before - len(graph.nodes)


def _is_noop_copy(node: torch.fx.Node) -> bool:
    """``_to_copy`` that changes neither dtype nor anything TensorRT sees (device, layout)."""
    if node.target is not aten._to_copy.default:
        return False
    source = fake_value(node.args[0]) if isinstance(node.args[0], torch.fx.Node) else None
    dtype = node.kwargs.get("dtype")
    return source is not None and (dtype is None or dtype == source.dtype)
