"""dtype casts (``aten._to_copy``): float <-> int <-> bool, half precision, uint8, and what is rejected."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, assert_converts, convert_module
from tests.convert.samples import sample
from trtrepo.errors import UnsupportedOpsError

BATCH = {0: {0: (1, 6)}}
TYPES = [torch.float32, torch.float16, torch.bfloat16, torch.int32, torch.int64, torch.bool]


@pytest.mark.parametrize("source", TYPES)
@pytest.mark.parametrize("target", TYPES)
def test_cast(source, target):
    if source == target:
        pytest.skip("a same-dtype copy is removed by lowering")
    assert_converts(Fn(lambda x: x.to(target)), [sample(2, 3, 4, dtype=source, scale=5, low=-9, high=9)], expect="aten._to_copy.default",
                    dynamic=BATCH)


def test_float_to_int_truncates_toward_zero():
    x = torch.tensor([-2.7, -2.5, -0.5, -0.0, 0.5, 1.5, 2.9, 7.0])
    assert_converts(Fn(lambda x: x.to(torch.int32)), [x], expect="aten._to_copy.default")
    assert_converts(Fn(lambda x: x.long()), [x], expect="aten._to_copy.default")


def test_float_to_bool_is_nonzero():
    x = torch.tensor([0.0, -0.0, 1e-30, -3.0, float("nan"), float("inf")])
    assert_converts(Fn(lambda x: x.bool()), [x], expect="aten._to_copy.default")


@pytest.mark.parametrize("target", [torch.float32, torch.float16, torch.int32, torch.int64, torch.bool])
def test_from_uint8(target):
    """uint8 converts only to float in TensorRT: other targets go through float32."""
    x = sample(2, 3, 4, dtype=torch.uint8, low=0, high=255)
    assert_converts(Fn(lambda x: x.to(target)), [x], expect="aten._to_copy.default", dynamic=BATCH)


@pytest.mark.parametrize("source", [torch.float32, torch.int32, torch.bool])
def test_to_uint8(source):
    x = sample(2, 3, dtype=source, low=0, high=200, scale=5).abs() if source != torch.bool else sample(2, 3, dtype=source)
    assert_converts(Fn(lambda x: x.to(torch.uint8)), [x], expect="aten._to_copy.default")


def test_cast_in_arithmetic():
    """The usual pattern: a mask cast to float and multiplied in."""
    assert_converts(Fn(lambda x: x * (x > 0).float() + x.int().float()), [sample(2, 3, 4, scale=5)],
                    expect="aten._to_copy.default", dynamic=BATCH)


def test_device_only_copy_is_removed_by_lowering():
    converted = convert_module(Fn(lambda x: x.to("cpu") + 1), [sample(2, 3, scale=5)])
    assert "aten._to_copy.default" not in converted.result.converters_used


@pytest.mark.parametrize("target", [torch.float64, torch.int8])
def test_unsupported_target_is_rejected(target):
    with pytest.raises(UnsupportedOpsError, match="cast to a dtype other than"):
        convert_module(Fn(lambda x: x.to(target)), [sample(2, 3, scale=5)])


def test_float64_arithmetic_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="float64"):
        convert_module(Fn(lambda x: (x.double() * 2).float()), [sample(2, 3, scale=5)])
