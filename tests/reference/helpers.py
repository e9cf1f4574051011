"""Helpers for the reference-interpreter tests: build a small strongly typed network, compare.

``net`` is a fresh ``NetBuilder``; ``net.build(lambda n, trt: ...)`` runs the lambda, which adds
layers and returns the tensor (or tuple of tensors) to mark as outputs. Weight arrays passed through
``n.const``/``n.weights`` are kept alive by the builder, as TensorRT only holds pointers to them.
Before running, every network is also built with ``build_serialized_network`` (fast without a GPU),
so the tests only exercise networks TensorRT accepts; a test of a deliberately invalid network opts
out with ``@pytest.mark.no_trt_build("why")``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from trtrepo.reference import ReferenceResult, execute_network
from trtrepo.trt_flavour import logger, trt

TRT_NAMES = {
    torch.float32: "FLOAT",
    torch.float16: "HALF",
    torch.bfloat16: "BF16",
    torch.int8: "INT8",
    torch.uint8: "UINT8",
    torch.int32: "INT32",
    torch.int64: "INT64",
    torch.bool: "BOOL",
}


class NetBuilder:
    """A network under construction plus the buffers its weights point into."""

    def __init__(self, check_build: bool = True) -> None:
        self.check_build = check_build  # also build every network with TensorRT before running it
        self.trt = trt()
        self.builder = self.trt.Builder(logger())
        flag = 1 << int(self.trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
        self.network = self.builder.create_network(flag)
        self._keep: list[Any] = []

    def dtype(self, dtype: torch.dtype) -> Any:
        return getattr(self.trt.DataType, TRT_NAMES[dtype])

    def input(self, name: str, dtype: torch.dtype, shape: tuple[int, ...]) -> Any:
        return self.network.add_input(name, self.dtype(dtype), tuple(shape))

    def weights(self, value: Any, dtype: torch.dtype | None = None) -> Any:
        """TensorRT weights for a tensor/array/list (kept alive); bfloat16 passes raw words."""
        t = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
        if dtype is not None:
            t = t.to(dtype)
        t = t.contiguous()
        if t.dtype == torch.bfloat16:
            words = t.view(torch.int16).numpy().copy()
            self._keep.append(words)
            return self.trt.Weights(self.trt.bfloat16, words.ctypes.data, words.size)
        array = np.ascontiguousarray(t.numpy())
        self._keep.append(array)
        return array

    def const(self, value: Any, dtype: torch.dtype | None = None) -> Any:
        """A constant layer's output tensor holding ``value``."""
        t = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
        if dtype is not None:
            t = t.to(dtype)
        return self.network.add_constant(tuple(t.shape), self.weights(t)).get_output(0)

    def build(self, define: Callable[[NetBuilder, Any], Any]) -> NetBuilder:
        outputs = define(self, self.trt)
        for tensor in outputs if isinstance(outputs, (tuple, list)) else [outputs]:
            self.network.mark_output(tensor)
        return self

    def run(self, **inputs: torch.Tensor) -> ReferenceResult:
        if self.check_build:
            assert self.serialize(inputs) is not None, "TensorRT's builder rejects this test network"
        return execute_network(self.network, inputs, keep_intermediates=True)

    def out(self, **inputs: torch.Tensor) -> torch.Tensor:
        """The single network output."""
        outputs = list(self.run(**inputs).outputs.values())
        assert len(outputs) == 1
        return outputs[0]

    def serialize(self, inputs: dict[str, torch.Tensor] | None = None) -> Any:
        """Build the network with TensorRT (wildcard dimensions pinned to ``inputs``' shapes)."""
        config = self.builder.create_builder_config()
        profile = self.builder.create_optimization_profile()
        dynamic = False
        for i in range(self.network.num_inputs):
            tensor = self.network.get_input(i)
            if -1 in tuple(tensor.shape):
                shape = tuple((inputs or {})[tensor.name].shape)
                profile.set_shape(tensor.name, shape, shape, shape)
                dynamic = True
        if dynamic:
            config.add_optimization_profile(profile)
        return self.builder.build_serialized_network(self.network, config)


def assert_exact(actual: torch.Tensor, expected: Any, dtype: torch.dtype | None = None) -> None:
    """Same dtype, shape and values (NaN equal to NaN)."""
    expected_t = expected if isinstance(expected, torch.Tensor) else torch.tensor(expected, dtype=dtype)
    if dtype is not None:
        expected_t = expected_t.to(dtype)
    assert actual.dtype == expected_t.dtype, (actual.dtype, expected_t.dtype)
    assert list(actual.shape) == list(expected_t.shape), (list(actual.shape), list(expected_t.shape))
    torch.testing.assert_close(actual, expected_t, rtol=0, atol=0, equal_nan=True)


def assert_near(actual: torch.Tensor, expected: Any, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    """Same dtype and shape, values within float32 tolerance."""
    expected_t = expected if isinstance(expected, torch.Tensor) else torch.tensor(expected, dtype=actual.dtype)
    assert actual.dtype == expected_t.dtype, (actual.dtype, expected_t.dtype)
    assert list(actual.shape) == list(expected_t.shape), (list(actual.shape), list(expected_t.shape))
    torch.testing.assert_close(actual, expected_t, rtol=rtol, atol=atol, equal_nan=True)
