"""Reductions: sum, mean, prod, amax/amin, max/min (with indices), argmax/argmin, any/all, var/std."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, assert_converts
from tests.convert.samples import sample

BATCH = {0: {0: (1, 5)}}


# ---- sum / prod / mean ------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.bool])
def test_sum_all(dtype):
    assert_converts(Fn(lambda x: x.sum()), [sample(2, 3, 4, dtype=dtype, low=-5, high=5)], expect="aten.sum.default", dynamic=BATCH)


@pytest.mark.parametrize("dim,keepdim", [(1, False), (-1, True), ((0, -1), False), ((1, 2), True), (None, True)])
def test_sum_dims(dim, keepdim):
    assert_converts(Fn(lambda x: x.sum(dim=dim, keepdim=keepdim)), [sample(2, 3, 4)],
                    expect="aten.sum.dim_IntList", dynamic=BATCH)


def test_sum_empty_dim_list_reduces_everything():
    assert_converts(Fn(lambda x: torch.sum(x, dim=[])), [sample(2, 3)], expect="aten.sum.dim_IntList")


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64])
def test_sum_dtype(dtype):
    assert_converts(Fn(lambda x: x.sum(1, dtype=dtype)), [sample(2, 3, 4, dtype=torch.int32, low=-5, high=5)],
                    expect="aten.sum.dim_IntList")


def test_sum_of_scalar():
    assert_converts(Fn(lambda x: x.sum(dim=1).sum(0).sum()), [sample(3, 4)], expect="aten.sum.default")


@pytest.mark.parametrize("dtype", [torch.float32, torch.int32])
def test_prod(dtype):
    x = sample(2, 3, 4, dtype=dtype, low=-5, high=5)
    if dtype.is_floating_point:
        x = x.abs() + 0.5
    assert_converts(Fn(lambda x: (x.prod(), x.prod(-1, keepdim=True))), [x],
                    expect=["aten.prod.default", "aten.prod.dim_int"])


@pytest.mark.parametrize("dtype", [torch.float32, torch.int32])
def test_prod_dynamic(dtype):
    x = sample(2, 3, 4, dtype=dtype, low=-3, high=3)
    assert_converts(Fn(lambda x: (x.prod(), x.prod(-1, keepdim=True), x.prod(0))), [x],
                    expect=["aten.prod.default", "aten.prod.dim_int"], dynamic=BATCH)


def test_mean_all():
    assert_converts(Fn(lambda x: x.mean()), [sample(2, 3, 4)], expect="aten.mean.default", dynamic=BATCH)


@pytest.mark.parametrize("dim,keepdim", [(-1, False), ((0, 2), True), (0, False)])
def test_mean_dims(dim, keepdim):
    assert_converts(Fn(lambda x: x.mean(dim, keepdim=keepdim)), [sample(2, 3, 4)], expect="aten.mean.dim",
                    dynamic={0: {0: (1, 5), 2: (1, 6)}})


def test_mean_dtype():
    assert_converts(Fn(lambda x: x.mean(1, dtype=torch.float32)), [sample(2, 3, dtype=torch.int32, low=-5, high=5)],
                    expect="aten.mean.dim")


def test_float64_result_is_rejected():
    from trtrepo.errors import UnsupportedOpsError

    with pytest.raises(UnsupportedOpsError, match="float64"):
        assert_converts(Fn(lambda x: x.sum(dtype=torch.float64).float()), [sample(2, 3)], expect="aten.sum.default")


# ---- amax / amin / max / min ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.bool])
@pytest.mark.parametrize("largest", [True, False])
def test_amax_amin(dtype, largest):
    fn = torch.amax if largest else torch.amin
    assert_converts(Fn(lambda x: (fn(x, dim=(0, -1)), fn(x, 1, keepdim=True))), [sample(2, 3, 4, dtype=dtype, low=-5, high=5)],
                    expect="aten.amax.default" if largest else "aten.amin.default", dynamic=BATCH)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int32])
def test_max_min_whole(dtype):
    assert_converts(Fn(lambda x: (x.max(), x.min())), [sample(2, 3, 4, dtype=dtype, low=-5, high=5)],
                    expect=["aten.max.default", "aten.min.default"], dynamic=BATCH)


@pytest.mark.parametrize("dim,keepdim", [(1, False), (-1, True), (0, False)])
def test_max_dim_values_and_indices(dim, keepdim):
    out = assert_converts(Fn(lambda x: torch.max(x, dim, keepdim=keepdim)), [sample(3, 4, 5)],
                          expect="aten.max.dim", dynamic={0: {0: (1, 6), 2: (2, 7)}})
    assert out.result.network.num_outputs == 2


def test_min_dim_indices_only():
    assert_converts(Fn(lambda x: torch.min(x, -2).indices), [sample(2, 5, 3)], expect="aten.min.dim", dynamic=BATCH)


def test_max_dim_outside_last_four_dims():
    assert_converts(Fn(lambda x: torch.max(x, 0)), [sample(3, 2, 2, 2, 2)], expect="aten.max.dim")


def test_max_dim_integer():
    x = torch.randperm(24, generator=torch.Generator().manual_seed(0)).reshape(2, 3, 4).to(torch.int32)
    assert_converts(Fn(lambda x: torch.max(x, 1)), [x], expect="aten.max.dim")


@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (1, False), (-1, True)])
@pytest.mark.parametrize("largest", [True, False])
def test_argmax_argmin(dim, keepdim, largest):
    fn = torch.argmax if largest else torch.argmin
    assert_converts(Fn(lambda x: fn(x, dim=dim, keepdim=keepdim)), [sample(2, 3, 4)],
                    expect="aten.argmax.default" if largest else "aten.argmin.default", dynamic=BATCH)


# ---- any / all --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.bool, torch.float32, torch.uint8])
def test_any_all_whole(dtype):
    x = sample(2, 3, 4, dtype=dtype, low=-5, high=5)
    if dtype == torch.uint8:
        x = torch.randint(0, 2, (2, 3, 4), generator=torch.Generator().manual_seed(1)).to(dtype)
    assert_converts(Fn(lambda x: (x.any(), x.all())), [x],
                    expect=["aten.any.default", "aten.all.default"], dynamic=BATCH)


@pytest.mark.parametrize("keepdim", [False, True])
def test_any_all_dim(keepdim):
    x = sample(3, 4, 5, dtype=torch.bool)
    x[0] = True  # some rows all True, so ``all`` is not trivially False
    assert_converts(Fn(lambda x: (x.any(-1, keepdim=keepdim), x.all(1, keepdim=keepdim))), [x],
                    expect=["aten.any.dim", "aten.all.dim"], dynamic={0: {0: (1, 4)}})


def test_any_all_dims():
    x = sample(3, 4, 5, dtype=torch.bool)
    fn = Fn(lambda x: (torch.any(x, dim=(0, 2)), torch.ops.aten.all.dims(x, [1, 2], True)))
    assert_converts(fn, [x], expect=["aten.any.dims", "aten.all.dims"])


def test_any_all_dims_dynamic():
    x = sample(3, 4, 5, dtype=torch.bool)
    fn = Fn(lambda x: (torch.any(x, dim=(0, 2)), torch.ops.aten.all.dims(x, [1, 2], True)))
    assert_converts(fn, [x], expect=["aten.any.dims", "aten.all.dims"], dynamic={0: {0: (1, 4), 2: (2, 7)}})


# ---- var / std --------------------------------------------------------------------------------

@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("keepdim", [False, True])
def test_var_std(correction, keepdim):
    fn = Fn(lambda x: (torch.var(x, dim=(1, -1), correction=correction, keepdim=keepdim),
                       torch.std(x, dim=1, correction=correction, keepdim=keepdim)))
    assert_converts(fn, [sample(2, 3, 4)], expect=["aten.var.correction", "aten.std.correction"], dynamic=BATCH)


def test_var_over_dynamic_dims():
    # the divisor N - 1 follows the runtime size of the reduced (dynamic) dims
    assert_converts(Fn(lambda x: (x.var(), x.std(0, keepdim=True))), [sample(4, 3, 5)],
                    expect=["aten.var.correction", "aten.std.correction"], dynamic={0: {0: (2, 7), 2: (1, 6)}})


def test_var_mean_std_mean():
    fn = Fn(lambda x: (*torch.var_mean(x, dim=-1), *torch.std_mean(x, dim=(0, 1), correction=0, keepdim=True)))
    assert_converts(fn, [sample(2, 3, 4)], expect=["aten.var_mean.correction", "aten.std_mean.correction"],
                    dynamic=BATCH)


# ---- logsumexp --------------------------------------------------------------------------------

@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(keepdim):
    x = sample(3, 4, 5)
    x[0, 1] = float("-inf")  # a row of -inf gives -inf, not NaN
    assert_converts(Fn(lambda x: torch.logsumexp(x, dim=(-1,), keepdim=keepdim)), [x],
                    expect="aten.logsumexp.default")
    assert_converts(Fn(lambda x: torch.logsumexp(x, dim=(0, 2), keepdim=keepdim)), [sample(3, 4, 5)],
                    expect="aten.logsumexp.default", dynamic={0: {0: (1, 4)}})


# ---- vectors and scalars (TopK needs rank 2; reduce layers need rank 1) -----------------------

def test_vector_and_scalar_inputs():
    fn = Fn(lambda x: (torch.max(x, 0), x.argmin(), x.argmax(0, keepdim=True), x.var(), x[0].sum(), x[1].amax(),
                       torch.max(x[2], 0), x[3].argmax(), x[4].softmax(0)))
    assert_converts(fn, [sample(5)], expect=["aten.max.dim", "aten.argmin.default", "aten.argmax.default"])


# ---- linalg.vector_norm -----------------------------------------------------------------------

INF = float("inf")
NORM = "aten.linalg_vector_norm.default"


@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 0, 0.5, 3, -1, -0.5], ids=str)
def test_vector_norm_ords(ord):
    # Zeros among the values: ord 0 counts them out, negative ords turn them into inf terms.
    x = sample(2, 3, 4, 5)
    x[0, 1, 2] = 0.0
    assert_converts(Fn(lambda x: torch.linalg.vector_norm(x, ord=ord, dim=(1, 2), keepdim=True)), [x],
                    expect=NORM, dynamic={0: {0: (1, 4), 3: (2, 6)}}, rtol=2e-5)


@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (-1, False), (1, True), ((0, 2), False), ((), False)],
                         ids=["all", "all_keepdim", "last", "int_keepdim", "tuple", "empty_tuple"])
def test_vector_norm_dims(dim, keepdim):
    assert_converts(Fn(lambda x: torch.linalg.vector_norm(x, dim=dim, keepdim=keepdim)), [sample(2, 3, 4)],
                    expect=NORM, dynamic=BATCH)


def test_vector_norm_grn():
    # ConvNeXt-V2's global response normalization, channels last.
    def grn(x):
        gx = torch.linalg.vector_norm(x, ord=2, dim=(1, 2), keepdim=True)
        return x * (gx / (gx.mean(dim=-1, keepdim=True) + 1e-6)) + x
    assert_converts(Fn(grn), [sample(2, 5, 6, 8)], expect=NORM, dynamic={0: {0: (1, 3), 1: (3, 7), 2: (3, 7)}})


@pytest.mark.parametrize("ord", [2, INF, 0], ids=str)
def test_vector_norm_of_scalar(ord):
    assert_converts(Fn(lambda x: torch.linalg.vector_norm(x.sum(), ord=ord)), [sample(2, 3)], expect=NORM)


@pytest.mark.parametrize("dtype,rtol", [(torch.float16, 2**-10), (torch.bfloat16, 2**-7)], ids=["fp16", "bf16"])
def test_vector_norm_narrow_floats(dtype, rtol):
    # The result is rounded once to the input's type, like PyTorch's float32 accumulation.
    assert_converts(Fn(lambda x: torch.linalg.vector_norm(x, ord=3, dim=-1)), [sample(3, 16, dtype=dtype)],
                    expect=NORM, dynamic=BATCH, rtol=rtol)


@pytest.mark.parametrize("source,dtype", [(torch.float16, torch.float32), (torch.float32, torch.float32),
                                          (torch.bfloat16, torch.float32)], ids=["fp16_to_fp32", "fp32", "bf16_to_fp32"])
def test_vector_norm_dtype(source, dtype):
    assert_converts(Fn(lambda x: torch.linalg.vector_norm(x, dim=1, dtype=dtype)), [sample(2, 8, dtype=source)],
                    expect=NORM, dynamic=BATCH)


def test_vector_norm_float64_is_rejected():
    from trtrepo.errors import UnsupportedOpsError

    with pytest.raises(UnsupportedOpsError, match="float64"):
        assert_converts(Fn(lambda x: torch.linalg.vector_norm(x, dtype=torch.float64).float()), [sample(2, 3)],
                        expect=NORM)
