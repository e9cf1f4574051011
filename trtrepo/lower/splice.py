"""Decompose only the nodes no converter takes, in place, without re-tracing the program.

``ExportedProgram.run_decompositions`` re-traces every node of the program to decompose a few; here
each node whose op has no converter is traced alone (``make_fx`` over its recorded fake values, in
the program's own fake mode, so symbolic sizes stay the program's symbols) and the subgraph it
decomposes into is spliced in where the node was. Every other node is left exactly as it is.

In-place ops become their functional overloads when nothing else can see the mutation (the
mutated value is an op's fresh result, not an input, a weight or a view). Whatever this pass cannot
do safely — a mutated input or view, a higher-order op, a decomposition that needs a new constant —
raises :class:`NeedsRetrace`, and lowering falls back to the whole-program path.
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.fx
from torch._guards import detect_fake_mode
from torch.export import ExportedProgram
from torch.export.graph_signature import TensorArgument
from torch.fx.experimental.proxy_tensor import make_fx
from torch.utils import _pytree as pytree

aten = torch.ops.aten
KEPT_META = ("stack_trace", "nn_module_stack", "source_fn_stack", "torch_fn", "custom")


class NeedsRetrace(Exception):
    """A node this pass cannot decompose in place; the message says which and why."""


def decompose_in_place(program: ExportedProgram, keep: Callable[[Any], bool], table: dict) -> ExportedProgram:
    """A copy of ``program`` whose nodes are each kept (``keep(target)``) or decomposed in place.

    ``program`` itself is not changed. Nodes whose op has no decomposition stay as they are, for
    the converter to report. Raises :class:`NeedsRetrace` for a node only a re-trace can handle.
    """
    graph = _copy_graph(program.graph_module.graph)
    fake_mode = detect_fake_mode([n.meta.get("val") for n in graph.nodes])
    work = [n for n in graph.nodes if n.op == "call_function"]
    undecomposable: set[Any] = set()
    while work:
        node = work.pop(0)
        if node.graph is not graph or keep(node.target) or node.target in undecomposable:
            continue
        if isinstance(node.target, torch._ops.HigherOrderOperator):
            raise NeedsRetrace(f"node {node.name}: higher-order op {node.target}")
        if not isinstance(node.target, torch._ops.OpOverload):
            continue  # Python operators on sizes (operator.mul, getitem): converted as they are
        if node.target._schema.is_mutable:
            work.insert(0, functionalize(node))
            continue
        if node.target is aten.sym_numel.default:
            numel_from_sizes(node)
            continue
        if node.target is aten.batch_norm.default:
            batch_norm_eval(node, fake_mode)
            continue
        new_nodes = splice(node, table, fake_mode)
        if new_nodes is None:
            undecomposable.add(node.target)
        else:
            work[:0] = new_nodes
    for node in graph.nodes:
        if node.op == "get_attr":
            raise NeedsRetrace(f"node {node.name}: reads module attribute {node.target!r}")
    return _program_with_graph(program, graph)


def functionalize(node: torch.fx.Node) -> torch.fx.Node:
    """Turn an in-place op into its functional overload; later readers of the mutated value read it.

    Safe only when nothing else aliases the mutated value: it must be a fresh op result (not an
    input or weight, whose mutation the program would have to return) that is not a view, with no
    view taken of it.
    """
    op = node.target
    assert isinstance(op, torch._ops.OpOverload)
    mutated = node.args[0] if node.args else None
    functional = _functional_overload(op)
    if functional is None or not isinstance(mutated, torch.fx.Node) or not _mutates_only_self(op):
        raise NeedsRetrace(f"node {node.name}: in-place op {op} with no functional form here")
    if mutated.op != "call_function" or _is_view(mutated) or any(_is_view(u) for u in mutated.users if u is not node):
        raise NeedsRetrace(f"node {node.name}: {op} mutates {mutated.name}, which other values may alias")
    later = _nodes_after(node)
    for user in list(mutated.users):
        if user in later:
            user.replace_input_with(mutated, node)
    node.target = functional
    return node


def splice(node: torch.fx.Node, table: dict, fake_mode: Any) -> list[torch.fx.Node] | None:
    """Replace ``node`` by the graph its op decomposes into; the new nodes, or None if it does not."""
    traced = _trace_alone(node, table, fake_mode)
    if any(n.target == node.target for n in traced.graph.nodes):
        return None  # no decomposition: the op stays for the converter to report
    graph = node.graph
    inputs = iter([a for a in _flat_args(node)[0] if isinstance(a, torch.fx.Node)])
    env: dict[torch.fx.Node, Any] = {}
    new_nodes: list[torch.fx.Node] = []
    result: Any = None
    with graph.inserting_before(node):
        for sub in traced.graph.nodes:
            if sub.op == "placeholder":
                env[sub] = next(inputs)
            elif sub.op == "output":
                result = torch.fx.map_arg(sub.args[0], lambda n: env[n])
            elif sub.op == "call_function":
                copied = graph.node_copy(sub, lambda n: env[n])
                for key in KEPT_META:
                    if key in node.meta:
                        copied.meta[key] = node.meta[key]
                env[sub] = copied
                new_nodes.append(copied)
            else:
                raise NeedsRetrace(f"node {node.name}: its decomposition has a {sub.op} node ({sub.target})")
    _replace_uses(node, result)
    graph.erase_node(node)
    return new_nodes


def batch_norm_eval(node: torch.fx.Node, fake_mode: Any) -> None:
    """Inference ``batch_norm`` -> ``_native_batch_norm_legit_no_training``, item 0: the form
    torch.export's own passes give it (a lone trace would give ``native_batch_norm``)."""
    (tensor, weight, bias, mean, var, training, momentum, eps, _cudnn) = node.args
    if training or not isinstance(mean, torch.fx.Node) or not isinstance(var, torch.fx.Node):
        raise NeedsRetrace(f"node {node.name}: batch norm with batch statistics")
    op = aten._native_batch_norm_legit_no_training.default
    args = (tensor, weight, bias, mean, var, momentum, eps)
    with fake_mode if fake_mode is not None else contextlib.nullcontext():
        value = op(*torch.fx.map_arg(args, lambda n: n.meta["val"]))
    graph = node.graph
    with graph.inserting_before(node):
        norm = graph.call_function(op, args)
        first = graph.call_function(operator.getitem, (norm, 0))
    for new, val in ((norm, value), (first, value[0])):
        new.meta.update({k: node.meta[k] for k in KEPT_META if k in node.meta}, val=val)
    node.replace_all_uses_with(first)
    graph.erase_node(node)


