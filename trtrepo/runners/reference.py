"""The TensorRT network executed by trtrepo's reference interpreter on CPU, as a runner."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from trtrepo.dtypes import from_trt
from trtrepo.errors import Category, ReferenceExecutionError, RunFailed, ServeError
from trtrepo.network import Converted, convert_captured
from trtrepo.reference import execute_network
from trtrepo.runners.base import TensorMeta


class ReferenceRunner:
    """``converted``'s network, layer by layer, from TensorRT's documented semantics."""

    def __init__(self, converted: Converted, name: str = "network"):
        self.converted = converted  # owns the builder, and with it the network's weights
        self.name = name

    @classmethod
    def from_model_dir(cls, model_dir: Path, verify: bool = True) -> ReferenceRunner:
        """Rebuild the network of a built model from its stored program (what ``serve`` runs).

        With ``verify``, a model whose plan or rebuilt network is not the one its build record
        names is refused: the runner must answer what the plan Triton would load answers.
        """
        from trtrepo.integrity import network_problem, plan_problems, rebuild_hint
        from trtrepo.network_fingerprint import network_fingerprint
        from trtrepo.repository import PROGRAM_FILE, read_record
        from trtrepo.sources import load_program
        from trtrepo.spec import model_spec_from_record
        from trtrepo.structure import outputs_from_record, with_outputs

        record = read_record(model_dir)
        spec = model_spec_from_record(record["spec_file"], record["spec"])
        if verify and (problems := plan_problems(model_dir, record)):
            raise ServeError(f"model {spec.name!r}: {'; '.join(problems)}: {rebuild_hint(spec.name)}")
        outputs = outputs_from_record(record)
        # The stored program returns its outputs flat, in order: name them as the build did.
        converted = convert_captured(spec if outputs is None else with_outputs(spec, outputs),
                                     load_program(model_dir / PROGRAM_FILE))
        if verify and (problem := network_problem(record, network_fingerprint(converted.network))):
            raise ServeError(f"model {spec.name!r}: {problem}; serving it would not answer what its plan "
                             f"answers: {rebuild_hint(spec.name)}")
        return cls(converted)

    @property
    def inputs(self) -> tuple[TensorMeta, ...]:
        """The network's inputs."""
        network = self.converted.network
        return tuple(_meta(network.get_input(i)) for i in range(network.num_inputs))

    @property
    def outputs(self) -> tuple[TensorMeta, ...]:
        """The network's outputs."""
        network = self.converted.network
        return tuple(_meta(network.get_output(i)) for i in range(network.num_outputs))

    def infer(self, feed: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The network's outputs for ``feed``."""
        try:
            return execute_network(self.converted.network, feed).outputs
        except ReferenceExecutionError as exc:
            raise RunFailed(f"model {self.converted.spec.name!r}: the reference interpreter could not execute "
                            f"the network: {exc}", Category.ERROR) from None

    def intermediates(self, feed: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Every tensor of the network by name (inputs included), for localising a divergence."""
        return execute_network(self.converted.network, feed, keep_intermediates=True).tensors


def _meta(tensor: object) -> TensorMeta:
    return TensorMeta(tensor.name, from_trt(tensor.dtype).name,  # type: ignore[attr-defined]
                      tuple(int(d) for d in tensor.shape))  # type: ignore[attr-defined]
