"""Loops and conditionals, executed from TensorRT's "Working with Loops" / "Working with Conditionals".

Loop: before each iteration every recurrence output holds its current value (the first input, then
the second input as computed by the previous iteration) and every iterator output holds slice ``i``
of its input along ``axis`` (``M - 1 - i`` when ``reverse``, M being the COUNT trip limit). The loop
stops before iteration ``i`` when a COUNT limit says ``i >= count`` or a WHILE limit's condition,
computed from the current values, is false. A LAST_VALUE output is the final value of a recurrence
(its first input when the loop never ran); CONCATENATE stacks the input's value of every iteration
along a new ``axis`` whose length is the output's second input, REVERSE does the same in reverse
order. TensorRT leaves the entries past the last iteration undefined: the interpreter fills them with
NaN (floats), 0 or false, so that a network depending on them cannot pass by luck.

Conditional: the condition is a 0D bool; the CONDITIONAL_INPUT layers pass their input through, only
the taken branch executes, and each CONDITIONAL_OUTPUT takes its input 0 (true) or 1 (false), whose
ranks must agree unless the condition is a constant (as TensorRT's builder requires).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import torch

from trtrepo.errors import ReferenceExecutionError
from trtrepo.reference.dtypes import FLOATING, to_torch
from trtrepo.reference.layer import LayerContext, describe, downcast, layer_type_name
from trtrepo.reference.structure import CONDITIONAL_BOUNDARY, LOOP_BOUNDARY, ConditionalStep, LoopStep, Region

RunRegion = Callable[[Any, Region, dict[str, torch.Tensor]], None]

# A loop with only a WHILE limit whose condition never turns false would never return.
MAX_WHILE_ITERATIONS = 1_000_000


def _context(network: Any, index: int, values: dict[str, torch.Tensor], stack: ExitStack) -> LayerContext:
    layer = network.get_layer(index)
    type_name = layer_type_name(layer)
    classes = {**LOOP_BOUNDARY, **CONDITIONAL_BOUNDARY}
    stack.enter_context(downcast(layer, classes[type_name]))
    return LayerContext(layer=layer, index=index, type_name=type_name, values=values)


def run_loop(network: Any, step: LoopStep, values: dict[str, torch.Tensor], run_region: RunRegion) -> None:
    """Execute a loop to completion and store its LOOP_OUTPUT values."""
    with ExitStack() as stack:
        limits = [_context(network, i, values, stack) for i in step.trip_limits]
        recurrences = [_context(network, i, values, stack) for i in step.recurrences]
        iterators = [_context(network, i, values, stack) for i in step.iterators]
        outputs = [_context(network, i, values, stack) for i in step.outputs]
        count, condition = _trip_limits(step, limits)
        state = {ctx.layer.get_output(0).name: ctx.input(0) for ctx in recurrences}
        collected: dict[int, list[torch.Tensor]] = {ctx.index: [] for ctx in outputs}
        i = 0
        while count is None or i < count:
            for ctx in recurrences:
                ctx.store(0, state[ctx.layer.get_output(0).name])
            _iterate(iterators, i, count, values, require=False)
            run_region(network, step.condition, values)
            if condition is not None and not _condition_holds(condition, values):
                break
            if count is None and i >= MAX_WHILE_ITERATIONS:
                raise condition.fail(f"the loop {step.name!r} ran {i} iterations without its condition turning false")  # type: ignore[union-attr]
            _iterate(iterators, i, count, values, require=True)
            run_region(network, step.body, values)
            for ctx in outputs:
                if _kind(ctx) != "LAST_VALUE":
                    collected[ctx.index].append(ctx.input(0))
            state = {ctx.layer.get_output(0).name: _next_value(ctx) for ctx in recurrences}
            i += 1
        for ctx in outputs:
            ctx.store(0, _loop_output(ctx, state, collected[ctx.index]))


def _kind(ctx: LayerContext) -> str:
    return str(ctx.layer.kind.name)


def _trip_limits(step: LoopStep, limits: list[LayerContext]) -> tuple[int | None, LayerContext | None]:
    count: int | None = None
    condition: LayerContext | None = None
    for ctx in limits:
        if _kind(ctx) == "COUNT":
            count = int(ctx.scalar(0, "trip count"))
        else:
            condition = ctx
    if count is None and condition is None:
        raise ReferenceExecutionError(f"loop {step.name!r} has no trip limit (TensorRT needs a COUNT or WHILE limit)")
    return (max(count, 0) if count is not None else None), condition


def _condition_holds(ctx: LayerContext, values: dict[str, torch.Tensor]) -> bool:
    value = ctx.scalar(0, "loop condition")
    if value.dtype != torch.bool:
        raise ctx.fail(f"a WHILE trip limit needs a bool condition, got {describe(value)}")
    return bool(value)


def _iterate(iterators: list[LayerContext], i: int, count: int | None, values: dict[str, torch.Tensor],
             require: bool) -> None:
    for ctx in iterators:
        x = ctx.input(0)
        axis = ctx.axis(int(ctx.layer.axis), x.dim())
        extent = x.shape[axis]
        position = (count if count is not None else extent) - 1 - i if ctx.layer.reverse else i
        if not 0 <= position < extent:
            if require:
                raise ctx.fail(f"iteration {i} reads position {position} of axis {axis} of {describe(x)}")
            continue
        ctx.store(0, x.select(axis, position).contiguous())


def _next_value(ctx: LayerContext) -> torch.Tensor:
    value = ctx.input(1)
    initial = ctx.input(0)
    if value.dtype != initial.dtype:
        raise ctx.fail(f"the next value {describe(value)} and the initial value {describe(initial)} differ in type")
    return value


def _loop_output(ctx: LayerContext, state: dict[str, torch.Tensor], values: list[torch.Tensor]) -> torch.Tensor:
    kind = _kind(ctx)
    source = ctx.layer.get_input(0)
    if kind == "LAST_VALUE":
        if source.name not in state:
            raise ctx.fail(f"a LAST_VALUE loop output must read a recurrence of its loop, not {source.name!r}")
        return state[source.name]
    length = int(ctx.scalar(1, "concatenation length"))
    if length < len(values):
        raise ctx.fail(f"concatenation length {length} is shorter than the {len(values)} iterations")
    shape, dtype = _element(ctx, source, values)
    axis = ctx.axis(int(ctx.layer.axis), len(shape) + 1)
    ordered = values[::-1] if kind == "REVERSE" else values
    filler = float("nan") if dtype in FLOATING else 0
    rows = list(ordered) + [torch.full(shape, filler, dtype=dtype)] * (length - len(ordered))
    if not rows:
        return torch.empty(shape[:axis] + [0] + shape[axis:], dtype=dtype)
    return torch.stack(rows, dim=axis).contiguous()


def _element(ctx: LayerContext, source: Any, values: list[torch.Tensor]) -> tuple[list[int], torch.dtype]:
    """Shape and type of one iteration's value (from the network when the loop never ran)."""
    if values:
        return list(values[0].shape), values[0].dtype
    declared = [int(d) for d in source.shape]
    dtype = to_torch(source.dtype)
    if -1 in declared or dtype is None:
        raise ctx.fail(f"the loop never ran and the shape {declared} of {source.name!r} is not static")
    return declared, dtype


