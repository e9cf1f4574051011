"""Matrix products: mm, bmm, matmul (1-D and broadcasting cases), mv, dot, linear, addmm, baddbmm, addmv, einsum."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.convert.harness import Fn, Fn2, Fn3, assert_converts
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError


def test_mm():
    assert_converts(Fn2(torch.mm), [sample(3, 4), sample(4, 5, seed=1)], expect="aten.mm.default",
                    dynamic={0: {0: (1, 6)}, 1: {1: (1, 7)}})


def test_bmm():
    assert_converts(Fn2(torch.bmm), [sample(2, 3, 4), sample(2, 4, 5, seed=1)], expect="aten.bmm.default",
                    dynamic={0: {0: (1, 4, "batch"), 1: (1, 6)}, 1: {0: (1, 4, "batch")}})


@pytest.mark.parametrize("lhs,rhs", [
    ((4,), (4,)),                 # dot product: a 0-d result
    ((3, 4), (4,)),               # matrix @ vector
    ((4,), (4, 5)),               # vector @ matrix
    ((2, 3, 4), (4,)),            # batched matrix @ vector
    ((4,), (2, 4, 5)),            # vector @ batched matrix
    ((2, 3, 4), (4, 5)),          # batch dims on one side only
    ((2, 1, 3, 4), (5, 4, 3)),    # batch dims broadcast
])
def test_matmul_shapes(lhs, rhs):
    assert_converts(Fn2(torch.matmul), [sample(*lhs), sample(*rhs, seed=1)], expect="aten.matmul.default")


def test_matmul_dynamic():
    assert_converts(Fn2(torch.matmul), [sample(2, 3, 4), sample(4, 5, seed=1)], expect="aten.matmul.default",
                    dynamic={0: {0: (1, 4), 1: (1, 9)}})


def test_matmul_vector_dynamic():
    assert_converts(Fn2(torch.matmul), [sample(2, 3, 4), sample(4, seed=1)], expect="aten.matmul.default",
                    dynamic={0: {0: (1, 4), 2: (2, 8, "k")}, 1: {0: (2, 8, "k")}})


def test_mv_dot():
    fn = Fn2(lambda m, v: (torch.mv(m, v), torch.dot(v, v)))
    assert_converts(fn, [sample(3, 4), sample(4, seed=1)], expect=["aten.mv.default", "aten.dot.default"])


def test_mv_dot_dynamic():
    fn = Fn2(lambda m, v: (torch.mv(m, v), torch.dot(v, v)))
    assert_converts(fn, [sample(3, 4), sample(4, seed=1)], expect=["aten.mv.default", "aten.dot.default"],
                    dynamic={0: {0: (1, 6), 1: (2, 8, "k")}, 1: {0: (2, 8, "k")}})


@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1.5)])
def test_addmm(beta, alpha):
    bias = sample(5, seed=2)
    if beta == 0:
        bias[0] = float("nan")  # beta=0 ignores the bias, NaN included
    fn = Fn2(lambda x, y: torch.addmm(bias, x, y, beta=beta, alpha=alpha))
    assert_converts(fn, [sample(3, 4), sample(4, 5, seed=1)], expect="aten.addmm.default", dynamic={0: {0: (1, 6)}})


def test_addmm_runtime_bias():
    fn = Fn3(lambda b, x, y: torch.addmm(b, x, y, beta=2.0))
    assert_converts(fn, [sample(3, 1), sample(3, 4, seed=1), sample(4, 5, seed=2)], expect="aten.addmm.default")


def test_baddbmm():
    fn = Fn3(lambda b, x, y: torch.baddbmm(b, x, y, beta=0.5, alpha=2.0))
    assert_converts(fn, [sample(2, 3, 5), sample(2, 3, 4, seed=1), sample(2, 4, 5, seed=2)], expect="aten.baddbmm.default",
                    dynamic={0: {0: (1, 3, "b")}, 1: {0: (1, 3, "b")}, 2: {0: (1, 3, "b")}})


def test_addmv():
    fn = Fn3(lambda b, m, v: torch.addmv(b, m, v, beta=0.5, alpha=3.0))
    assert_converts(fn, [sample(3), sample(3, 4, seed=1), sample(4, seed=2)], expect="aten.addmv.default")


def test_addmv_dynamic():
    fn = Fn3(lambda b, m, v: torch.addmv(b, m, v, beta=0.5, alpha=3.0))
    assert_converts(fn, [sample(3), sample(3, 4, seed=1), sample(4, seed=2)], expect="aten.addmv.default",
                    dynamic={0: {0: (1, 6, "rows")}, 1: {0: (1, 6, "rows"), 1: (2, 8, "k")}, 2: {0: (2, 8, "k")}})


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape,dynamic", [
    ((4,), None),
    ((2, 4), {0: {0: (1, 8)}}),
    ((2, 5, 4), {0: {0: (1, 3), 1: (1, 9)}}),
])
def test_linear(bias, shape, dynamic):
    torch.manual_seed(0)
    assert_converts(nn.Linear(4, 3, bias=bias), [sample(*shape)], expect="aten.linear.default", dynamic=dynamic)


def test_linear_runtime_weight():
    fn = Fn2(lambda x, w: nn.functional.linear(x, w))
    assert_converts(fn, [sample(2, 4), sample(3, 4, seed=1)], expect="aten.linear.default")


@pytest.mark.parametrize("equation,shapes", [
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),              # implicit output
    ("Bi,iJ->JB", [(3, 4), (4, 5)]),          # upper-case labels
    ("ij->ji", [(3, 4)]),
    ("i,i->", [(4,), (4,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
])
def test_einsum(equation, shapes):
    inputs = [sample(*s, seed=i) for i, s in enumerate(shapes)]
    fn = Fn(lambda x: torch.einsum(equation, x)) if len(inputs) == 1 else \
        Fn2(lambda x, y: torch.einsum(equation, x, y))
    assert_converts(fn, inputs, expect="aten.einsum.default")


def test_einsum_dynamic():
    fn = Fn2(lambda x, y: torch.einsum("bij,bjk->bik", x, y))
    assert_converts(fn, [sample(2, 3, 4), sample(2, 4, 5, seed=1)], expect="aten.einsum.default",
                    dynamic={0: {0: (1, 3, "b"), 1: (1, 6)}, 1: {0: (1, 3, "b")}})


@pytest.mark.parametrize("equation,shapes", [("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]), ("ii->i", [(3, 3)])])
def test_einsum_rejects_ellipsis_and_diagonal(equation, shapes):
    inputs = [sample(*s) for s in shapes]
    fn = Fn(lambda x: torch.einsum(equation, x)) if len(inputs) == 1 else \
        Fn2(lambda x, y: torch.einsum(equation, x, y))
    with pytest.raises(UnsupportedOpsError, match="ellipsis"):
        assert_converts(fn, inputs, expect="aten.einsum.default")


def test_integer_mm_is_rejected():
    x = torch.randint(0, 5, (3, 4), dtype=torch.int32)
    with pytest.raises(UnsupportedOpsError, match="integer"):
        assert_converts(Fn2(torch.mm), [x, x.t().contiguous()], expect="aten.mm.default")
