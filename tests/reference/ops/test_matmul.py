"""MATRIX_MULTIPLY (NONE, TRANSPOSE, VECTOR, batch broadcast) and EINSUM."""

from __future__ import annotations

import torch

from ..helpers import assert_exact, assert_near

A = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
B = torch.tensor([[5.0, 6.0], [7.0, 8.0]])


def _mm(build, a, b, op0="NONE", op1="NONE"):
    def define(n, trt):
        x = n.input("a", a.dtype, tuple(a.shape))
        y = n.input("b", b.dtype, tuple(b.shape))
        ops = trt.MatrixOperation
        return n.network.add_matrix_multiply(x, getattr(ops, op0), y, getattr(ops, op1)).get_output(0)

    return build(define).out(a=a, b=b)


def test_matrix_times_matrix(build):
    assert_exact(_mm(build, A, B), [[19.0, 22.0], [43.0, 50.0]], torch.float32)


def test_transpose_each_operand(build):
    assert_exact(_mm(build, A, B, "TRANSPOSE"), [[26.0, 30.0], [38.0, 44.0]], torch.float32)
    assert_exact(_mm(build, A, B, "NONE", "TRANSPOSE"), [[17.0, 23.0], [39.0, 53.0]], torch.float32)


def test_vector_operands(build):
    v = torch.tensor([1.0, -1.0])
    assert_exact(_mm(build, A, v, "NONE", "VECTOR"), [-1.0, -1.0], torch.float32)  # A @ v
    assert_exact(_mm(build, v, B, "VECTOR", "NONE"), [-2.0, -2.0], torch.float32)  # v @ B
    assert_exact(_mm(build, v, torch.tensor([3.0, 4.0]), "VECTOR", "VECTOR"), torch.tensor(-1.0))


def test_batched_vectors(build):
    # [M, K] with VECTOR on input 0 is M row vectors; each multiplies the matching batch of B
    rows = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    b = torch.stack([A, B])
    assert_exact(_mm(build, rows, b, "VECTOR", "NONE"), [[1.0, 2.0], [7.0, 8.0]], torch.float32)


def test_batch_dimension_broadcasts(build):
    a = torch.stack([A, 2 * A])  # [2, 2, 2]
    b = B.reshape(1, 2, 2)
    expected = [[[19.0, 22.0], [43.0, 50.0]], [[38.0, 44.0], [86.0, 100.0]]]
    assert_exact(_mm(build, a, b), expected, torch.float32)


def test_half_matmul_accumulates_in_float32(build):
    a = torch.tensor([[1.0, 1.0, 1.0]], dtype=torch.float16)
    b = torch.tensor([[2048.0], [1.0], [1.0]], dtype=torch.float16)  # half steps are 2 above 2048
    assert_exact(_mm(build, a, b), torch.tensor([[2050.0]], dtype=torch.float16))


def test_einsum(build):
    def define(n, trt):
        x = n.input("a", torch.float32, (2, 2))
        y = n.input("b", torch.float32, (2, 2))
        return n.network.add_einsum([x, y], "ij,jk->ki").get_output(0)

    assert_near(build(define).out(a=A, b=B), [[19.0, 43.0], [22.0, 50.0]])
