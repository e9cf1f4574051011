"""Pooling converters: max/avg pooling (ceil mode, padding, dilation, divisor) and adaptive pooling."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from tests.convert.harness import Fn, assert_converts, convert_module
from trtrepo.errors import UnsupportedOpsError

DYN_BATCH = {0: {0: (1, 4)}}


SHAPES = {1: (2, 3, 11), 2: (2, 3, 11, 10), 3: (2, 2, 7, 9, 8)}
FUNCTIONAL_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
FUNCTIONAL_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


def _dynamic(kwargs, exportable=True):
    """Dynamic batch and first spatial dim (a range with even and odd lengths) where torch.export allows.

    torch.export specializes the spatial dims of ceil-mode pooling and of 1-d max pooling (their
    shape checks guard on the exact length), so those get a dynamic batch only.
    """
    if kwargs.get("ceil_mode") or not exportable:
        return DYN_BATCH
    return {0: {0: (1, 4), 2: (5, 17)}}


MAX_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},  # last window may start in the padding
    {"kernel_size": 3, "stride": 3, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "dilation": 2, "padding": 1},
    {"kernel_size": 2, "stride": 2, "dilation": 2, "ceil_mode": True, "padding": 1},
]


@pytest.mark.parametrize("spatial", [1, 2, 3])
@pytest.mark.parametrize("kwargs", MAX_CASES)
def test_max_pool(spatial, kwargs):
    op = FUNCTIONAL_MAX[spatial]
    assert_converts(Fn(lambda x: op(x, **kwargs)), [torch.randn(SHAPES[spatial])],
                    expect=f"aten.max_pool{spatial}d.default", dynamic=_dynamic(kwargs, spatial > 1))


@pytest.mark.parametrize("spatial", [1, 2, 3])
def test_max_pool_indices_unused(spatial):
    op = FUNCTIONAL_MAX[spatial]
    module = Fn(lambda x: op(x, 3, 2, 1, return_indices=True)[0] * 2)
    assert_converts(module, [torch.randn(SHAPES[spatial])], expect=f"aten.max_pool{spatial}d_with_indices.default",
                    dynamic=_dynamic({}, spatial > 1))


def test_max_pool_indices_used_is_rejected():
    module = Fn(lambda x: F.max_pool2d(x, 2, return_indices=True)[1])
    with pytest.raises(UnsupportedOpsError, match="max-pool indices output is used"):
        convert_module(module, [torch.randn(1, 2, 4, 4)])


@pytest.mark.parametrize("spatial", [1, 2])
def test_max_pool_unbatched(spatial):
    shape = SHAPES[spatial][1:]
    op = FUNCTIONAL_MAX[spatial]
    assert_converts(Fn(lambda x: op(x, 3, 2, 1)), [torch.randn(shape)],
                    expect=f"aten.max_pool{spatial}d.default", dynamic={0: {1: (5, 17)}} if spatial > 1 else None)


def test_max_pool_all_negative_padding_never_wins():
    x = -torch.rand(2, 3, 6, 6) - 1
    assert_converts(Fn(lambda t: F.max_pool2d(t, 3, 1, 1)), [x], expect="aten.max_pool2d.default")


AVG_CASES = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": 3, "stride": 2, "ceil_mode": True},
]


@pytest.mark.parametrize("spatial", [1, 2, 3])
@pytest.mark.parametrize("kwargs", AVG_CASES)
def test_avg_pool(spatial, kwargs):
    op = FUNCTIONAL_AVG[spatial]
    assert_converts(Fn(lambda x: op(x, **kwargs)), [torch.randn(SHAPES[spatial])],
                    expect=f"aten.avg_pool{spatial}d.default", dynamic=_dynamic(kwargs))


@pytest.mark.parametrize("spatial", [2, 3])
@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 3, "stride": 2, "padding": 1, "divisor_override": 5},
    {"kernel_size": 2, "stride": 2, "padding": 1, "count_include_pad": False, "divisor_override": 3},
])
def test_avg_pool_divisor_override(spatial, kwargs):
    op = FUNCTIONAL_AVG[spatial]
    assert_converts(Fn(lambda x: op(x, **kwargs)), [torch.randn(SHAPES[spatial])],
                    expect=f"aten.avg_pool{spatial}d.default", dynamic=_dynamic(kwargs))


@pytest.mark.parametrize("spatial", [2, 3])
def test_avg_pool_divisor_override_ceil_mode(spatial):
    op = FUNCTIONAL_AVG[spatial]
    module = Fn(lambda x: op(x, 2, 2, 1, ceil_mode=True, divisor_override=3))
    assert_converts(module, [torch.randn(SHAPES[spatial])], expect=f"aten.avg_pool{spatial}d.default",
                    dynamic=DYN_BATCH)


def test_avg_pool_unbatched():
    assert_converts(Fn(lambda x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)), [torch.randn(3, 11, 10)],
                    expect="aten.avg_pool2d.default", dynamic={0: {1: (5, 17)}})


ADAPTIVE_AVG = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}
ADAPTIVE_MAX = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
ADAPTIVE_AVG_OPS = {1: "aten.adaptive_avg_pool1d.default", 2: "aten.adaptive_avg_pool2d.default",
                    3: "aten.adaptive_avg_pool3d.default"}
ADAPTIVE_SHAPES = {1: (2, 3, 12), 2: (2, 3, 12, 10), 3: (2, 2, 6, 9, 8)}
ADAPTIVE_SIZES = {  # global, evenly divided, uneven (overlapping windows), mixed, larger than the input
    1: [1, 4, 5, 12, 16],
    2: [1, (6, 5), (5, 3), (1, 7), (12, 1), (4, 14)],
    3: [1, (3, 3, 4), (4, 5, 3), (1, 2, 5)],
}


@pytest.mark.parametrize("spatial, size", [(s, o) for s, sizes in ADAPTIVE_SIZES.items() for o in sizes])
def test_adaptive_avg_pool(spatial, size):
    op = ADAPTIVE_AVG[spatial]
    assert_converts(Fn(lambda x: op(x, size)), [torch.randn(ADAPTIVE_SHAPES[spatial])],
                    expect=ADAPTIVE_AVG_OPS[spatial], dynamic=DYN_BATCH)


@pytest.mark.parametrize("spatial, size", [(s, o) for s, sizes in ADAPTIVE_SIZES.items() for o in sizes])
def test_adaptive_max_pool(spatial, size):
    op = ADAPTIVE_MAX[spatial]
    assert_converts(Fn(lambda x: op(x, size)), [torch.randn(ADAPTIVE_SHAPES[spatial])],
                    expect=f"aten.adaptive_max_pool{spatial}d.default", dynamic=DYN_BATCH)


@pytest.mark.parametrize("spatial", [1, 2, 3])
def test_adaptive_global_dynamic_spatial(spatial):
    """Pooling a dynamic dim to 1 is a reduce, whatever its run-time length."""
    size = (1,) + (2,) * (spatial - 1)
    module = Fn(lambda x: ADAPTIVE_AVG[spatial](x, size) + ADAPTIVE_MAX[spatial](x, size))
    shape = (2, 3, 12, 6, 4)[: spatial + 2]
    assert_converts(module, [torch.randn(shape)], expect=ADAPTIVE_AVG_OPS[spatial],
                    dynamic={0: {0: (1, 4), 2: (8, 32)}})


@pytest.mark.parametrize("op, size, shape", [
    (torch.ops.aten._adaptive_avg_pool2d.default, [3, 4], (2, 3, 7, 8)),
    (torch.ops.aten._adaptive_avg_pool3d.default, [3, 4, 1], (2, 3, 7, 8, 5)),
])
def test_adaptive_internal_overloads(op, size, shape):
    expect = "aten." + op._schema.name.split("::")[-1] + ".default"
    assert_converts(Fn(lambda x: op(x, size)), [torch.randn(shape)], expect=expect, dynamic=DYN_BATCH)


def test_adaptive_unbatched():
    assert_converts(Fn(lambda x: F.adaptive_avg_pool2d(x, (3, 4))), [torch.randn(3, 7, 8)],
                    expect="aten.adaptive_avg_pool2d.default")


def test_adaptive_dynamic_dim_to_many_is_rejected():
    module = Fn(lambda x: F.adaptive_avg_pool2d(x, (3, 3)))
    with pytest.raises(UnsupportedOpsError, match="dynamic spatial dim to a size other than 1"):
        convert_module(module, [torch.randn(2, 3, 12, 12)], dynamic={0: {2: (8, 32)}})


def test_integer_pool_is_rejected():
    module = Fn(lambda x: F.max_pool2d(x, 2))
    with pytest.raises(UnsupportedOpsError, match="non-floating-point input"):
        convert_module(module, [torch.randint(0, 9, (1, 2, 4, 4), dtype=torch.int32)])
