"""The back half of building one model: engine -> config -> build record, timed per stage.

The front half (capture -> lower -> convert) is ``trtrepo.network``'s; ``trtrepo.build`` runs the
stages in order (convert, check when asked, engine, config) and publishes, skips and parallelises.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from typing import Any

import torch
from torch.export import ExportedProgram

from trtrepo import __version__
from trtrepo.deployment import Deployment, plan_deployment
from trtrepo.engine import BuildSettings, build_plan, profile_shapes
from trtrepo.network import Converted, StageCallback, timed
from trtrepo.network_fingerprint import network_fingerprint
from trtrepo.repository import BuiltModel, facts_dict, network_facts, render_config
from trtrepo.serving_config import serving_config
from trtrepo.sources import save_program, tensors_digest
from trtrepo.spec import ModelSpec
from trtrepo.structure import program_binding, program_output_paths, recorded_outputs
from trtrepo.trt_flavour import flavour
from trtrepo.tune.record import recorded_tuning


def build_model(converted: Converted, settings: BuildSettings | None = None,
                on_stage: StageCallback | None = None, on_progress: Callable[[str], None] | None = None,
                check: dict[str, Any] | None = None, deployment: Deployment | None = None) -> BuiltModel:
    """The engine and config of a converted model, and its build record: everything but writing.

    ``check`` is the summary of a check already passed (``trtrepo.check.require_passing``) and
    ``deployment`` where the plan will serve (``trtrepo.deployment.plan_deployment``); both go into
    the build record, the target also into config.pbtxt's parameters.
    """
    spec, timings = converted.spec, converted.timings
    settings = settings or BuildSettings()
    fingerprint = network_fingerprint(converted.network)  # what the plan is built from, checkable later
    with timed(timings, "build", spec.name, on_stage):
        plan, _ = build_plan(converted.builder, converted.network, spec, settings, on_progress,
                             error_context=lambda line: with_node_context(line, converted.result.origins))
    with timed(timings, "config", spec.name, on_stage):
        facts = network_facts(converted.network, spec, converted.result.data_dependent)
        serving = serving_config(spec)
        deployment = deployment or plan_deployment(spec, settings)
        render_config(facts, spec, serving, deployment.parameters())  # validated now, written at publish
        program_bytes = converted.stored or save_program(converted.captured)
    record = build_record(spec, facts_dict(facts), plan, timings, converted.result.converters_used)
    record["inputs_by_name"] = program_binding(converted.captured).by_name
    record["notes"] = converted.notes + list(deployment.notes)
    record["outputs"] = converted.output_tree or recorded_outputs(spec, program_output_paths(converted.captured))
    record["check"] = check
    if converted.quantized is not None:  # the scheme, the calibration data and the quantized tensors
        record["quantization"] = converted.quantized.to_record()
    record["build_settings"] = settings.to_record()
    record.update(deployment.to_record())
    record["network_fingerprint"] = fingerprint
    record["hashes"] = {"program": hashlib.sha256(program_bytes).hexdigest(),
                        "weights": weights_hash(converted.captured),
                        "spec": hashlib.sha256(json.dumps(spec.raw, sort_keys=True).encode()).hexdigest()}
    # What `tune-precision` proved for this very entry, graph and weights (None when nothing, or stale).
    record["precision_tuning"] = recorded_tuning(spec, record["hashes"], converted.program)
    return BuiltModel(spec=spec, facts=facts, serving=serving, plan=plan, record=record, program=program_bytes,
                      parameters=deployment.parameters(), label=deployment.gpu_label)


def with_node_context(line: str, origins: dict[str, Any]) -> str:
    """A TensorRT error line with the FX node, op and source line of the layer it blames.

    TensorRT writes ``<layer name>: <problem>`` (``IShuffleLayer relu/1: reshaping failed for
    tensor: linear``), so a name followed by a colon wins over other names the line mentions.
    """
    named = [(name, origin) for name, origin in _with_layer_names(origins).items() if name and _mentions(line, name)]
    if not named:
        return line
    blamed = [item for item in named if _mentions(line, item[0] + ":")]
    name, origin = max(blamed or named, key=lambda item: len(item[0]))  # the most specific name
    where = f" at {origin.source}" if origin.source else ""
    return f"{line}\n    (layer {name!r} comes from node {origin.node!r} ({origin.op}){where})"


def _with_layer_names(origins: dict[str, Any]) -> dict[str, Any]:
    """Tensor names plus the layer names they come from (``relu/1_output`` -> ``relu/1``)."""
    names = dict(origins)
    for name, origin in origins.items():
        names.setdefault(re.sub(r"(_output|:\d+)$", "", name), origin)
    return names


def _mentions(line: str, name: str) -> bool:
    """``name`` occurs in ``line`` as a whole name, not inside a longer one (``x`` in ``max``)."""
    return re.search(rf"(?<![\w./-]){re.escape(name)}(?![\w/])", line) is not None


def weights_hash(program: ExportedProgram) -> str:
    """sha256 over every parameter, buffer and constant (name, dtype, shape, bytes), in name order."""
    return tensors_digest({**program.state_dict,
                           **{k: v for k, v in program.constants.items() if isinstance(v, torch.Tensor)}})


def build_record(spec: ModelSpec, facts: dict[str, Any], plan: bytes, timings: dict[str, float],
                 converters: dict[str, int]) -> dict[str, Any]:
    """What built this model, from what, and how: enough for ``serve`` to rebuild the network."""
    installed = flavour()
    return {
        "trtrepo_version": __version__,
        "tensorrt": {"flavour": installed.name, "module": installed.module_name, "version": installed.version},
        "model": spec.name,
        "version": spec.version,
        "spec_file": str(spec.spec_file),
        "spec": spec.raw,
        "source": spec.source,
        "precision": spec.precision,
        "profiles": [{name: {"min": lo, "opt": opt, "max": hi} for name, (lo, opt, hi) in shapes.items()}
                     for shapes in profile_shapes(spec) if shapes],
        "io": facts,
        "plan_sha256": hashlib.sha256(plan).hexdigest(),
        "plan_bytes": len(plan),
        "stage_seconds": timings,
        "converters": converters,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
