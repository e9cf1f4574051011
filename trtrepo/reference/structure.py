"""How a network executes: which layers run once, in what order, and which form loops and conditionals.

TensorRT keeps a network flat: a loop is the set of layers between its boundary layers (TRIP_LIMIT,
RECURRENCE, ITERATOR, LOOP_OUTPUT, all sharing one ``ILoop``), a conditional the layers between its
CONDITION, CONDITIONAL_INPUT and CONDITIONAL_OUTPUT layers (sharing one ``IIfConditional``). This
module recovers the nesting as a tree of ``Region``s, each an ordered list of steps (a single layer,
a loop, a conditional), from the rules of TensorRT's "Working with Loops" and "Working with
Conditionals" guides:

- a loop's body is every layer that depends on one of its recurrences or iterators; data leaves it
  only through its LOOP_OUTPUT layers, and the only back edge is a recurrence's second input. Layers
  that depend on neither (loop-invariant ones) may sit inside or outside: they compute the same value,
  so they run once, before the loop;
- a branch of a conditional is the set of layers that only the conditional's outputs consume (input 0
  for the true branch, input 1 for the false one). Those run only when their branch is taken, so an
  untaken branch cannot fail; layers that anything else also consumes run outside.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Union

from trtrepo.errors import ReferenceExecutionError
from trtrepo.reference.layer import downcast, layer_type_name

LOOP_BOUNDARY = {"TRIP_LIMIT": "ITripLimitLayer", "RECURRENCE": "IRecurrenceLayer",
                 "ITERATOR": "IIteratorLayer", "LOOP_OUTPUT": "ILoopOutputLayer"}
CONDITIONAL_BOUNDARY = {"CONDITION": "IConditionLayer", "CONDITIONAL_INPUT": "IIfConditionalInputLayer",
                        "CONDITIONAL_OUTPUT": "IIfConditionalOutputLayer"}


@dataclass
class Graph:
    """The network's layers as indices, and the tensors (by name) between them."""

    types: list[str]
    inputs: list[list[str | None]]
    outputs: list[list[str]]
    producer: dict[str, int]
    consumers: dict[str, list[int]]
    network_outputs: set[str]


@dataclass(frozen=True)
class LayerStep:
    """One layer, executed by its handler."""

    index: int


@dataclass
class LoopStep:
    """A loop: its boundary layers by kind, and the body regions run once per iteration.

    ``condition`` holds the body layers the WHILE trip limit's input depends on, run first each
    iteration; ``body`` the rest.
    """

    name: str
    trip_limits: list[int]
    recurrences: list[int]
    iterators: list[int]
    outputs: list[int]
    condition: Region
    body: Region


@dataclass
class ConditionalStep:
    """A conditional: its boundary layers and the region of each branch."""

    name: str
    condition: int
    inputs: list[int]
    outputs: list[int]
    then_branch: Region
    else_branch: Region
    constant_condition: bool = False  # the condition comes straight from a CONSTANT layer


Step = Union[LayerStep, LoopStep, ConditionalStep]


@dataclass
class Region:
    """Steps in a dependency order."""

    steps: list[Step] = field(default_factory=list)


@dataclass
class _Construct:
    kind: str  # "loop" or "conditional"
    name: str
    boundary: dict[str, list[int]]  # layer type -> indices
    members: set[int]  # boundary and interior layers, nested constructs included
    branches: tuple[set[int], set[int]] = (set(), set())  # conditionals: exclusive layers of each branch

    @property
    def boundary_layers(self) -> set[int]:
        return {i for indices in self.boundary.values() for i in indices}


def read_graph(network: Any) -> Graph:
    """Layer types and tensor names of every layer; a layer reading a tensor nothing makes is an error."""
    count = network.num_layers
    graph = Graph([], [], [], {}, {}, {network.get_output(i).name for i in range(network.num_outputs)})
    for i in range(count):
        layer = network.get_layer(i)
        graph.types.append(layer_type_name(layer))
        tensors = [layer.get_input(k) for k in range(layer.num_inputs)]
        graph.inputs.append([None if t is None else t.name for t in tensors])
        graph.outputs.append([layer.get_output(j).name for j in range(layer.num_outputs)])
        for name in graph.outputs[-1]:
            graph.producer[name] = i
    known = {network.get_input(i).name for i in range(network.num_inputs)}
    for i in range(count):
        for read in graph.inputs[i]:
            if read is None:
                continue
            graph.consumers.setdefault(read, []).append(i)
            if read not in graph.producer and read not in known:
                raise ReferenceExecutionError(f"layer {network.get_layer(i).name!r} (#{i}) reads tensor {read!r}, "
                                              "which no layer produces")
    return graph


