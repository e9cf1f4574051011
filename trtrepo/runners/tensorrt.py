"""A serialized TensorRT engine (``model.plan``) on a CUDA GPU with full TensorRT, as a runner.

No machine trtrepo is developed on has a GPU, so this runner is exercised only where one is:
``serve --mode tensorrt`` and comparisons a user runs on a GPU machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from trtrepo.dtypes import from_trt
from trtrepo.errors import Category, RunFailed, ServeError
from trtrepo.runners.base import TensorMeta
from trtrepo.trt_flavour import logger, trt


class TensorRTRunner:
    """Deserializes a plan once; each ``infer`` sets shapes, binds CUDA tensors and executes."""

    def __init__(self, plan: Path, name: str = "tensorrt"):
        self.name = name
        self.plan = plan
        module = trt()
        self._engine = module.Runtime(logger()).deserialize_cuda_engine(plan.read_bytes())
        if self._engine is None:
            raise ServeError(f"TensorRT could not deserialize {plan}: " + "; ".join(logger().take_errors()))
        self._context = self._engine.create_execution_context()
        names = [self._engine.get_tensor_name(i) for i in range(self._engine.num_io_tensors)]
        is_output = {n: self._engine.get_tensor_mode(n) == module.TensorIOMode.OUTPUT for n in names}
        self._inputs = tuple(self._meta(n) for n in names if not is_output[n])
        self._outputs = tuple(self._meta(n) for n in names if is_output[n])

    def _meta(self, name: str) -> TensorMeta:
        return TensorMeta(name, from_trt(self._engine.get_tensor_dtype(name)).name,
                          tuple(int(d) for d in self._engine.get_tensor_shape(name)))

    @property
    def inputs(self) -> tuple[TensorMeta, ...]:
        """The engine's inputs."""
        return self._inputs

    @property
    def outputs(self) -> tuple[TensorMeta, ...]:
        """The engine's outputs."""
        return self._outputs

    def infer(self, feed: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Execute the engine on the current CUDA stream; outputs come back on the CPU."""
        stream = torch.cuda.current_stream()
        device_inputs = {n: t.cuda().contiguous() for n, t in feed.items()}
        for name, tensor in device_inputs.items():
            self._context.set_input_shape(name, tuple(tensor.shape))
            self._context.set_tensor_address(name, tensor.data_ptr())
        results: dict[str, Any] = {}
        for meta in self._outputs:
            shape = tuple(self._context.get_tensor_shape(meta.name))
            assert meta.dtype is not None
            results[meta.name] = torch.empty(shape, dtype=_torch_dtype(meta.dtype), device="cuda")
            self._context.set_tensor_address(meta.name, results[meta.name].data_ptr())
        if not self._context.execute_async_v3(stream.cuda_stream):
            raise RunFailed("TensorRT execution failed: " + "; ".join(logger().take_errors()), Category.ERROR)
        stream.synchronize()
        return {n: t.cpu() for n, t in results.items()}


def _torch_dtype(name: str) -> torch.dtype:
    from trtrepo.dtypes import DTYPES

    return DTYPES[name].torch
