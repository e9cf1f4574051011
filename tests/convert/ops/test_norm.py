"""Normalization: batch norm (eval and batch statistics), layer norm, group norm, instance norm."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tests.convert.harness import Fn, Fn2, Fn3, assert_converts
from tests.convert.samples import sample


def _randomize(module: nn.Module) -> nn.Module:
    """Non-trivial affine weights and running statistics, so a missed step shows."""
    generator = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            if tensor.is_floating_point():
                tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
    return module


# ---- batch norm -------------------------------------------------------------------------------

@pytest.mark.parametrize("module,shape", [
    (nn.BatchNorm1d(3), (2, 3)),
    (nn.BatchNorm1d(3), (2, 3, 5)),
    (nn.BatchNorm2d(3), (2, 3, 4, 5)),
    (nn.BatchNorm3d(3), (2, 3, 2, 3, 4)),
    (nn.BatchNorm2d(3, affine=False), (2, 3, 4, 5)),
])
def test_batch_norm_eval(module, shape):
    assert_converts(_randomize(module), [sample(*shape, scale=2) + 0.5], expect="aten._native_batch_norm_legit_no_training.default",
                    dynamic={0: {0: (1, 4)}})


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_batch_statistics(shape, affine):
    module = _randomize(nn.BatchNorm2d(3, affine=affine, track_running_stats=False) if len(shape) == 4
                        else nn.BatchNorm1d(3, affine=affine, track_running_stats=False))
    assert_converts(module, [sample(*shape, scale=2) + 0.5], expect="aten._native_batch_norm_legit.no_stats",
                    dynamic={0: {0: (2, 5)}}, rtol=1e-5)


# ---- layer norm -------------------------------------------------------------------------------

@pytest.mark.parametrize("normalized_shape", [[6], [4, 6]])
@pytest.mark.parametrize("affine,bias", [(True, True), (True, False), (False, False)])
def test_layer_norm(normalized_shape, affine, bias):
    module = _randomize(nn.LayerNorm(normalized_shape, elementwise_affine=affine, bias=bias, eps=1e-3))
    assert_converts(module, [sample(2, 3, 4, 6, scale=2) + 0.5], expect="aten.layer_norm.default",
                    dynamic={0: {0: (1, 3), 1: (1, 5)}})


def test_layer_norm_runtime_weight():
    fn = Fn2(lambda x, w: nn.functional.layer_norm(x, [5], weight=w))
    assert_converts(fn, [sample(2, 3, 5, scale=2) + 0.5, sample(5, seed=1, scale=2) + 0.5], expect="aten.layer_norm.default")


def test_native_layer_norm():
    weight, bias = torch.rand(5) + 0.5, torch.rand(5)
    fn = Fn(lambda x: torch.native_layer_norm(x, [5], weight, bias, 1e-5)[0])
    assert_converts(fn, [sample(2, 3, 5, scale=2) + 0.5], expect="aten.native_layer_norm.default", dynamic={0: {1: (1, 6)}})


# ---- group norm -------------------------------------------------------------------------------

@pytest.mark.parametrize("groups,channels,shape", [
    (3, 6, (2, 6, 4, 5)), (1, 4, (2, 4, 4, 5)), (4, 4, (2, 4, 4, 5)),
    (3, 6, (2, 6, 7)), (1, 4, (2, 4, 7)), (4, 4, (2, 4, 7)),
    (3, 6, (3, 6)), (1, 4, (3, 4)),
])
def test_group_norm(groups, channels, shape):
    module = _randomize(nn.GroupNorm(groups, channels))
    assert_converts(module, [sample(*shape, scale=2) + 0.5], expect="aten.group_norm.default", dynamic={0: {0: (1, 4)}})


def test_group_norm_single_element_groups():
    # Each group holds one value, which normalizes to exactly 0, so the output is the bias. Eager
    # computes x * a + b with a = rstd * weight ~ 316 (1/sqrt(eps)) and b = -x * a + bias, which
    # leaves a rounding residue of ~|x| * 316 * 2^-24 ~ 2e-5: the tolerance covers eager's error.
    module = _randomize(nn.GroupNorm(4, 4))
    assert_converts(module, [sample(3, 4, scale=2) + 0.5], expect="aten.group_norm.default", dynamic={0: {0: (2, 4)}}, atol=1e-4)


def test_group_norm_without_affine_dynamic_spatial():
    module = nn.GroupNorm(2, 6, affine=False)
    assert_converts(module, [sample(2, 6, 4, 5, scale=2) + 0.5], expect="aten.group_norm.default",
                    dynamic={0: {0: (1, 3), 2: (2, 6), 3: (3, 7)}})


def test_native_group_norm():
    weight, bias = torch.rand(6) + 0.5, torch.rand(6)
    fn = Fn(lambda x: torch.native_group_norm(x, weight, bias, 2, 6, 12, 3, 1e-5)[0])
    assert_converts(fn, [sample(2, 6, 3, 4, scale=2) + 0.5], expect="aten.native_group_norm.default")


def test_native_group_norm_dynamic():
    weight, bias = torch.rand(6) + 0.5, torch.rand(6)
    fn = Fn(lambda x: torch.native_group_norm(x, weight, bias, x.shape[0], 6, x.shape[2] * x.shape[3], 3, 1e-5)[0])
    assert_converts(fn, [sample(2, 6, 3, 4, scale=2) + 0.5], expect="aten.native_group_norm.default",
                    dynamic={0: {0: (1, 4), 2: (2, 5)}})


# ---- instance norm ----------------------------------------------------------------------------

@pytest.mark.parametrize("module,shape", [
    (nn.InstanceNorm1d(3), (2, 3, 7)),
    (nn.InstanceNorm2d(3, affine=True), (2, 3, 4, 5)),
    (nn.InstanceNorm3d(3, affine=True), (2, 3, 2, 3, 4)),
])
def test_instance_norm(module, shape):
    assert_converts(_randomize(module), [sample(*shape, scale=2) + 0.5], expect="aten.instance_norm.default",
                    dynamic={0: {0: (1, 4), len(shape) - 1: (3, 8)}})


def test_instance_norm_running_stats():
    module = _randomize(nn.InstanceNorm2d(3, affine=True, track_running_stats=True))
    assert_converts(module, [sample(2, 3, 4, 5, scale=2) + 0.5], expect="aten.instance_norm.default", dynamic={0: {0: (1, 4)}})


# ---- batch norm with run-time weights or statistics (issue 13) ---------------------------------

_MEAN, _VAR = torch.tensor([0.5, -1.0, 2.0]), torch.tensor([0.25, 1.5, 4.0])


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4, 5)])
def test_batch_norm_eval_runtime_weight_and_bias(shape):
    fn = Fn3(lambda x, w, b: nn.functional.batch_norm(x, _MEAN, _VAR, weight=w, bias=b, training=False, eps=1e-3))
    assert_converts(fn, [sample(*shape, scale=2), sample(3, seed=1, scale=2) + 0.5, sample(3, seed=2)],
                    expect="aten._native_batch_norm_legit_no_training.default", dynamic={0: {0: (1, 5)}})


def test_batch_norm_eval_runtime_weight_only():
    fn = Fn2(lambda x, w: nn.functional.batch_norm(x, _MEAN, _VAR, weight=w, training=False))
    assert_converts(fn, [sample(2, 3, 4, scale=2), sample(3, seed=1, scale=2) + 0.5],
                    expect="aten._native_batch_norm_legit_no_training.default", dynamic={0: {0: (1, 3), 2: (1, 6)}})


@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_eval_runtime_statistics(affine):
    weight, bias = (torch.tensor([1.5, 0.5, -2.0]), torch.tensor([0.1, 0.2, 0.3])) if affine else (None, None)
    fn = Fn3(lambda x, m, v: nn.functional.batch_norm(x, m, v.abs() + 0.5, weight=weight, bias=bias, training=False))
    assert_converts(fn, [sample(2, 3, 4, 5, scale=2), sample(3, seed=1), sample(3, seed=2, scale=2)],
                    expect="aten._native_batch_norm_legit_no_training.default", dynamic={0: {0: (1, 4)}})
