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
from pathlib import Path
from typing import Any

import torch

from trtrepo.dtypes import from_numpy, to_numpy
from trtrepo.engine import shape_problem
from trtrepo.repository import PLAN_FILE, read_config, read_record
from trtrepo.runners import ReferenceRunner, Runner, TensorRTRunner
from trtrepo.serve.derived import MODE_PARAMETER, SOURCE_PARAMETER
from trtrepo.spec import model_spec_from_record


def load_runner(mode: str, model_dir: Path, version: str) -> Runner:
    """The runner a served model executes with: the plan on a GPU, or the reference interpreter."""
    if mode == "tensorrt":
        return TensorRTRunner(model_dir / version / device_plan(model_dir))
    return ReferenceRunner.from_model_dir(model_dir)


def device_plan(model_dir: Path) -> str:
    """The plan file this GPU loads, as Triton's TensorRT backend picks it: cc_model_filenames of
    the device's compute capability, else default_model_filename."""
    from trtrepo.targets import device_compute_capability

    config = read_config(model_dir)
    _, capability = device_compute_capability()
    return config.cc_model_filenames.get(capability or "", config.default_model_filename or PLAN_FILE)


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
        record = read_record(source_dir)
        self.spec = model_spec_from_record(record["spec_file"], record["spec"])
        self.runner: Runner | None = load_runner(self.mode, source_dir, args["model_version"])

    def execute(self, requests: list[Any]) -> list[Any]:
        """One response per request; a failing request gets an error response, not a crash."""
        import triton_python_backend_utils as pb_utils  # only exists inside the Python backend

        responses = []
        for request in requests:
            try:
                inputs = {n: _from_triton(pb_utils.get_input_tensor_by_name(request, n), n in self.bf16_inputs)
                          for n in self.inputs}
                # Refused as Triton's TensorRT backend would: the engine takes no shape outside its profiles.
                if problem := shape_problem(self.spec, {n: tuple(t.shape) for n, t in inputs.items()}):
                    responses.append(pb_utils.InferenceResponse(output_tensors=[], error=pb_utils.TritonError(
                        f"[request for model {self.spec.name!r}] {problem}")))
                    continue
                assert self.runner is not None, "execute after finalize"
                with torch.no_grad():
                    produced = self.runner.infer(inputs)
                tensors = [_to_triton(pb_utils, n, produced[n]) for n in self.outputs]
                responses.append(pb_utils.InferenceResponse(output_tensors=tensors))
            except Exception as exc:  # report to the client, keep serving other requests
                responses.append(pb_utils.InferenceResponse(
                    output_tensors=[], error=pb_utils.TritonError(f"{type(exc).__name__}: {exc}")))
        return responses

    def finalize(self) -> None:
        """Drop the runner (and with it the network or engine)."""
        self.runner = None
