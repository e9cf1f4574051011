"""Loops (TRIP_LIMIT, RECURRENCE, ITERATOR, LOOP_OUTPUT) and conditionals (CONDITION, CONDITIONAL_INPUT,
CONDITIONAL_OUTPUT). Every expectation is worked out by hand from the loop written as Python."""

from __future__ import annotations

import math

import pytest
import torch

from trtrepo.errors import ReferenceExecutionError

from ..helpers import assert_exact


def _count(n, trt, loop, count):
    loop.add_trip_limit(n.const(count, torch.int32), trt.TripLimit.COUNT)


def _accumulate(n, trt, count, outputs):
    """acc = 0; for _ in range(count): acc += x  -- with the requested loop outputs of ``acc``."""
    x = n.input("x", torch.float32, (2,))
    loop = n.network.add_loop()
    _count(n, trt, loop, count)
    acc = loop.add_recurrence(n.const([0.0, 0.0], torch.float32))
    total = n.network.add_elementwise(acc.get_output(0), x, trt.ElementWiseOperation.SUM).get_output(0)
    acc.set_input(1, total)
    found = []
    for kind, source in outputs:
        tensor = acc.get_output(0) if source == "current" else total
        out = loop.add_loop_output(tensor, getattr(trt.LoopOutput, kind), 0)
        if kind != "LAST_VALUE":
            out.set_input(1, n.const(count, torch.int32))
        found.append(out.get_output(0))
    return tuple(found)


def test_count_loop_last_value_and_concatenations(build):
    net = build(lambda n, trt: _accumulate(n, trt, 3, [("LAST_VALUE", "current"), ("CONCATENATE", "current"),
                                                     ("CONCATENATE", "next")]))
    last, before, after = net.run(x=torch.tensor([1.0, 10.0])).outputs.values()
    assert_exact(last, [3.0, 30.0], torch.float32)  # the value after the last update
    assert_exact(before, [[0.0, 0.0], [1.0, 10.0], [2.0, 20.0]], torch.float32)  # recurrence output per iteration
    assert_exact(after, [[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]], torch.float32)


def test_a_loop_that_never_runs_gives_the_initial_value(build):
    net = build(lambda n, trt: _accumulate(n, trt, 0, [("LAST_VALUE", "current")]))
    assert_exact(net.out(x=torch.tensor([1.0, 10.0])), [0.0, 0.0], torch.float32)


def _iterate(n, trt, reverse, axis, kind="CONCATENATE", out_axis=1):
    m = n.input("m", torch.float32, (3, 2))
    loop = n.network.add_loop()
    _count(n, trt, loop, m.shape[axis])
    row = loop.add_iterator(m, axis, reverse).get_output(0)
    doubled = n.network.add_elementwise(row, row, trt.ElementWiseOperation.SUM).get_output(0)
    out = loop.add_loop_output(doubled, getattr(trt.LoopOutput, kind), out_axis)
    out.set_input(1, n.const(m.shape[axis], torch.int32))
    return out.get_output(0)


M = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])


def test_iterator_slices_rows_and_concatenation_axis_one_stacks_them_as_columns(build):
    out = build(lambda n, trt: _iterate(n, trt, False, 0)).out(m=M)
    assert_exact(out, [[2.0, 6.0, 10.0], [4.0, 8.0, 12.0]], torch.float32)


def test_reverse_iterator_starts_from_the_last_slice(build):
    out = build(lambda n, trt: _iterate(n, trt, True, 0)).out(m=M)
    assert_exact(out, [[10.0, 6.0, 2.0], [12.0, 8.0, 4.0]], torch.float32)


def test_reverse_output_stacks_the_iterations_last_first(build):
    out = build(lambda n, trt: _iterate(n, trt, False, 0, "REVERSE", 0)).out(m=M)
    assert_exact(out, [[10.0, 12.0], [6.0, 8.0], [2.0, 4.0]], torch.float32)


def test_iterator_over_axis_one_takes_columns(build):
    out = build(lambda n, trt: _iterate(n, trt, False, 1)).out(m=M)  # columns [1,3,5], [2,4,6], doubled
    assert_exact(out, [[2.0, 4.0], [6.0, 8.0], [10.0, 12.0]], torch.float32)


