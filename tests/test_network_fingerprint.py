"""The network fingerprint tells apart networks that differ only in a loop boundary layer's attributes."""

from __future__ import annotations

import pytest
import torch

from tests.reference.helpers import NetBuilder
from trtrepo.network_fingerprint import network_fingerprint


def _rows_loop(reverse: bool = False, kind: str = "CONCATENATE", axis: int = 0) -> str:
    """The fingerprint of a loop that stacks the rows of a [3, 2] input (the RNN converters' pattern)."""
    n = NetBuilder(check_build=False)
    trt = n.trt
    m = n.input("m", torch.float32, (3, 2))
    loop = n.network.add_loop()
    loop.add_trip_limit(n.const(3, torch.int32), trt.TripLimit.COUNT)
    row = loop.add_iterator(m, 0, reverse).get_output(0)
    out = loop.add_loop_output(row, getattr(trt.LoopOutput, kind), axis)
    out.set_input(1, n.const(3, torch.int32))
    n.network.mark_output(out.get_output(0))
    return network_fingerprint(n.network)


def test_the_same_loop_has_the_same_fingerprint():
    assert _rows_loop() == _rows_loop()


@pytest.mark.parametrize("change", [dict(reverse=True), dict(kind="REVERSE"), dict(axis=1)],
                         ids=["iterator_direction", "output_kind", "output_axis"])
def test_a_loop_boundary_attribute_changes_the_fingerprint(change):
    # a backward RNN direction differs from the forward one only in these attributes
    assert _rows_loop(**change) != _rows_loop()