def run_conditional(network: Any, step: ConditionalStep, values: dict[str, torch.Tensor],
                    run_region: RunRegion) -> None:
    """Execute the taken branch of a conditional and store its outputs."""
    with ExitStack() as stack:
        condition = _context(network, step.condition, values, stack)
        value = condition.scalar(0, "condition")
        if value.dtype != torch.bool:
            raise condition.fail(f"the condition must be a bool, got {describe(value)}")
        taken = bool(value)
        for index in step.inputs:
            ctx = _context(network, index, values, stack)
            ctx.store(0, ctx.input(0))
        run_region(network, step.then_branch if taken else step.else_branch, values)
        for index in step.outputs:
            ctx = _context(network, index, values, stack)
            _check_ranks(ctx, step)
            ctx.store(0, ctx.input(0 if taken else 1))


def _check_ranks(ctx: LayerContext, step: ConditionalStep) -> None:
    """TensorRT's builder wants both values of an output to have one rank unless the condition is a
    build-time constant; checked here too, so that the untaken branch cannot hide the mismatch."""
    ranks = [len(ctx.layer.get_input(k).shape) for k in (0, 1)]
    if ranks[0] != ranks[1] and not step.constant_condition:
        raise ctx.fail(f"the true and false values have ranks {ranks[0]} and {ranks[1]}; they must be equal "
                       "when the condition is not a build-time constant")
