"""SHUFFLE, SQUEEZE, UNSQUEEZE, CONCATENATION and REVERSE_SEQUENCE."""

from __future__ import annotations

import pytest
import torch

from trtrepo.errors import ReferenceExecutionError

from ..helpers import assert_exact

X = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4)


def _shuffle(build, configure, x=X):
    def define(n, trt):
        layer = n.network.add_shuffle(n.input("x", x.dtype, tuple(x.shape)))
        configure(n, layer)
        return layer.get_output(0)

    return build(define).out(x=x)


def test_first_transpose_takes_input_dims_in_listed_order(build):
    def configure(n, layer):
        layer.first_transpose = (2, 0, 1)

    out = _shuffle(build, configure)
    assert list(out.shape) == [4, 2, 3]
    assert out[3, 1, 2] == X[1, 2, 3]
    assert_exact(out, X.permute(2, 0, 1).contiguous())


def test_reshape_with_zero_placeholder_and_minus_one(build):
    def configure(n, layer):
        layer.reshape_dims = (0, -1)

    assert_exact(_shuffle(build, configure), torch.arange(24, dtype=torch.float32).reshape(2, 12))


def test_reshape_fewer_dims_copies_leading_dims(build):
    def configure(n, layer):
        layer.reshape_dims = (0, 0, 2, 2)

    assert_exact(_shuffle(build, configure), torch.arange(24, dtype=torch.float32).reshape(2, 3, 2, 2))


def test_zero_is_not_placeholder_means_empty_dimension(build):
    def configure(n, layer):
        layer.zero_is_placeholder = False
        layer.reshape_dims = (0, 4)

    out = _shuffle(build, configure, torch.zeros(0, 2, 2))
    assert_exact(out, torch.zeros(0, 4))


def test_transpose_reshape_transpose(build):
    def configure(n, layer):
        layer.first_transpose = (1, 0, 2)  # [3, 2, 4]
        layer.reshape_dims = (3, 8)
        layer.second_transpose = (1, 0)  # [8, 3]

    expected = X.permute(1, 0, 2).reshape(3, 8).t().contiguous()
    out = _shuffle(build, configure)
    assert out[5, 2] == 21  # row c = 4j + k = 5 -> j=1, k=1; column i=2: X[1, 2, 1] = 12 + 8 + 1
    assert_exact(out, expected)


def test_dynamic_reshape_from_shape_tensor(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (-1, 6))
        layer = n.network.add_shuffle(x)
        layer.set_input(1, n.const([-1, 3, 2], torch.int64))
        return layer.get_output(0)

    x = torch.arange(12, dtype=torch.float32).reshape(2, 6)
    assert_exact(build(define).out(x=x), x.reshape(2, 3, 2))


def test_dynamic_reshape_computed_from_shape_layer(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (-1, 2, 3))
        shape = n.network.add_shape(x).get_output(0)
        batch = n.network.add_slice(shape, (0,), (1,), (1,)).get_output(0)
        dims = n.network.add_concatenation([batch, n.const([-1], torch.int64)])
        dims.axis = 0
        layer = n.network.add_shuffle(x)
        layer.set_input(1, dims.get_output(0))
        return layer.get_output(0)

    x = torch.arange(12, dtype=torch.float32).reshape(2, 2, 3)
    assert_exact(build(define).out(x=x), x.reshape(2, 6))


def test_squeeze_and_unsqueeze(build):
    def define(n, trt):
        x = n.input("x", torch.int32, (1, 3, 1))
        squeezed = n.network.add_squeeze(x, n.const([0, -1], torch.int64)).get_output(0)
        return n.network.add_unsqueeze(squeezed, n.const([1], torch.int64)).get_output(0)

    x = torch.tensor([[[4], [5], [6]]], dtype=torch.int32)
    assert_exact(build(define).out(x=x), [[4], [5], [6]], torch.int32)


def _concat(build, axis):
    def define(n, trt):
        a = n.input("a", torch.float32, (2, 1))
        b = n.input("b", torch.float32, (2, 2))
        layer = n.network.add_concatenation([a, b])
        layer.axis = axis
        return layer.get_output(0)

    return build(define).out(a=torch.tensor([[1.0], [2.0]]), b=torch.tensor([[3.0, 4.0], [5.0, 6.0]]))


@pytest.mark.no_trt_build("the inputs differ off the concatenation axis")
def test_concatenation_of_mismatched_inputs_is_an_error(build):
    with pytest.raises(ReferenceExecutionError, match="cannot be joined on axis 0"):
        _concat(build, 0)


def test_concatenation_along_axis(build):
    assert_exact(_concat(build, 1), [[1.0, 3.0, 4.0], [2.0, 5.0, 6.0]], torch.float32)


def test_squeeze_without_axes_removes_the_dimensions_declared_as_one(build):
    x = torch.arange(6, dtype=torch.float32).reshape(1, 3, 1, 2, 1)

    def define(n, trt):
        return n.network.add_squeeze(n.input("x", torch.float32, (1, 3, 1, 2, 1))).get_output(0)

    assert_exact(build(define).out(x=x), torch.arange(6, dtype=torch.float32).reshape(3, 2))


def test_squeeze_without_axes_keeps_dynamic_and_zero_dimensions(build):
    def define(n, trt):
        return n.network.add_squeeze(n.input("x", torch.float32, (-1, 1, 0))).get_output(0)

    assert list(build(define).out(x=torch.zeros(2, 1, 0)).shape) == [2, 0]


@pytest.mark.no_trt_build("TensorRT only checks this at run time")
def test_squeeze_without_axes_refuses_a_dynamic_dimension_that_is_one(build):
    def define(n, trt):
        return n.network.add_squeeze(n.input("x", torch.float32, (-1, 1, 2))).get_output(0)

    with pytest.raises(ReferenceExecutionError, match=r"dynamic dimensions \[0\].*are 1 at run time"):
        build(define).out(x=torch.zeros(1, 1, 2))


def _reverse(build, x, lengths, batch_axis, sequence_axis):
    def define(n, trt):
        layer = n.network.add_reverse_sequence(n.input("x", x.dtype, tuple(x.shape)), n.const(lengths, torch.int32))
        layer.batch_axis = batch_axis
        layer.sequence_axis = sequence_axis
        return layer.get_output(0)

    return build(define).out(x=x)


def test_reverse_sequence_reverses_each_batch_entry_up_to_its_length(build):
    x = torch.tensor([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], dtype=torch.int32)  # [sequence 3, batch 4]
    out = _reverse(build, x, [1, 2, 3, 0], batch_axis=1, sequence_axis=0)
    # column b is reversed in its first lengths[b] rows: 1 -> unchanged, 2 -> rows 0,1 swapped, 3 -> all rows
    assert_exact(out, [[0, 5, 10, 3], [4, 1, 6, 7], [8, 9, 2, 11]], torch.int32)


def test_reverse_sequence_with_batch_first(build):
    x = torch.arange(12, dtype=torch.float32).reshape(2, 3, 2)  # [batch, sequence, feature]
    out = _reverse(build, x, [3, 2], batch_axis=0, sequence_axis=1)
    expected = x.clone()
    expected[0] = x[0, [2, 1, 0]]
    expected[1, :2] = x[1, [1, 0]]
    assert_exact(out, expected)
