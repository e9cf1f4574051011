"""ACTIVATION and PARAMETRIC_RELU against hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from ..helpers import assert_exact, assert_near

X = [-2.0, -0.5, 0.0, 0.5, 2.0]


def _run(build, kind: str, x: list[float], alpha: float = 0.0, beta: float = 0.0, dtype=torch.float32):
    def define(n, trt):
        layer = n.network.add_activation(n.input("x", dtype, (len(x),)), getattr(trt.ActivationType, kind))
        layer.alpha, layer.beta = alpha, beta
        return layer.get_output(0)

    return build(define).out(x=torch.tensor(x, dtype=dtype))


def _sig(v: float) -> float:
    return 1 / (1 + math.exp(-v))


CASES = [
    ("RELU", 0, 0, [0, 0, 0, 0.5, 2]),
    ("SIGMOID", 0, 0, [_sig(v) for v in X]),
    ("TANH", 0, 0, [math.tanh(v) for v in X]),
    ("LEAKY_RELU", 0.1, 0, [-0.2, -0.05, 0, 0.5, 2]),
    ("ELU", 2.0, 0, [2 * (math.exp(-2) - 1), 2 * (math.exp(-0.5) - 1), 0, 0.5, 2]),
    ("SELU", 1.5, 2.0, [2 * (1.5 * math.exp(-2) - 1.5), 2 * (1.5 * math.exp(-0.5) - 1.5), 0, 1, 4]),
    ("SOFTSIGN", 0, 0, [-2 / 3, -0.5 / 1.5, 0, 0.5 / 1.5, 2 / 3]),
    ("SOFTPLUS", 2.0, 3.0, [2 * math.log(math.exp(3 * v) + 1) for v in X]),
    ("CLIP", -1.0, 0.25, [-1, -0.5, 0, 0.25, 0.25]),
    ("HARD_SIGMOID", 0.2, 0.5, [0.1, 0.4, 0.5, 0.6, 0.9]),
    ("SCALED_TANH", 2.0, 0.5, [2 * math.tanh(0.5 * v) for v in X]),
    ("THRESHOLDED_RELU", 0.5, 0, [0, 0, 0, 0, 2]),  # x > alpha ? x : 0 (0.5 is not > 0.5)
    ("GELU_ERF", 0, 0, [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in X]),
    (
        "GELU_TANH",
        0,
        0,
        [0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))) for v in X],
    ),
]


@pytest.mark.parametrize(("kind", "alpha", "beta", "expected"), CASES, ids=[c[0] for c in CASES])
def test_activation_types(build, kind, alpha, beta, expected):
    assert_near(_run(build, kind, X, alpha, beta), expected)


def test_every_activation_type_is_covered():
    from trtrepo.trt_flavour import trt

    names = {n for n in dir(trt().ActivationType) if n.isupper()}
    assert names == {c[0] for c in CASES}


def test_softplus_does_not_overflow(build):
    assert_near(_run(build, "SOFTPLUS", [100.0], 1.0, 1.0), [100.0])


def test_relu_on_int32(build):
    assert_exact(_run(build, "RELU", [-3, 0, 4], dtype=torch.int32), [0, 0, 4], torch.int32)


def test_float16_is_computed_in_float32_and_rounded(build):
    out = _run(build, "SIGMOID", [0.1], dtype=torch.float16)
    assert_exact(out, torch.tensor([_sig(float(torch.tensor(0.1, dtype=torch.float16)))]).to(torch.float16))


def test_parametric_relu_broadcasts_slope(build):
    def define(n, trt):
        x = n.input("x", torch.float32, (2, 3))
        slope = n.const([[0.5], [2.0]], torch.float32)
        return n.network.add_parametric_relu(x, slope).get_output(0)

    out = build(define).out(x=torch.tensor([[-2.0, 1.0, -4.0], [-1.0, 3.0, 0.0]]))
    assert_exact(out, [[-1.0, 1.0, -2.0], [-2.0, 3.0, 0.0]], torch.float32)
