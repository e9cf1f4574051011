"""softmax / log_softmax (kept whole) and aten._softmax / aten._log_softmax, along any dim."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, assert_converts
from tests.convert.samples import sample

aten = torch.ops.aten


@pytest.mark.parametrize("dim", [0, 1, -1, -2])
@pytest.mark.parametrize("log", [False, True])
def test_softmax_dims(dim, log):
    fn = Fn(lambda x: torch.log_softmax(x, dim) if log else torch.softmax(x, dim))
    assert_converts(fn, [sample(2, 3, 4)], expect="aten.log_softmax.int" if log else "aten.softmax.int",
                    dynamic={0: {0: (1, 4), 2: (1, 7)}})


def test_log_softmax_large_logits_stays_finite():
    # log(softmax(x)) would give -inf where softmax underflows; log_softmax stays finite
    x = sample(2, 8, scale=60.0)
    assert_converts(Fn(lambda x: torch.log_softmax(x, -1)), [x], expect="aten.log_softmax.int")


def test_softmax_large_logits():
    assert_converts(Fn(lambda x: torch.softmax(x, 1)), [sample(2, 8, scale=60.0)], expect="aten.softmax.int")


def test_softmax_dtype_argument():
    x = torch.randint(-3, 4, (2, 5), generator=torch.Generator().manual_seed(0)).to(torch.int32)
    fn = Fn(lambda x: (torch.softmax(x, -1, dtype=torch.float32), torch.log_softmax(x, 0, dtype=torch.float32)))
    assert_converts(fn, [x], expect=["aten.softmax.int", "aten.log_softmax.int"])


def test_softmax_vector():
    fn = Fn(lambda x: (torch.softmax(x, 0), torch.log_softmax(x, -1)))
    assert_converts(fn, [sample(6)], expect=["aten.softmax.int", "aten.log_softmax.int"], dynamic={0: {0: (1, 9)}})


@pytest.mark.parametrize("dim", [1, -1])
def test_internal_softmax(dim):
    fn = Fn(lambda x: (aten._softmax(x, dim, False), aten._log_softmax(x, dim, False)))
    assert_converts(fn, [sample(2, 3, 4)], expect=["aten._softmax.default", "aten._log_softmax.default"],
                    dynamic={0: {0: (1, 4)}})


def test_softmax_float16():
    # Both round a float32 computation to float16, but along different float32 paths: results may
    # differ by one float16 step (2^-11 relative), which the tolerance allows.
    x = sample(2, 6).half()
    fn = Fn(lambda x: (torch.softmax(x, 1), aten._softmax(x, 0, False)))
    assert_converts(fn, [x], expect=["aten.softmax.int", "aten._softmax.default"], rtol=1e-3, atol=1e-5)
