"""The harness's proof that the converter under test converted the node under test, and how it fails.

Broken converters are made by swapping a registry entry's implementation (as tests/test_check.py
does): the real converter still runs, its result is then mishandled on purpose.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from tests.convert.harness import Fn, assert_converted_by, assert_converts, collecting_proofs, convert_module
from trtrepo.convert.registry import REGISTRY

aten = torch.ops.aten


@pytest.fixture
def relu_entry(monkeypatch):
    """Replace relu's converter: ``replace(make)`` installs ``make(real_impl)`` for the test."""
    entry = REGISTRY.entries[aten.relu.default]

    def replace(make):
        monkeypatch.setitem(REGISTRY.entries, aten.relu.default, dataclasses.replace(entry, impl=make(entry.impl)))
    return replace


def test_a_converter_that_converts_its_node_is_proven_and_recorded():
    with collecting_proofs() as proven:
        assert_converts(Fn(lambda x: torch.relu(x) * 2), [torch.randn(2, 3)], expect="aten.relu.default",
                        build_engine=False)
    assert proven == {"aten.relu.default"}


def test_an_op_the_graph_does_not_hold_fails():
    with pytest.raises(AssertionError, match=r"^aten.abs.default: no node of the lowered graph has this target"):
        assert_converts(Fn(torch.relu), [torch.randn(2, 3)], expect="aten.abs.default", build_engine=False)


def test_a_node_folded_into_a_constant_fails():
    class Biased(nn.Module):
        def __init__(self):
            super().__init__()
            self.bias = nn.Parameter(torch.randn(3))

        def forward(self, x):
            return x + torch.relu(self.bias)  # relu of a weight: computed by lowering, not by a converter

    with pytest.raises(AssertionError, match=r"^aten.relu.default: node 'relu' was folded into a constant"):
        assert_converts(Biased(), [torch.randn(3)], expect="aten.relu.default", build_engine=False)


def test_a_converter_that_makes_no_layer_is_judged_on_the_numbers(relu_entry):
    # Handing the input on is right for an identity case (x ** 1); for relu it is wrong, and says so.
    relu_entry(lambda real: lambda ctx, target, args, kwargs, name: args[0])
    x = torch.tensor([[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]])
    with pytest.raises(AssertionError, match=r"^out0: Tensor-likes are not close!"):
        assert_converts(Fn(lambda x: torch.relu(x) * 2), [x], expect="aten.relu.default", build_engine=False)


def test_a_node_another_converter_converted_fails():
    from tests.convert.harness import assert_converted_by

    converted = assert_converts(Fn(lambda x: torch.relu(x) * 2), [torch.randn(2, 3)], expect="aten.relu.default",
                                build_engine=False)
    converted.result.converted_nodes["relu"] = "aten.hardtanh.default"  # as if another converter had run
    with pytest.raises(AssertionError, match=r"^aten.relu.default: node 'relu' was converted by "
                                             r"aten.hardtanh.default"):
        assert_converted_by(converted, "aten.relu.default")


def test_a_converter_whose_layers_reach_no_output_fails(relu_entry):
    def dead(real):
        def convert(ctx, target, args, kwargs, name):
            real(ctx, target, args, kwargs, name)  # the relu layer is made, then ignored
            return args[0]
        return convert

    relu_entry(dead)
    with pytest.raises(AssertionError, match=r"^aten.relu.default: node 'relu' made layers \['relu'\] that reach "
                                             r"no network output"):
        assert_converts(Fn(lambda x: torch.relu(x) * 2), [torch.randn(2, 3)], expect="aten.relu.default",
                        build_engine=False)


def test_a_numerical_failure_records_no_proof(relu_entry):
    relu_entry(lambda real: lambda ctx, target, args, kwargs, name: real(ctx, target, [ctx.network.add_unary(
        args[0], ctx.trt.UnaryOperation.NEG).get_output(0)], kwargs, name))  # relu(-x): live, but wrong
    with collecting_proofs() as proven, pytest.raises(AssertionError, match=r"^out0: Tensor-likes are not close!"):
        assert_converts(Fn(lambda x: torch.relu(x) * 2), [torch.randn(2, 3)], expect="aten.relu.default",
                        build_engine=False)
    assert proven == set()


def test_a_selector_is_proven_by_the_node_it_selects_from():
    x = torch.randn(2, 6)
    assert_converts(Fn(lambda x: x.split(2, 1)[1] * 2), [x], expect="operator.getitem", build_engine=False)


def test_assert_converted_by_records_a_direct_proof():
    converted = convert_module(Fn(lambda x: torch.relu(x) - 1), [torch.randn(4)])
    with collecting_proofs() as proven:
        assert_converted_by(converted, "aten.relu.default")
    assert proven == {"aten.relu.default"}
