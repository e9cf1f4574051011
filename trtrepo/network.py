"""The front half of every command: a model's source -> captured program -> lowered -> TensorRT network.

``build``, ``check``, ``serve`` and the converter test harness all get their network here, so the
three steps exist once. The result, :class:`Converted`, keeps what later stages need: the network
(and the builder that owns it), the lowered program the converter saw, the captured program the
repository stores, and the very module instance that was captured, so a comparison is made
against the weights that were converted and never against a second import of the user's code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from torch import nn
from torch.export import ExportedProgram

from trtrepo.capture import capture
from trtrepo.convert.context import ConversionSettings
from trtrepo.convert.interpreter import ConversionResult, convert_program
from trtrepo.engine import new_builder, new_network
from trtrepo.errors import CaptureError
from trtrepo.fuse import fuse
from trtrepo.lower import lower
from trtrepo.quantize import is_quantized
from trtrepo.quantize.stage import quantize
from trtrepo.sources import is_saved_program, load_module, load_program, load_saved_program, save_program
from trtrepo.spec import ModelSpec
from trtrepo.structure import bind_inputs, program_output_paths, recorded_outputs, resolve_outputs, with_outputs

StageCallback = Callable[[str, str], None]  # (model name, stage) -> None


@dataclass
class Converted:
    """A model's network, ready to build or to execute with the reference interpreter."""

    spec: ModelSpec
    program: ExportedProgram  # lowered: what the converter saw
    captured: ExportedProgram  # as torch.export made it: what the repository stores
    builder: Any  # owns the network: keep it alive as long as the network is used
    result: ConversionResult
    module: nn.Module | None = None  # the module instance that was captured (None for a saved program)
    timings: dict[str, float] = field(default_factory=dict)
    stored: bytes = b""  # ``captured`` as the repository stores it (program.pt2), when it was saved
    output_tree: list[dict[str, Any]] = field(default_factory=list)  # the resolved outputs, for the record
    notes: list[str] = field(default_factory=list)  # worth telling the user (shown by build, kept in the record)
    quantized: Any = None  # trtrepo.quantize.stage.Quantized for an int8/fp8 engine

    @property
    def network(self) -> Any:
        """The filled TensorRT network."""
        return self.result.network


def conversion_settings(spec: ModelSpec) -> ConversionSettings:
    """The converter settings a model's spec asks for."""
    # A quantized engine computes in fp32 between its Q/DQ pairs: the float type of the rest.
    precision = "fp32" if is_quantized(spec) else spec.precision
    return ConversionSettings(precision=precision, op_precision=spec.op_precision,
                              node_precision=spec.node_precision)


@contextmanager
def timed(timings: dict[str, float], stage: str, model: str, on_stage: StageCallback | None) -> Iterator[None]:
    """Announce ``stage`` and record how long it took in ``timings``."""
    if on_stage:
        on_stage(model, stage)
    started = time.perf_counter()
    yield
    timings[stage] = round(time.perf_counter() - started, 4)


def convert_model(spec: ModelSpec, on_stage: StageCallback | None = None) -> Converted:
    """Load, capture, lower and convert one model into a TensorRT network (no engine yet)."""
    timings: dict[str, float] = {}
    module = None
    notes = []
    quantized = None
    with timed(timings, "capture", spec.name, on_stage):
        if is_saved_program(spec.source):
            captured = load_saved_program(spec)
            if is_quantized(spec):
                raise CaptureError(f"{spec.spec_file}: model {spec.name!r}: precision {spec.precision} calibrates the "
                                   "model itself, and a saved program is not quantized here: use its Python source")
        else:
            module = load_module(spec)
            captured = capture(spec, module)
            if not (binding := bind_inputs(spec, module)).by_name:
                notes.append(binding.note)
            if is_quantized(spec):
                quantized = quantize(spec, module, captured)
                captured, notes = quantized.captured, notes + quantized.notes
        # The network is built from the program exactly as the repository stores it: lowering a
        # reloaded program names and orders nodes its own way, and `serve` rebuilds from the
        # stored bytes, so the plan's network and the served one are the same only this way.
        paths = program_output_paths(captured)
        spec = with_outputs(spec, resolve_outputs(spec, paths))
        stored = save_program(captured)
        captured = load_program(stored)
    converted = convert_captured(spec, captured, module, timings, on_stage)
    converted.notes += notes
    converted.quantized = quantized
    converted.stored = stored
    converted.output_tree = recorded_outputs(converted.spec, paths)
    return converted


def convert_captured(spec: ModelSpec, captured: ExportedProgram, module: nn.Module | None = None,
                     timings: dict[str, float] | None = None,
                     on_stage: StageCallback | None = None) -> Converted:
    """Lower and convert an already captured (or saved) program.

    The converted spec's outputs are resolved against what the program returns (see
    ``trtrepo.structure``): from here on, every stage uses those names.
    """
    timings = {} if timings is None else timings
    spec = with_outputs(spec, resolve_outputs(spec, program_output_paths(captured)))
    with timed(timings, "lower", spec.name, on_stage):
        program = fuse(lower(captured, model=spec.name))
    with timed(timings, "convert", spec.name, on_stage):
        builder = new_builder()
        result = convert_program(program, spec, new_network(builder), conversion_settings(spec))
    return Converted(spec, program, captured, builder, result, module, timings)
