"""What Triton's Python backend runs for a trtrepo model (the generated model.py imports this).

Two execution modes, chosen when the derived repository is written and visible in the served
config's parameters:

* ``tensorrt`` — deserialize ``model.plan`` and run it with the TensorRT runtime on the GPU;
* ``reference`` — rebuild the TensorRT network from the repository's ``program.pt2`` and execute it
  with trtrepo's reference interpreter on the CPU (machines where no engine can run).

Both answer exactly the network the engine was built from, so ``verify`` judges the conversion.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from trtrepo.dtypes import from_numpy, to_numpy

Runner = Callable[[dict[str, torch.Tensor]], dict[str, torch.Tensor]]

MODE_PARAMETER = "trtrepo_execution_mode"
SOURCE_PARAMETER = "trtrepo_source_model_dir"


def reference_runner(model_dir: Path) -> Runner:
    """Rebuild the network from the stored program and execute it with the reference interpreter."""
    from trtrepo.capture import load_program
    from trtrepo.network import convert_captured
    from trtrepo.reference import execute_network
    from trtrepo.repository import PROGRAM_FILE, read_record
    from trtrepo.spec import model_spec_from_record

    record = read_record(model_dir)
    spec = model_spec_from_record(record["spec_file"], record["spec"])
    converted = convert_captured(spec, load_program(model_dir / PROGRAM_FILE))

    def run(inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return execute_network(converted.network, inputs).outputs

    return run


def tensorrt_runner(model_dir: Path, version: str) -> Runner:
    """Run ``<version>/model.plan`` with the TensorRT runtime on the current CUDA device."""
    from trtrepo.trt_flavour import logger, trt

    module = trt()
    engine = module.Runtime(logger()).deserialize_cuda_engine((model_dir / version / "model.plan").read_bytes())
    if engine is None:
        raise RuntimeError(f"TensorRT could not deserialize {model_dir / version / 'model.plan'}: "
                           + "; ".join(logger().take_errors()))
    context = engine.create_execution_context()
    names = [engine.get_tensor_name(i) for i in range(engine.num_io_tensors)]
    outputs = [n for n in names if engine.get_tensor_mode(n) == module.TensorIOMode.OUTPUT]

    def run(inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        stream = torch.cuda.current_stream()
        device_inputs = {n: t.cuda().contiguous() for n, t in inputs.items()}
        for name, tensor in device_inputs.items():
            context.set_input_shape(name, tuple(tensor.shape))
            context.set_tensor_address(name, tensor.data_ptr())
        results = {}
        for name in outputs:
            shape = tuple(context.get_tensor_shape(name))
            dtype = _torch_dtype(engine.get_tensor_dtype(name))
            results[name] = torch.empty(shape, dtype=dtype, device="cuda")
            context.set_tensor_address(name, results[name].data_ptr())
        if not context.execute_async_v3(stream.cuda_stream):
            raise RuntimeError("TensorRT execution failed: " + "; ".join(logger().take_errors()))
        stream.synchronize()
        return {n: t.cpu() for n, t in results.items()}

    return run


def _torch_dtype(trt_dtype: Any) -> torch.dtype:
    from trtrepo.dtypes import from_trt

    return from_trt(trt_dtype).torch


def _from_triton(tensor: Any, bf16: bool) -> torch.Tensor:
    """A request tensor as torch; bf16 has no NumPy type, so it comes through DLPack."""
    if bf16:
        return torch.from_dlpack(tensor.to_dlpack()).clone()
    return from_numpy(tensor.as_numpy())


def _to_triton(pb_utils: Any, name: str, tensor: torch.Tensor) -> Any:
    """A response tensor; bf16 goes through DLPack (NumPy has no bf16), the rest through NumPy."""
    if tensor.dtype == torch.bfloat16:
        return pb_utils.Tensor.from_dlpack(name, torch.utils.dlpack.to_dlpack(tensor.contiguous()))
    return pb_utils.Tensor(name, to_numpy(tensor))


class TritonPythonModel:
    """The Python backend's model interface (initialize / execute / finalize)."""

    def initialize(self, args: dict[str, Any]) -> None:
        """Pick the runner named in the config's parameters and prepare it."""
        config = json.loads(args["model_config"])
        parameters = {k: v["string_value"] for k, v in config.get("parameters", {}).items()}
        self.mode = parameters[MODE_PARAMETER]
        source_dir = Path(parameters[SOURCE_PARAMETER])
        self.inputs = [t["name"] for t in config["input"]]
        self.bf16_inputs = {t["name"] for t in config["input"] if t["data_type"] == "TYPE_BF16"}
        self.outputs = [t["name"] for t in config["output"]]
        if self.mode == "tensorrt":
            self.runner = tensorrt_runner(source_dir, args["model_version"])
        else:
            self.runner = reference_runner(source_dir)

    def execute(self, requests: list[Any]) -> list[Any]:
        """One response per request; a failing request gets an error response, not a crash."""
        import triton_python_backend_utils as pb_utils  # only exists inside the Python backend

        responses = []
        for request in requests:
            try:
                inputs = {n: _from_triton(pb_utils.get_input_tensor_by_name(request, n), n in self.bf16_inputs)
                          for n in self.inputs}
                with torch.no_grad():
                    produced = self.runner(inputs)
                tensors = [_to_triton(pb_utils, n, produced[n]) for n in self.outputs]
                responses.append(pb_utils.InferenceResponse(output_tensors=tensors))
            except Exception as exc:  # report to the client, keep serving other requests
                responses.append(pb_utils.InferenceResponse(
                    output_tensors=[], error=pb_utils.TritonError(f"{type(exc).__name__}: {exc}")))
        return responses

    def finalize(self) -> None:
        """Drop the runner (and with it the network or engine)."""
        self.runner = None  # type: ignore[assignment]
