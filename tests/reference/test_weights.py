"""Reading weights back from layers, including bfloat16 (which numpy cannot represent)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from trtrepo.reference.weights import WeightsError, weights_to_tensor
from trtrepo.trt_flavour import trt


def test_numpy_weights_are_copied_flat():
    array = np.arange(6, dtype=np.float16).reshape(2, 3)
    out = weights_to_tensor(array)
    array[0, 0] = 99
    assert out.dtype == torch.float16 and out.tolist() == [0, 1, 2, 3, 4, 5]


def test_bfloat16_weights_are_read_from_raw_words(net):
    values = torch.tensor([1.5, -2.0, 3.0e38, 0.0078125], dtype=torch.bfloat16)
    layer = net.network.add_constant((4,), net.weights(values))
    assert weights_to_tensor(layer.weights).tolist() == values.tolist()
    assert weights_to_tensor(layer.weights).dtype == torch.bfloat16


def test_empty_weights_give_an_empty_tensor():
    t = trt()
    assert weights_to_tensor(t.Weights(t.float32)).numel() == 0


def test_unreadable_weights_type_is_an_error():
    t = trt()
    words = np.zeros(2, dtype=np.uint8)
    int4 = t.Weights(t.DataType.INT4, words.ctypes.data, 2)
    with pytest.raises(WeightsError, match="INT4"):
        weights_to_tensor(int4)


def test_fp8_weights_are_read_as_e4m3():
    t = trt()
    words = np.array([0x38, 0xC0], dtype=np.uint8)  # E4M3: 0x38 = 1.0, 0xC0 = -2.0
    assert weights_to_tensor(t.Weights(t.DataType.FP8, words.ctypes.data, 2)).tolist() == [1.0, -2.0]
