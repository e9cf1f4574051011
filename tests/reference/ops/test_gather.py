"""GATHER (DEFAULT, ELEMENT, ND), SCATTER, ONE_HOT and NON_ZERO."""

from __future__ import annotations

import pytest
import torch

from trtrepo.convert.context import Capabilities
from trtrepo.errors import ReferenceExecutionError
from trtrepo.trt_flavour import flavour

from ..helpers import assert_exact

DATA = torch.tensor([[0.0, 1.0, 2.0], [10.0, 11.0, 12.0]])


def _gather(build, data, idx, mode="DEFAULT", axis=0, ne=0):
    def define(n, trt):
        d = n.input("d", data.dtype, tuple(data.shape))
        i = n.input("i", idx.dtype, tuple(idx.shape))
        layer = n.network.add_gather_v2(d, i, getattr(trt.GatherMode, mode))
        if mode != "ND":
            layer.axis = axis
        layer.num_elementwise_dims = ne
        return layer.get_output(0)

    return build(define).out(d=data, i=idx)


def test_default_gather_along_axis_1_with_negative_index(build):
    idx = torch.tensor([[2, -1], [0, 0]], dtype=torch.int32)
    out = _gather(build, DATA, idx, axis=1)
    expected = [[[2.0, 2.0], [0.0, 0.0]], [[12.0, 12.0], [10.0, 10.0]]]
    assert_exact(out, expected, torch.float32)


def test_default_gather_scalar_index_drops_axis(build):
    out = _gather(build, DATA, torch.tensor(1, dtype=torch.int64), axis=0)
    assert_exact(out, [10.0, 11.0, 12.0], torch.float32)


def test_default_gather_out_of_bounds_reads_zero(build):
    out = _gather(build, DATA, torch.tensor([1, 5], dtype=torch.int32), axis=1)
    assert_exact(out, [[1.0, 0.0], [11.0, 0.0]], torch.float32)


def test_default_gather_with_elementwise_dim(build):
    # row b of the output gathers from row b of the data with row b of the indices
    idx = torch.tensor([[2, 0], [1, 1]], dtype=torch.int32)
    out = _gather(build, DATA, idx, axis=1, ne=1)
    assert_exact(out, [[2.0, 0.0], [11.0, 11.0]], torch.float32)


def test_element_gather(build):
    idx = torch.tensor([[1, 0, 1]], dtype=torch.int32)
    out = _gather(build, DATA, idx, mode="ELEMENT", axis=0)
    assert_exact(out, [[10.0, 1.0, 12.0]], torch.float32)


def test_nd_gather_full_and_partial_tuples(build):
    idx = torch.tensor([[1, 2], [0, -1]], dtype=torch.int32)
    assert_exact(_gather(build, DATA, idx, mode="ND"), [12.0, 2.0], torch.float32)
    rows = torch.tensor([[1], [0]], dtype=torch.int32)
    assert_exact(_gather(build, DATA, rows, mode="ND"), [[10.0, 11.0, 12.0], [0.0, 1.0, 2.0]], torch.float32)


def test_nd_gather_with_batch_dim(build):
    idx = torch.tensor([[2], [0]], dtype=torch.int32)  # batch b picks data[b, idx[b]]
    assert_exact(_gather(build, DATA, idx, mode="ND", ne=1), [2.0, 10.0], torch.float32)


def test_scatter_element(build):
    def define(n, trt):
        data = n.input("d", torch.float32, (2, 3))
        idx = n.const([[1, 0, 1]], torch.int32)
        upd = n.const([[7.0, 8.0, 9.0]], torch.float32)
        layer = n.network.add_scatter(data, idx, upd, trt.ScatterMode.ELEMENT)
        layer.axis = 0
        return layer.get_output(0)

    out = build(define).out(d=DATA.clone())
    assert_exact(out, [[0.0, 8.0, 2.0], [7.0, 11.0, 9.0]], torch.float32)


def test_scatter_nd(build):
    def define(n, trt):
        data = n.input("d", torch.float32, (2, 3))
        idx = n.const([[1, 2], [0, 0]], torch.int32)
        upd = n.const([5.0, 6.0], torch.float32)
        return n.network.add_scatter(data, idx, upd, trt.ScatterMode.ND).get_output(0)

    out = build(define).out(d=DATA.clone())
    assert_exact(out, [[6.0, 1.0, 2.0], [10.0, 11.0, 5.0]], torch.float32)


def _scatter_with(build, mode, idx, upd, axis=0):
    def define(n, trt):
        data = n.input("d", torch.float32, (2, 3))
        layer = n.network.add_scatter(data, n.const(idx, torch.int64), n.const(upd, torch.float32),
                                      getattr(trt.ScatterMode, mode))
        layer.axis = axis
        return layer.get_output(0)

    return build(define).out(d=DATA.clone())


def test_scatter_element_smaller_index_off_the_axis(build):
    # Index [1, 2] along axis 1 of a [2, 3] tensor: only row 0, columns 0 and 1, are written.
    out = _scatter_with(build, "ELEMENT", [[2, 0]], [[7.0, 8.0]], axis=1)
    assert_exact(out, [[8.0, 1.0, 7.0], [10.0, 11.0, 12.0]], torch.float32)


