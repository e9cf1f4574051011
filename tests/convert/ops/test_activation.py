"""Activations and clamps: relu, relu6, hardtanh, clamp*, gelu, silu, sigmoid, tanh, hard*, elu, softplus, ..."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from tests.convert.harness import Fn, Fn2, assert_converts
from tests.convert.samples import sample

BATCH = {0: {0: (1, 6)}}


# ---- relu family -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.int64])
def test_relu(dtype):
    assert_converts(Fn(torch.relu), [sample(2, 3, 4, dtype=dtype, scale=3)], expect="aten.relu.default", dynamic=BATCH)


def test_relu6():
    assert_converts(Fn(F.relu6), [sample(2, 3, 4, scale=6)], expect="aten.relu6.default", dynamic=BATCH)


@pytest.mark.parametrize("low,high", [(-1.0, 1.0), (-0.5, 2.5), (0, 6)])
def test_hardtanh(low, high):
    assert_converts(Fn(lambda x: F.hardtanh(x, low, high)), [sample(3, 5, scale=3)], expect="aten.hardtanh.default",
                    dynamic=BATCH)


def test_hardtanh_integer_tensor():
    assert_converts(Fn(lambda x: F.hardtanh(x, -2, 3)), [sample(3, 5, dtype=torch.int32)],
                    expect="aten.hardtanh.default")


# ---- clamp -----------------------------------------------------------------------------------

@pytest.mark.parametrize("low,high", [(-1.0, 1.5), (None, 0.5), (-0.25, None), (2.0, -1.0)])
def test_clamp(low, high):
    assert_converts(Fn(lambda x: torch.clamp(x, low, high)), [sample(2, 3, 4, scale=3)], expect="aten.clamp.default",
                    dynamic=BATCH)


@pytest.mark.parametrize("dtype,low,high", [(torch.int32, -2, 3), (torch.int64, 0, None),
                                            (torch.int32, -1.5, 2.5)])  # float bounds promote to float
def test_clamp_integer_tensor(dtype, low, high):
    assert_converts(Fn(lambda x: torch.clamp(x, low, high)), [sample(2, 3, dtype=dtype, scale=3)], expect="aten.clamp.default",
                    dynamic=BATCH)


def test_clamp_tensor_bounds_broadcast():
    low, high = torch.tensor([-1.0, 0.0, -0.5, 0.2]), torch.tensor([[0.5], [1.0], [2.0]])
    assert_converts(Fn(lambda x: torch.clamp(x, low, high)), [sample(2, 3, 4, scale=3)], expect="aten.clamp.Tensor",
                    dynamic=BATCH)


def test_clamp_tensor_runtime_bound():
    assert_converts(Fn2(lambda x, y: torch.clamp(x, max=y)), [sample(2, 3, 4, scale=3), sample(4, scale=3)], expect="aten.clamp.Tensor",
                    dynamic=BATCH)


@pytest.mark.parametrize("dtype", [torch.float32, torch.int32])
def test_clamp_min_max(dtype):
    x = sample(3, 4, dtype=dtype, scale=3)
    assert_converts(Fn(lambda x: torch.clamp_min(x, -1)), [x], expect="aten.clamp_min.default", dynamic=BATCH)
    assert_converts(Fn(lambda x: torch.clamp_max(x, 2)), [x], expect="aten.clamp_max.default", dynamic=BATCH)


def test_clamp_min_max_tensor():
    bound = torch.tensor([0.5, -0.5, 1.0, 0.0])
    assert_converts(Fn(lambda x: torch.clamp_min(x, bound)), [sample(3, 4, scale=3)], expect="aten.clamp_min.Tensor",
                    dynamic=BATCH)
    assert_converts(Fn(lambda x: torch.clamp_max(x, bound)), [sample(3, 4, scale=3)], expect="aten.clamp_max.Tensor",
                    dynamic=BATCH)


# ---- smooth activations ----------------------------------------------------------------------

@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu(approximate):
    assert_converts(Fn(lambda x: F.gelu(x, approximate=approximate)), [sample(2, 3, 4, scale=3)], expect="aten.gelu.default",
                    dynamic=BATCH)


@pytest.mark.parametrize("fn,op", [(torch.sigmoid, "sigmoid"), (torch.tanh, "tanh"), (F.silu, "silu"),
                                   (F.mish, "mish"), (F.hardsigmoid, "hardsigmoid"), (F.hardswish, "hardswish"),
                                   (F.logsigmoid, "log_sigmoid")])
def test_smooth(fn, op):
    assert_converts(Fn(fn), [sample(2, 3, 4, scale=3)], expect=f"aten.{op}.default", dynamic=BATCH)


@pytest.mark.parametrize("fn,op", [(torch.sigmoid, "sigmoid"), (F.mish, "mish"), (F.logsigmoid, "log_sigmoid"),
                                   (F.silu, "silu")])
def test_smooth_at_large_magnitudes(fn, op):
    x = torch.tensor([-200.0, -90.0, -30.0, -1e-3, 0.0, 1e-3, 30.0, 90.0, 200.0])
    assert_converts(Fn(fn), [x], expect=f"aten.{op}.default")


def test_sigmoid_of_integer_tensor_is_float():
    assert_converts(Fn(torch.sigmoid), [sample(2, 3, dtype=torch.int64)], expect="aten.sigmoid.default")


@pytest.mark.parametrize("slope", [0.01, 0.2, -0.5])
def test_leaky_relu(slope):
    assert_converts(Fn(lambda x: F.leaky_relu(x, slope)), [sample(2, 3, 4, scale=3)], expect="aten.leaky_relu.default",
                    dynamic=BATCH)


@pytest.mark.parametrize("alpha,scale,input_scale", [(1.0, 1.0, 1.0), (0.5, 1.0, 1.0), (1.5, 2.0, 1.0),
                                                     (1.0, 1.0, 0.5), (0.7, 1.3, 2.0)])
def test_elu(alpha, scale, input_scale):
    fn = Fn(lambda x: torch.ops.aten.elu.default(x, alpha, scale, input_scale))
    assert_converts(fn, [sample(2, 3, 4, scale=3)], expect="aten.elu.default", dynamic=BATCH)


def test_selu_lowers_to_elu():
    assert_converts(Fn(F.selu), [sample(2, 3, 4, scale=3)], expect="aten.elu.default", dynamic=BATCH)


@pytest.mark.parametrize("beta,threshold", [(1.0, 20.0), (2.0, 5.0), (0.5, 1.0), (1.0, -1.0)])
def test_softplus_threshold(beta, threshold):
    # scale 10: many inputs fall in the linear (beta * x > threshold) branch, where PyTorch returns x
    assert_converts(Fn(lambda x: F.softplus(x, beta, threshold)), [sample(4, 8, scale=10)],
                    expect="aten.softplus.default", dynamic=BATCH)


def test_softplus_large_input_does_not_overflow():
    x = torch.tensor([-500.0, -50.0, 0.0, 19.0, 21.0, 50.0, 500.0])
    assert_converts(Fn(F.softplus), [x], expect="aten.softplus.default")


@pytest.mark.parametrize("threshold,value", [(0.0, 0.0), (0.5, -2.0), (-1.0, 20.0)])
def test_threshold(threshold, value):
    assert_converts(Fn(lambda x: F.threshold(x, threshold, value)), [sample(3, 5, scale=3)], expect="aten.threshold.default",
                    dynamic=BATCH)


def test_threshold_keeps_nan():
    x = torch.tensor([float("nan"), -1.0, 0.5, 2.0])
    assert_converts(Fn(lambda x: torch.isnan(F.threshold(x, 0.0, 7.0))), [x], expect="aten.threshold.default")