def _while(n, trt, limit, count=None, length=None):
    """i = 0; while i < limit: i += 1 -- i as an int32 recurrence, with outputs LAST_VALUE(i) and i per iteration."""
    loop = n.network.add_loop()
    i = loop.add_recurrence(n.const(0, torch.int32))
    below = n.network.add_elementwise(i.get_output(0), n.const(limit, torch.int32), trt.ElementWiseOperation.LESS)
    loop.add_trip_limit(below.get_output(0), trt.TripLimit.WHILE)
    if count is not None:
        _count(n, trt, loop, count)
    step = n.network.add_elementwise(i.get_output(0), n.const(1, torch.int32), trt.ElementWiseOperation.SUM)
    i.set_input(1, step.get_output(0))
    as_float = n.network.add_cast(i.get_output(0), trt.float32).get_output(0)
    seen = loop.add_loop_output(as_float, trt.LoopOutput.CONCATENATE, 0)
    seen.set_input(1, n.const(length if length is not None else limit, torch.int32))
    return loop.add_loop_output(i.get_output(0), trt.LoopOutput.LAST_VALUE).get_output(0), seen.get_output(0)


def test_while_loop_stops_when_its_condition_turns_false(build):
    last, seen = build(lambda n, trt: _while(n, trt, 3)).run().outputs.values()
    assert_exact(last, 3, torch.int32)
    assert_exact(seen, [0.0, 1.0, 2.0], torch.float32)


def test_entries_past_the_last_iteration_are_nan(build):
    # TensorRT leaves them undefined; NaN makes a network that depends on them fail loudly
    _, seen = build(lambda n, trt: _while(n, trt, 2, length=4)).run().outputs.values()
    assert_exact(seen, [0.0, 1.0, math.nan, math.nan], torch.float32)


@pytest.mark.parametrize(("limit", "count", "iterations"), [(2, 5, 2), (5, 2, 2)])
def test_with_count_and_while_limits_the_first_to_stop_wins(build, limit, count, iterations):
    last, _ = build(lambda n, trt: _while(n, trt, limit, count=count, length=5)).run().outputs.values()
    assert_exact(last, iterations, torch.int32)


def test_nested_loops_and_a_loop_invariant_constant_in_the_body(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (1,))
        outer = n.network.add_loop()
        _count(n, trt, outer, 2)
        acc = outer.add_recurrence(n.const([0.0], torch.float32))
        inner = n.network.add_loop()
        _count(n, trt, inner, 3)
        inner_acc = inner.add_recurrence(acc.get_output(0))
        three = n.const([3.0], torch.float32)  # loop-invariant, created inside both bodies
        scaled = n.network.add_elementwise(x, three, trt.ElementWiseOperation.PROD).get_output(0)
        step = n.network.add_elementwise(inner_acc.get_output(0), scaled, trt.ElementWiseOperation.SUM)
        inner_acc.set_input(1, step.get_output(0))
        inner_out = inner.add_loop_output(inner_acc.get_output(0), trt.LoopOutput.LAST_VALUE).get_output(0)
        acc.set_input(1, inner_out)
        return outer.add_loop_output(acc.get_output(0), trt.LoopOutput.LAST_VALUE).get_output(0)

    # 2 outer iterations x 3 inner ones, each adding 3x: 18x
    assert_exact(build(define).out(x=torch.tensor([0.5])), [9.0], torch.float32)


@pytest.mark.no_trt_build("iterating past the iterated tensor is undefined; TensorRT does not check it when building")
def test_iterating_past_the_tensor_is_an_error(build):
    def define(n, trt):
        m = n.input("m", torch.float32, (2, 2))
        loop = n.network.add_loop()
        _count(n, trt, loop, 3)
        row = loop.add_iterator(m).get_output(0)
        out = loop.add_loop_output(row, trt.LoopOutput.CONCATENATE, 0)
        out.set_input(1, n.const(3, torch.int32))
        return out.get_output(0)

    with pytest.raises(ReferenceExecutionError, match="ITERATOR.*iteration 2 reads position 2"):
        build(define).out(m=torch.zeros(2, 2))


def _conditional(n, trt, nested=False):
    """y = x * 2 if c else x + 1 (nested: else-branch y = x + 1 if x[0] > 0 else x - 1)."""
    c = n.input("c", torch.bool, ())
    x = n.input("x", torch.float32, (2,))
    cond = n.network.add_if_conditional()
    cond.set_condition(c)
    inside = cond.add_input(x).get_output(0)
    doubled = n.network.add_elementwise(inside, n.const([2.0, 2.0], torch.float32), trt.ElementWiseOperation.PROD)
    doubled.get_output(0).name = "doubled"
    plus = n.network.add_elementwise(inside, n.const([1.0, 1.0], torch.float32), trt.ElementWiseOperation.SUM)
    plus.get_output(0).name = "plus_one"
    otherwise = plus.get_output(0)
    if nested:
        first = n.network.add_slice(inside, (0,), (1,), (1,)).get_output(0)
        flat = n.network.add_shuffle(first)
        flat.reshape_dims = ()
        positive = n.network.add_elementwise(flat.get_output(0), n.const(0.0, torch.float32),
                                             trt.ElementWiseOperation.GREATER).get_output(0)
        inner = n.network.add_if_conditional()
        inner.set_condition(positive)
        value = inner.add_input(inside).get_output(0)
        minus = n.network.add_elementwise(value, n.const([1.0, 1.0], torch.float32), trt.ElementWiseOperation.SUB)
        plus_inner = n.network.add_elementwise(value, n.const([1.0, 1.0], torch.float32), trt.ElementWiseOperation.SUM)
        otherwise = inner.add_output(plus_inner.get_output(0), minus.get_output(0)).get_output(0)
    return cond.add_output(doubled.get_output(0), otherwise).get_output(0)