def plan(network: Any) -> Region:
    """The network as a tree of regions, ready to execute."""
    graph = read_graph(network)
    constructs = _close_nesting(graph, _find_constructs(network, graph))
    _check_laminar(constructs)
    return _region(graph, set(range(len(graph.types))), constructs)


def _find_constructs(network: Any, graph: Graph) -> list[_Construct]:
    groups: list[tuple[Any, _Construct]] = []  # wrappers kept alive: pybind11 returns the same object
    for i, type_name in enumerate(graph.types):
        kind, classes, attr = (("loop", LOOP_BOUNDARY, "loop") if type_name in LOOP_BOUNDARY
                               else ("conditional", CONDITIONAL_BOUNDARY, "conditional"))
        if type_name not in classes:
            continue
        with downcast(network.get_layer(i), classes[type_name]) as layer:
            owner = getattr(layer, attr)
        found = next((c for o, c in groups if o is owner), None)
        if found is None:
            found = _Construct(kind, str(owner.name), {}, set())
            groups.append((owner, found))
        found.boundary.setdefault(type_name, []).append(i)
    constructs = [c for _, c in groups]
    for c in constructs:
        c.members = _loop_members(graph, c) if c.kind == "loop" else _conditional_members(graph, c)
    return constructs


def _loop_members(graph: Graph, loop: _Construct) -> set[int]:
    members = set(loop.boundary_layers)
    pending = [name for i in loop.boundary.get("RECURRENCE", []) + loop.boundary.get("ITERATOR", [])
               for name in graph.outputs[i]]
    while pending:  # everything downstream of a recurrence or iterator, up to the loop's own boundary
        for user in graph.consumers.get(pending.pop(), []):
            if user not in members:
                members.add(user)
                pending.extend(graph.outputs[user])
    return members


def _conditional_members(graph: Graph, cond: _Construct) -> set[int]:
    outputs = cond.boundary.get("CONDITIONAL_OUTPUT", [])
    boundary = cond.boundary_layers
    cond.branches = (_branch(graph, outputs, 0, boundary), _branch(graph, outputs, 1, boundary))
    return boundary | cond.branches[0] | cond.branches[1]


def _branch(graph: Graph, outputs: list[int], which: int, boundary: set[int]) -> set[int]:
    values = [graph.inputs[o][which] for o in outputs if len(graph.inputs[o]) > which]
    seeds = {graph.producer[name] for name in values if name is not None and name in graph.producer}
    return _grow(graph, seeds - boundary, set(), boundary, set(outputs))


def _grow(graph: Graph, start: set[int], forced: set[int], boundary: set[int], sinks: set[int]) -> set[int]:
    """``forced`` plus the ancestors of ``start`` and ``forced`` (up to ``boundary``) that nothing outside
    consumes: the layers a branch needs and may run lazily."""
    found = start | forced
    pending = [name for layer in found for name in graph.inputs[layer]]
    while pending:
        name = pending.pop()
        layer = graph.producer.get(name) if name is not None else None
        if layer is None or layer in found or layer in boundary:
            continue
        found.add(layer)
        pending.extend(graph.inputs[layer])
    return forced | _only_consumed_within(graph, found - forced, forced | sinks)


def _only_consumed_within(graph: Graph, layers: set[int], allowed: set[int]) -> set[int]:
    kept = set(layers)
    changed = True
    while changed:
        changed = False
        for layer in sorted(kept):
            outside = any(name in graph.network_outputs or any(u not in kept and u not in allowed
                                                               for u in graph.consumers.get(name, []))
                          for name in graph.outputs[layer])
            if outside:
                kept.discard(layer)
                changed = True
    return kept


def _close_nesting(graph: Graph, constructs: list[_Construct]) -> list[_Construct]:
    """A construct whose boundary lies inside another belongs to it whole (with its own invariants)."""
    changed = True
    while changed:
        changed = False
        for outer in constructs:
            for inner in constructs:
                if inner is outer or not inner.boundary_layers & outer.members:
                    continue
                if outer.kind == "conditional":
                    changed |= _widen_branches(graph, outer, inner)
                if not inner.members <= outer.members:
                    outer.members |= inner.members
                    changed = True
    return constructs


