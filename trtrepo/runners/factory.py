"""Runners by name, for ``trtrepo compare``: any two of them can be compared with one command.

* ``eager`` — the model's source (or saved program) run by PyTorch in fp32;
* ``program`` — the captured program stored in a built repository (the weights that were converted);
* ``reference`` — the network, converted now from the source, on the reference interpreter;
* ``repository`` — the network rebuilt from a built repository, on the reference interpreter;
* ``tensorrt`` — the repository's plan on this machine's GPU (needs full TensorRT and CUDA);
* ``triton`` — the model on a running Triton server.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trtrepo.errors import TrtrepoError
from trtrepo.runners.base import Runner, spec_outputs
from trtrepo.spec import ModelSpec

RUNNER_KINDS = ("eager", "program", "reference", "repository", "tensorrt", "triton")


@dataclass(frozen=True)
class RunnerSources:
    """Where runners find what they run: a built repository, a server."""

    repository: Path = Path("model_repository")
    url: str | None = None
    protocol: str = "http"
    timeout: float = 30.0


def make_runner(kind: str, spec: ModelSpec, sources: RunnerSources) -> Runner:
    """The runner ``kind`` for ``spec``; a TrtrepoError when it cannot be made here."""
    model_dir = sources.repository / spec.name
    if kind == "eager":
        from trtrepo.runners.eager import EagerRunner
        from trtrepo.sources import load_reference_module

        return EagerRunner(spec, load_reference_module(spec))
    if kind == "program":
        from trtrepo.repository import PROGRAM_FILE
        from trtrepo.runners.eager import EagerRunner
        from trtrepo.sources import load_program

        return EagerRunner.from_program(spec, load_program(_existing(model_dir / PROGRAM_FILE)))
    if kind == "reference":
        from trtrepo.network import convert_model
        from trtrepo.runners.reference import ReferenceRunner

        return ReferenceRunner(convert_model(spec))
    if kind == "repository":
        from trtrepo.runners.reference import ReferenceRunner

        return ReferenceRunner.from_model_dir(_existing(model_dir))
    if kind == "tensorrt":
        return _tensorrt_runner(model_dir)
    if kind == "triton":
        from trtrepo.runners.triton import Endpoint, TritonClient, TritonRunner

        endpoint = Endpoint.parse(sources.url, sources.protocol, sources.timeout)
        return TritonRunner(TritonClient(endpoint), spec.name, spec_outputs(spec))
    raise TrtrepoError(f"unknown runner {kind!r}; choose one of {', '.join(RUNNER_KINDS)}")


def _existing(path: Path) -> Path:
    if not path.exists():
        raise TrtrepoError(f"{path} does not exist: build the model first (`trtrepo build`)")
    return path


def _tensorrt_runner(model_dir: Path) -> Runner:
    import torch

    from trtrepo.repository import PLAN_FILE, read_record
    from trtrepo.runners.tensorrt import TensorRTRunner
    from trtrepo.trt_flavour import flavour

    if flavour().name != "tensorrt" or not torch.cuda.is_available():
        raise TrtrepoError("the tensorrt runner executes plans with full TensorRT on a CUDA GPU, and this machine "
                           f"has {flavour().module_name} and {'a' if torch.cuda.is_available() else 'no'} CUDA "
                           "GPU: use the reference or repository runner here")
    record = read_record(_existing(model_dir))
    return TensorRTRunner(model_dir / str(record["version"]) / PLAN_FILE)