@pytest.mark.parametrize(("c", "expected"), [(True, [2.0, -4.0]), (False, [2.0, -1.0])])
def test_conditional_takes_its_branch(build, c, expected):
    out = build(lambda n, trt: _conditional(n, trt)).out(c=torch.tensor(c), x=torch.tensor([1.0, -2.0]))
    assert_exact(out, expected, torch.float32)


def test_only_the_taken_branch_executes(build):
    result = build(lambda n, trt: _conditional(n, trt)).run(c=torch.tensor(True), x=torch.tensor([1.0, -2.0]))
    assert "doubled" in result.tensors and "plus_one" not in result.tensors


@pytest.mark.parametrize(("x", "expected"), [([1.0, -2.0], [2.0, -1.0]), ([-1.0, 3.0], [-2.0, 2.0])])
def test_conditional_nested_in_a_branch_with_its_condition_computed_there(build, x, expected):
    out = build(lambda n, trt: _conditional(n, trt, nested=True)).out(c=torch.tensor(False), x=torch.tensor(x))
    assert_exact(out, expected, torch.float32)


def test_conditional_inside_a_loop_body(build):
    def define(n, trt):
        # acc = 0; for i in range(4): acc += 10 if i % 2 == 0 else 1   -> 22
        loop = n.network.add_loop()
        _count(n, trt, loop, 4)
        i = loop.add_recurrence(n.const(0, torch.int32))
        acc = loop.add_recurrence(n.const(0.0, torch.float32))
        parity = n.network.add_elementwise(i.get_output(0), n.const(2, torch.int32), trt.ElementWiseOperation.FLOOR_DIV)
        twice = n.network.add_elementwise(parity.get_output(0), n.const(2, torch.int32), trt.ElementWiseOperation.PROD)
        even = n.network.add_elementwise(twice.get_output(0), i.get_output(0), trt.ElementWiseOperation.EQUAL)
        cond = n.network.add_if_conditional()
        cond.set_condition(even.get_output(0))
        inside = cond.add_input(acc.get_output(0)).get_output(0)
        ten = n.network.add_elementwise(inside, n.const(10.0, torch.float32), trt.ElementWiseOperation.SUM)
        one = n.network.add_elementwise(inside, n.const(1.0, torch.float32), trt.ElementWiseOperation.SUM)
        acc.set_input(1, cond.add_output(ten.get_output(0), one.get_output(0)).get_output(0))
        i.set_input(1, n.network.add_elementwise(i.get_output(0), n.const(1, torch.int32),
                                                 trt.ElementWiseOperation.SUM).get_output(0))
        return loop.add_loop_output(acc.get_output(0), trt.LoopOutput.LAST_VALUE).get_output(0)

    assert_exact(build(define).out(), 22.0, torch.float32)


@pytest.mark.no_trt_build("TensorRT rejects a back edge that is not a recurrence's second input")
def test_a_cycle_outside_any_recurrence_is_an_error(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (1,))
        a = n.network.add_elementwise(x, x, trt.ElementWiseOperation.SUM)
        b = n.network.add_elementwise(a.get_output(0), x, trt.ElementWiseOperation.SUM)
        a.set_input(1, b.get_output(0))
        return b.get_output(0)

    with pytest.raises(ReferenceExecutionError, match=r"the network has a cycle through layers \[0, 1\]"):
        build(define).out(x=torch.zeros(1))


@pytest.mark.no_trt_build("TensorRT's builder rejects it: the interpreter must too, whichever branch is taken")
@pytest.mark.parametrize("c", [True, False])
def test_conditional_values_of_different_ranks_are_an_error(build, c):
    def define(n, trt):
        cond = n.network.add_if_conditional()
        cond.set_condition(n.input("c", torch.bool, ()))
        return cond.add_output(n.const([1.0], torch.float32), n.const(2.0, torch.float32)).get_output(0)

    net = build(define)
    assert net.serialize() is None  # as TensorRT's builder says
    with pytest.raises(ReferenceExecutionError, match="CONDITIONAL_OUTPUT.*ranks 1 and 0; they must be equal"):
        net.out(c=torch.tensor(c))
