"""Arithmetic on symbolic sizes (operator.add/sub/mul/floordiv/mod) feeding view/expand/arange/full."""

from __future__ import annotations

import pytest
import torch

from tests.convert.harness import Fn, assert_converts, convert_module
from trtrepo.errors import UnsupportedOpsError


@pytest.mark.parametrize("make,op", [
    (lambda x: x.view(x.shape[0] * 3, -1), "operator.mul"),
    (lambda x: torch.arange(x.shape[0] + 2), "operator.add"),
    (lambda x: torch.zeros(x.shape[0] - 1, 2), "operator.sub"),
    (lambda x: torch.arange(x.shape[0] // 2), "operator.floordiv"),
    (lambda x: torch.full((x.shape[0] % 3 + 2,), 1.5), "operator.mod"),
    (lambda x: x[:, :1].expand(x.shape[0], x.shape[0] * 2 - 1, 4), "operator.sub"),
], ids=["mul_view", "add_arange", "sub_zeros", "floordiv_arange", "mod_full", "expand"])
def test_size_arithmetic(make, op):
    # Every shape point (4, 6, 9) is checked: mod 3 and // 2 differ across them.
    x = torch.randn(6, 3, 4)
    assert_converts(Fn(lambda x: (make(x), x + 1)), [x], expect=op, dynamic={0: {0: (4, 9)}})


def test_chained_arithmetic_in_reshape():
    # reshape of a non-contiguous tensor with two dynamic dims traces products and quotients of sizes.
    x = torch.randn(3, 4, 5)
    # The product is also used as a value: the view converter infers the reshape's sizes itself.
    converted = assert_converts(Fn(lambda x: x.transpose(0, 2).reshape(-1, x.shape[0] * x.shape[1])
                                   * (x.shape[0] * x.shape[1])), [x],
                                expect=["operator.mul", "aten._unsafe_view.default"],
                                dynamic={0: {0: (2, 6), 1: (2, 5)}})
    assert "aten.sym_size.int" in converted.result.converters_used


def test_float_size_arithmetic_is_rejected():
    with pytest.raises(UnsupportedOpsError, match="non-integer symbolic"):
        convert_module(Fn(lambda x: x * (x.shape[0] * 0.5)), [torch.randn(4, 2)], {0: {0: (2, 8)}})