def _widen_branches(graph: Graph, cond: _Construct, inner: _Construct) -> bool:
    """Put a construct nested in a branch into it whole, with the layers only it needs (its condition's)."""
    grown = []
    for branch in cond.branches:
        if inner.boundary_layers & branch and not inner.members <= branch:
            branch = _grow(graph, set(), branch | inner.members, cond.boundary_layers,
                           set(cond.boundary.get("CONDITIONAL_OUTPUT", [])))
        grown.append(branch)
    changed = tuple(grown) != cond.branches
    cond.branches = (grown[0], grown[1])
    cond.members |= grown[0] | grown[1]
    return changed


def _check_laminar(constructs: list[_Construct]) -> None:
    for a in constructs:
        for b in constructs:
            if a is not b and a.members & b.members and not (a.members <= b.members or b.members <= a.members):
                raise ReferenceExecutionError(f"{a.kind} {a.name!r} and {b.kind} {b.name!r} overlap without one "
                                              "containing the other")


def _region(graph: Graph, layers: set[int], constructs: list[_Construct]) -> Region:
    inside = [c for c in constructs if c.members <= layers]
    top = [c for c in inside if not any(o is not c and c.members < o.members for o in inside)]
    steps: list[tuple[set[int], Step]] = [(c.members, _construct_step(graph, c, inside)) for c in top]
    taken = set().union(*(c.members for c in top)) if top else set()
    steps += [({i}, LayerStep(i)) for i in sorted(layers - taken)]
    return Region(_order(graph, steps))


def _construct_step(graph: Graph, c: _Construct, scope: list[_Construct]) -> Step:
    nested = [o for o in scope if o is not c and o.members < c.members]
    if c.kind == "conditional":
        (condition,) = c.boundary.get("CONDITION", [None])  # type: ignore[list-item]
        if condition is None:
            raise ReferenceExecutionError(f"conditional {c.name!r} has no condition layer")
        source = graph.producer.get(graph.inputs[condition][0] or "")
        return ConditionalStep(c.name, condition, c.boundary.get("CONDITIONAL_INPUT", []),
                               c.boundary.get("CONDITIONAL_OUTPUT", []),
                               _region(graph, c.branches[0], nested), _region(graph, c.branches[1], nested),
                               source is not None and graph.types[source] == "CONSTANT")
    interior = c.members - c.boundary_layers
    first = _while_ancestors(graph, c, interior)
    while any(o.members & first and not o.members <= first for o in nested):  # constructs go whole
        first = first.union(*(o.members for o in nested if o.members & first))
    return LoopStep(c.name, c.boundary.get("TRIP_LIMIT", []), c.boundary.get("RECURRENCE", []),
                    c.boundary.get("ITERATOR", []), c.boundary.get("LOOP_OUTPUT", []),
                    _region(graph, first, nested), _region(graph, interior - first, nested))


def _while_ancestors(graph: Graph, loop: _Construct, interior: set[int]) -> set[int]:
    found: set[int] = set()
    pending = [name for i in loop.boundary.get("TRIP_LIMIT", []) for name in graph.inputs[i]]
    while pending:
        name = pending.pop()
        layer = graph.producer.get(name) if name is not None else None
        if layer is None or layer in found or layer not in interior:
            continue
        found.add(layer)
        pending.extend(graph.inputs[layer])
    return found


def _order(graph: Graph, steps: list[tuple[set[int], Step]]) -> list[Step]:
    """Kahn's order over steps (lowest first layer index first among ready ones)."""
    owner = {layer: k for k, (layers, _) in enumerate(steps) for layer in layers}
    deps: list[set[int]] = []
    for k, (layers, _) in enumerate(steps):
        needs = {owner[p] for p in _producers(graph, layers) if p in owner and owner[p] != k}
        deps.append(needs)
    order = _kahn(deps, [min(layers) for layers, _ in steps])
    return [steps[k][1] for k in order]


def _producers(graph: Graph, layers: Iterable[int]) -> set[int]:
    return {graph.producer[name] for i in layers for name in graph.inputs[i]
            if name is not None and name in graph.producer}


def _kahn(deps: list[set[int]], keys: list[int]) -> list[int]:
    users: list[list[int]] = [[] for _ in deps]
    pending = [len(d) for d in deps]
    for k, needs in enumerate(deps):
        for j in needs:
            users[j].append(k)
    ready = [(keys[k], k) for k, n in enumerate(pending) if n == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        _, k = heapq.heappop(ready)
        order.append(k)
        for user in users[k]:
            pending[user] -= 1
            if pending[user] == 0:
                heapq.heappush(ready, (keys[user], user))
    if len(order) != len(deps):
        stuck = sorted(keys[k] for k in set(range(len(deps))) - set(order))
        raise ReferenceExecutionError(f"the network has a cycle through layers {stuck}")
    return order