def numel_from_sizes(node: torch.fx.Node) -> None:
    """``sym_numel(x)`` (a lone trace reads numel whole) -> the product of x's sizes, symbolic ones
    as ``sym_size`` nodes: what a whole-program trace records."""
    tensor = node.args[0]
    assert isinstance(tensor, torch.fx.Node)
    graph = node.graph
    product: Any = 1
    with graph.inserting_before(node):
        for index, size in enumerate(tensor.meta["val"].shape):
            if isinstance(size, int):
                factor: Any = size
            else:
                factor = graph.call_function(aten.sym_size.int, (tensor, index))
                factor.meta["val"] = size
            if isinstance(product, int) and isinstance(factor, int):
                product *= factor
                continue
            value = fake_value_of(product) * fake_value_of(factor)
            product = graph.call_function(operator.mul, (product, factor))
            product.meta["val"] = value
    if not isinstance(product, torch.fx.Node):
        raise NeedsRetrace(f"node {node.name}: sym_numel of a tensor with static sizes")
    node.replace_all_uses_with(product)
    graph.erase_node(node)


def fake_value_of(value: Any) -> Any:
    """A node's recorded value, or a literal itself."""
    return value.meta["val"] if isinstance(value, torch.fx.Node) else value


def _trace_alone(node: torch.fx.Node, table: dict, fake_mode: Any) -> torch.fx.GraphModule:
    """``make_fx`` of the node's op alone, on the fake values recorded for its node arguments."""
    leaves, spec = _flat_args(node)
    positions = [i for i, a in enumerate(leaves) if isinstance(a, torch.fx.Node)]
    values = [leaves[i].meta.get("val") for i in positions]
    if any(v is None for v in values):
        raise NeedsRetrace(f"node {node.name}: an argument has no recorded value")
    target = node.target

    def call(*given: Any) -> Any:
        filled = list(leaves)
        for index, value in zip(positions, given, strict=True):
            filled[index] = value
        args, kwargs = pytree.tree_unflatten(filled, spec)
        return target(*args, **kwargs)  # type: ignore[operator]

    try:
        with fake_mode if fake_mode is not None else contextlib.nullcontext():
            return make_fx(call, decomposition_table=table)(*values)
    except Exception as exc:  # torch's tracing can refuse anything; the re-trace then decides
        raise NeedsRetrace(f"node {node.name}: tracing {target} alone failed: {type(exc).__name__}: {exc}") from None