def test_scatter_nd_whole_rows(build):
    out = _scatter_with(build, "ND", [[1]], [[7.0, 8.0, 9.0]])  # one coordinate: a whole row
    assert_exact(out, [[0.0, 1.0, 2.0], [7.0, 8.0, 9.0]], torch.float32)


@pytest.mark.parametrize(("mode", "idx", "upd"), [
    ("ELEMENT", [[1, 0, 1], [1, 1, 0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),  # column 0 written twice
    ("ND", [[0, 1], [0, 1]], [1.0, 2.0]),  # element (0, 1) twice
    ("ND", [[1], [1]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),  # row 1 twice
], ids=["element", "nd_elements", "nd_rows"])
def test_scatter_different_updates_to_one_target_are_an_error(build, mode, idx, upd):
    with pytest.raises(ReferenceExecutionError, match="several different updates write one element"):
        _scatter_with(build, mode, idx, upd)


def test_scatter_equal_updates_to_one_target_give_that_value(build):
    # Element (0, 1) twice, with 5.0 both times: whichever is kept, the answer is 5.0.
    out = _scatter_with(build, "ND", [[0, 1], [1, 2], [0, 1]], [5.0, 6.0, 5.0])
    assert_exact(out, [[0.0, 5.0, 2.0], [10.0, 11.0, 6.0]], torch.float32)


@pytest.mark.no_trt_build("updates do not have the shape the indices call for")
@pytest.mark.parametrize(("mode", "idx", "upd"), [
    ("ELEMENT", [[1, 0]], [[1.0, 2.0, 3.0]]),  # updates larger than indices (PyTorch would allow it)
    ("ND", [[1], [0]], [[1.0, 2.0, 3.0]]),  # one row of updates for two coordinates (no broadcasting)
], ids=["element", "nd"])
def test_scatter_shapes_outside_the_constraints_are_an_error(build, mode, idx, upd):
    with pytest.raises(ReferenceExecutionError, match="must have"):
        _scatter_with(build, mode, idx, upd)


def test_one_hot_last_and_first_axis(build):
    def define(axis):
        def inner(n, trt):
            idx = n.input("i", torch.int32, (3,))
            values = n.const([0.0, 1.0], torch.float32)
            depth = n.const(4, torch.int32)
            return n.network.add_one_hot(idx, values, depth, axis).get_output(0)

        return inner

    idx = torch.tensor([1, -1, 7], dtype=torch.int32)  # -1 -> 3, 7 is out of range -> all off
    last = [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]]
    assert_exact(build(define(-1)).out(i=idx), last, torch.float32)
    assert_exact(build(define(0)).out(i=idx), torch.tensor(last).t().contiguous())


def _non_zero_build(test):
    """TensorRT for RTX cannot build a NonZero layer (NVIDIA/TensorRT-RTX issue 32): there the
    network is executed without the builder's check; with full TensorRT it is built first."""
    if Capabilities.of(flavour()).data_dependent_shapes:
        return test
    return pytest.mark.no_trt_build("TensorRT for RTX implements no NonZero layer")(test)


def _non_zero(build, x, indices_type=None):
    def define(n, trt):
        layer = n.network.add_non_zero(n.input("x", x.dtype, tuple(x.shape)))
        if indices_type is not None:
            layer.indices_type = getattr(trt, indices_type)
        assert tuple(layer.get_output(0).shape) == (x.dim(), -1), "the count is data-dependent: -1 at build"
        return layer.get_output(0)

    return build(define).out(x=x)


@_non_zero_build
def test_non_zero_lists_subscripts_column_per_element(build):
    x = torch.tensor([[0.0, 3.0, 0.0], [-1.0, 0.0, 2.0]])
    assert_exact(_non_zero(build, x), [[0, 1, 1], [1, 0, 2]], torch.int32)


@_non_zero_build
def test_non_zero_documented_example_in_int64(build):
    # The operator reference's example: [[-3, -2, 0], [0, 1, 2]] -> columns (0,0) (0,1) (1,1) (1,2).
    x = torch.tensor([[-3.0, -2.0, 0.0], [0.0, 1.0, 2.0]])
    assert_exact(_non_zero(build, x, "int64"), [[0, 0, 1, 1], [0, 1, 1, 2]], torch.int64)


@_non_zero_build
def test_non_zero_columns_are_lexically_ordered_in_3d(build):
    x = torch.zeros(2, 2, 3, dtype=torch.bool)
    x[1, 0, 2] = x[0, 1, 0] = x[1, 0, 0] = True
    assert_exact(_non_zero(build, x), [[0, 1, 1], [1, 0, 0], [0, 0, 2]], torch.int32)


@_non_zero_build
def test_non_zero_of_nothing_and_of_a_scalar(build):
    assert_exact(_non_zero(build, torch.zeros(4, dtype=torch.int32)), torch.zeros(1, 0, dtype=torch.int32))
    assert_exact(_non_zero(build, torch.tensor(5.0)), torch.zeros(0, 1, dtype=torch.int32))


@pytest.mark.no_trt_build("a NonZero of int64 is refused by the reference interpreter before any build")
def test_non_zero_refuses_an_input_type_tensorrt_does_not_take(build):
    with pytest.raises(ReferenceExecutionError, match="NonZero does not take int64"):
        _non_zero(build, torch.tensor([1, 0], dtype=torch.int64))
