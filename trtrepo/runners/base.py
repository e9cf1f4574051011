"""The runner interface: anything that turns named inputs into named outputs.

Polygraphy's lesson: the eager model, the reference interpreter, a TensorRT engine and a Triton
server are each one small runner with a name, its inputs' and outputs' metadata, and
``infer(feed)``; ``check``, ``verify`` and ``serve`` are one comparison loop over a pair of them
(``trtrepo.compare.compare_runs``), never a loop written per command. A runner that cannot answer
for a sample raises ``RunFailed`` with the category of the problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import torch

from trtrepo.spec import ModelSpec


@dataclass(frozen=True)
class TensorMeta:
    """One input or output as a runner sees it; ``dtype`` None when it follows the model."""

    name: str
    dtype: str | None = None  # trtrepo dtype name (fp32, int64, ...)
    shape: tuple[int, ...] | None = None  # -1 where dynamic; None when the runner cannot know


class Runner(Protocol):
    """Produces outputs by name from inputs by name."""

    name: str

    @property
    def inputs(self) -> tuple[TensorMeta, ...]:
        """The inputs ``infer`` takes."""
        ...

    @property
    def outputs(self) -> tuple[TensorMeta, ...]:
        """The outputs ``infer`` returns, in order."""
        ...

    def infer(self, feed: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Outputs by name for one set of inputs; raises ``RunFailed`` when it cannot."""
        ...


def spec_inputs(spec: ModelSpec) -> tuple[TensorMeta, ...]:
    """The inputs models.yaml declares, as runner metadata."""
    return tuple(TensorMeta(t.name, t.dtype.name if t.dtype else None,
                            tuple(-1 if d.is_dynamic else d.opt for d in t.shape)) for t in spec.inputs)


def spec_outputs(spec: ModelSpec) -> tuple[TensorMeta, ...]:
    """The outputs models.yaml declares, as runner metadata."""
    return tuple(TensorMeta(t.name, t.dtype.name if t.dtype else None) for t in spec.outputs)