def _replace_uses(node: torch.fx.Node, result: Any) -> None:
    """Point the node's users at its decomposition: the value itself, or one item per ``getitem``."""
    if isinstance(result, torch.fx.Node):
        node.replace_all_uses_with(result)
        return
    if not isinstance(result, (tuple, list)):
        raise NeedsRetrace(f"node {node.name}: its decomposition returns {type(result).__name__}")
    for user in list(node.users):
        if user.target is not operator.getitem or not isinstance(result[user.args[1]], torch.fx.Node):  # type: ignore[index]
            raise NeedsRetrace(f"node {node.name}: a user ({user.name}) reads its result as a whole")
        user.replace_all_uses_with(result[user.args[1]])  # type: ignore[index]
        node.graph.erase_node(user)


def _flat_args(node: torch.fx.Node) -> tuple[list[Any], Any]:
    return pytree.tree_flatten((node.args, node.kwargs))


def _functional_overload(op: torch._ops.OpOverload) -> torch._ops.OpOverload | None:
    """``aten.relu_.default`` -> ``aten.relu.default``; None when there is no such overload."""
    name = op._schema.name.split("::")[-1]
    if not name.endswith("_") or name.endswith("__"):
        return None
    packet = getattr(torch.ops.aten, name[:-1], None)
    overload = getattr(packet, op._overloadname, None) if packet is not None else None
    return overload if isinstance(overload, torch._ops.OpOverload) else None


def _mutates_only_self(op: torch._ops.OpOverload) -> bool:
    written = [a for a in op._schema.arguments if a.alias_info is not None and a.alias_info.is_write]
    return len(written) == 1 and written[0] is op._schema.arguments[0]


def _is_view(node: torch.fx.Node) -> bool:
    """Whether the node's result may alias an input (a view, or an op returning its input).

    ``getitem`` of a multi-output op aliases only what that op's result aliases."""
    target = node.target
    if target is operator.getitem and isinstance(node.args[0], torch.fx.Node):
        return _is_view(node.args[0])
    if not isinstance(target, torch._ops.OpOverload):
        return True
    return any(r.alias_info is not None for r in target._schema.returns)


def _nodes_after(node: torch.fx.Node) -> set[torch.fx.Node]:
    found = set()
    current = node.next
    while current.op != "root":
        found.add(current)
        current = current.next
    return found


def _copy_graph(graph: torch.fx.Graph) -> torch.fx.Graph:
    """A copy of the graph's nodes (node meta copied shallowly: the same fake values)."""
    copied = torch.fx.Graph()
    env: dict[torch.fx.Node, torch.fx.Node] = {}
    output = copied.graph_copy(graph, env, return_output_node=True)
    assert isinstance(output, tuple)
    value, original = output
    for old, new in env.items():  # a fresh namespace renames some names (``input``); the signature uses them
        new.name = old.name
    copied.output(value, type_expr=original.type).meta = dict(original.meta)
    return copied


def _program_with_graph(program: ExportedProgram, graph: torch.fx.Graph) -> ExportedProgram:
    """``program`` with ``graph``: same weights, constants and shapes; outputs renamed to match."""
    signature = program.graph_signature
    outputs = next(n for n in reversed(graph.nodes) if n.op == "output").args[0]
    specs = []
    for spec, value in zip(signature.output_specs, outputs, strict=True):
        if isinstance(spec.arg, TensorArgument) and isinstance(value, torch.fx.Node):
            spec = type(spec)(kind=spec.kind, arg=TensorArgument(name=value.name), target=spec.target)
        specs.append(spec)
    signature = type(signature)(input_specs=list(signature.input_specs), output_specs=specs)
    root = torch.fx.GraphModule(program.graph_module, graph)
    root.meta.update(program.graph_module.meta)
    return ExportedProgram(root=root, graph=graph, graph_signature=signature, state_dict=program.state_dict,
                           range_constraints=program.range_constraints,
                           module_call_graph=program.module_call_graph, example_inputs=program.example_inputs,
                           constants=program.constants, verifiers=program.verifiers)
