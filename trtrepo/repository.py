"""Write the Triton model repository: config.pbtxt (rendered, then schema-checked) and the plan.

The config follows the engine: names, data types and dims are read off the built network, not
retyped from models.yaml, and every rendered config is parsed with Triton's own ModelConfig schema
before it is written.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from trtrepo import __version__
from trtrepo.dtypes import from_trt
from trtrepo.errors import RepositoryError
from trtrepo.fleet import cc_model_filenames, kept_plans, plan_file, plan_record
from trtrepo.fsutil import publish_directory, staging_directory
from trtrepo.rendering import render
from trtrepo.serving_config import PRIORITIES, ServingConfig, serving_config
from trtrepo.spec import ModelSpec
from trtrepo.trt_flavour import probe_flavour

RECORD_FILE = "trtrepo.json"
CONFIG_FILE = "config.pbtxt"
PLAN_FILE = "model.plan"
PROGRAM_FILE = "program.pt2"  # the captured ExportedProgram; Triton ignores it, serve rebuilds from it


@dataclass(frozen=True)
class TensorFacts:
    """One network input or output as Triton will see it."""

    name: str
    dtype: str  # canonical trtrepo dtype name
    triton_type: str
    shape: tuple[int, ...]  # full network shape, -1 where dynamic
    dims: tuple[int, ...]  # Triton dims: without the batch dim when batching
    data_dependent: tuple[int, ...] = ()  # dims of ``shape`` whose length depends on the data (-1 there)

    @property
    def config_dims(self) -> tuple[int, ...]:
        """The dims config.pbtxt states: Triton core refuses empty dims ("must specify 'dims'"),
        so a scalar per sample (or a 0-d tensor) is stated as [1] and reshaped to [] (see
        ``reshape``), as Triton's model configuration guide prescribes."""
        return self.dims or (1,)

    @property
    def reshape(self) -> tuple[int, ...] | None:
        """The shape the engine really has, when it differs from ``config_dims`` (``()`` for a scalar)."""
        return () if not self.dims else None


@dataclass(frozen=True)
class ModelFacts:
    """What config.pbtxt needs, read off a built network."""

    inputs: tuple[TensorFacts, ...]
    outputs: tuple[TensorFacts, ...]
    max_batch_size: int
    num_profiles: int


def network_facts(network: Any, spec: ModelSpec,
                  data_dependent: Mapping[str, tuple[int, ...]] | None = None) -> ModelFacts:
    """Read I/O names, types and dims from the network; check they suit Triton's batching.

    ``data_dependent`` names the output dims whose length depends on tensor values
    (``ConversionResult.data_dependent``): the network has -1 there, like a dynamic dim, and so
    does config.pbtxt; Triton's TensorRT backend allocates such outputs once their shape is known.
    """
    batching = spec.max_batch_size > 0
    data_dependent = data_dependent or {}

    # With max_batch_size 1 the batch dim may be a static 1: Triton's TensorRT backend accepts an
    # engine whose batch dim is no wildcard for max_batch_size up to 1 (instance_state.cc).
    batch_sizes = (-1, 1) if spec.max_batch_size == 1 else (-1,)

    def facts(tensor: Any, role: str) -> TensorFacts:
        shape = tuple(int(d) for d in tensor.shape)
        if batching and (not shape or shape[0] not in batch_sizes):
            raise RepositoryError(
                f"{spec.spec_file}: model {spec.name!r}: {role} {tensor.name!r} has shape {list(shape)}, but "
                f"with max_batch_size = {spec.max_batch_size} its first dim must be the batch dim"
                + (" (dynamic, or 1)" if spec.max_batch_size == 1 else " (dynamic)")
            )
        dtype = from_trt(tensor.dtype)
        dependent = tuple(data_dependent.get(tensor.name, ())) if role == "output" else ()
        return TensorFacts(tensor.name, dtype.name, dtype.triton, shape, shape[1:] if batching else shape, dependent)

    _check_data_dependent_batching(spec, data_dependent)
    inputs = tuple(facts(network.get_input(i), "input") for i in range(network.num_inputs))
    outputs = tuple(facts(network.get_output(i), "output") for i in range(network.num_outputs))
    _check_profile_batch(spec)
    dynamic = any(d.is_dynamic for t in spec.inputs for d in t.shape)
    return ModelFacts(inputs, outputs, spec.max_batch_size, len(spec.profile_list) if dynamic else 0)


def _check_data_dependent_batching(spec: ModelSpec, data_dependent: Mapping[str, tuple[int, ...]]) -> None:
    """A data-dependent length is never the batch dim, nor shared by requests batched together."""
    for name, dims in data_dependent.items():
        which = f"dim {dims[0]}" if len(dims) == 1 else "dims " + ", ".join(map(str, dims))
        where = (f"{spec.spec_file}: model {spec.name!r}: output {name!r}: the length of its {which} depends on "
                 "the input values (nonzero, x[mask], masked_select)")
        if spec.max_batch_size and 0 in dims:
            raise RepositoryError(f"{where}, so it is not the batch dim that max_batch_size = {spec.max_batch_size} "
                                  "needs: set max_batch_size: 0 (Triton then sends the model whole tensors)")
        if spec.dynamic_batching is not None:
            raise RepositoryError(f"{where}: with dynamic_batching, requests batched together would get one length "
                                  "computed from all of them; remove dynamic_batching")


def _check_profile_batch(spec: ModelSpec) -> None:
    """The optimization profile must accept every batch size Triton may send (1..max_batch_size)."""
    for tensor in spec.inputs:
        if spec.max_batch_size and not (tensor.shape[0].min == 1 and tensor.shape[0].max >= spec.max_batch_size):
            raise RepositoryError(f"{spec.spec_file}: model {spec.name!r}: input {tensor.name!r}: profile batch "
                                  f"range {tensor.shape[0].min}..{tensor.shape[0].max} does not cover "
                                  f"1..{spec.max_batch_size}")


def render_config(facts: ModelFacts, spec: ModelSpec, serving: ServingConfig | None = None,
                  parameters: dict[str, str] | None = None, cc_model_filenames: dict[str, str] | None = None) -> str:
    """config.pbtxt text for a built model, validated against Triton's ModelConfig schema."""
    installed = probe_flavour()
    text = render(
        "config.pbtxt.j2",
        name=spec.name,
        max_batch_size=facts.max_batch_size,
        inputs=facts.inputs,
        outputs=facts.outputs,
        dynamic_batching=spec.dynamic_batching,
        serving=serving or serving_config(spec),
        priority=PRIORITIES[spec.serving.priority],
        response_cache=spec.serving.response_cache,
        parameters=parameters or {},
        cc_model_filenames=cc_model_filenames or {},
        profiles=[str(i) for i in range(facts.num_profiles)] if facts.num_profiles > 1 else [],
        trtrepo_version=__version__,
        flavour=installed.module_name,
        flavour_version=installed.version,
    )
    parse_config(text, f"rendered config of model {spec.name!r}")
    return text


def parse_config(text: str, what: str) -> model_config_pb2.ModelConfig:
    """Parse config.pbtxt text with Triton's schema; a failure here is a trtrepo bug or a bad file."""
    config = model_config_pb2.ModelConfig()
    try:
        text_format.Parse(text, config)
    except text_format.ParseError as exc:
        raise RepositoryError(f"{what} does not parse as a Triton ModelConfig: {exc}") from None
    return config


def read_config(model_dir: Path) -> model_config_pb2.ModelConfig:
    """The parsed config.pbtxt of a model directory."""
    path = model_dir / CONFIG_FILE
    try:
        return parse_config(path.read_text(encoding="utf-8"), str(path))
    except OSError as exc:
        raise RepositoryError(f"cannot read {path}: {exc.strerror or exc}") from None


def read_record(model_dir: Path) -> dict[str, Any]:
    """The build record (trtrepo.json) of a model directory."""
    path = model_dir / RECORD_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RepositoryError(f"cannot read build record {path}: {exc}") from None


@dataclass(frozen=True)
class BuiltModel:
    """Everything that goes into one model's directory."""

    spec: ModelSpec
    facts: ModelFacts
    serving: ServingConfig
    plan: bytes
    record: dict[str, Any]
    program: bytes = b""
    parameters: dict[str, str] = field(default_factory=dict)  # config.pbtxt parameters (the target)
    label: str | None = None  # the GPU label of a fleet build (model.<label>.plan)

    @property
    def config_text(self) -> str:
        """config.pbtxt for this build alone."""
        return self.render_config()

    def render_config(self, cc_model_filenames: dict[str, str] | None = None) -> str:
        """config.pbtxt, listing the plans of every GPU label present when there are any."""
        return render_config(self.facts, self.spec, self.serving, self.parameters, cc_model_filenames)


def existing_versions(model_dir: Path) -> list[int]:
    """Version folders present in a model directory, ascending (symlinks are not followed)."""
    if not model_dir.is_dir() or model_dir.is_symlink():
        return []
    return sorted(int(p.name) for p in model_dir.iterdir()
                  if p.is_dir() and not p.is_symlink() and p.name.isdigit() and p.name[0] != "0")


def publish(repository: Path, built: BuiltModel, version_policy: str = "replace",
            keep_versions: int = 1, staging: Path | None = None) -> tuple[Path, int]:
    """Write one model directory atomically: readers see the old model or the new one, never half.

    ``replace`` writes the spec's version; ``increment`` the next one after the newest present.
    Up to ``keep_versions`` versions stay (older plans are hard-linked, not copied), the rest go.
    A labelled build (``--gpu-label``) writes into the spec's version beside the plans of the other
    labels, which stay when they were built from the same program (see ``trtrepo.fleet``).
    The directory is assembled in ``staging`` (default: the repository; see fsutil.staging_area).
    """
    repository.mkdir(parents=True, exist_ok=True)
    model_dir = repository / built.spec.name
    if model_dir.is_symlink():
        raise RepositoryError(f"refusing to publish model {built.spec.name!r}: {model_dir} is a symlink, and "
                              "trtrepo never writes through links out of the repository; remove it")
    present = existing_versions(model_dir)
    replace = version_policy == "replace" or built.label is not None
    version = built.spec.version if replace else max(present + [built.spec.version - 1]) + 1
    keep = [v for v in present if v != version][-(keep_versions - 1):] if keep_versions > 1 else []
    record, others = _record_with_plans(model_dir, built, version)
    record = {**record, "version": version, "kept_versions": keep}
    config = built.render_config(cc_model_filenames([*others, built.label]) if built.label else None)
    with staging_directory(staging or repository, built.spec.name) as stage:
        for old in keep:
            _link_tree(model_dir / str(old), stage / str(old))
        version_dir = stage / str(version)
        version_dir.mkdir()
        for label in others:  # the other architectures' plans, as they are
            _link_file(model_dir / str(version) / plan_file(label), version_dir / plan_file(label))
        (version_dir / plan_file(built.label)).write_bytes(built.plan)
        (stage / CONFIG_FILE).write_text(config, encoding="utf-8")
        if built.program:
            (stage / PROGRAM_FILE).write_bytes(built.program)
        for relative, content in built.serving.files.items():
            (stage / relative).parent.mkdir(parents=True, exist_ok=True)
            (stage / relative).write_bytes(content)
        (stage / RECORD_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _sync_tree(stage)
        return publish_directory(stage, model_dir), version


def _record_with_plans(model_dir: Path, built: BuiltModel, version: int) -> tuple[dict[str, Any], list[str]]:
    """The build record, with every labelled plan's own record; and the other labels kept."""
    if built.label is None:
        return built.record, []
    previous = read_record(model_dir) if (model_dir / RECORD_FILE).is_file() else None
    others = kept_plans(built.spec.name, previous, version, built.label, built.record)
    missing = [label for label in others if not (model_dir / str(version) / plan_file(label)).is_file()]
    for label in missing:
        del others[label]  # recorded but gone from disk: nothing to keep
    plans = {**others, built.label: plan_record(built.record)}
    return {**built.record, "plans": plans}, sorted(others)


def _link_file(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _link_tree(source: Path, target: Path) -> None:
    """Copy a version folder by hard links (plans are large and immutable once published)."""
    target.mkdir()
    for path in source.iterdir():
        if path.is_symlink():
            continue  # never follow a link out of the repository
        if path.is_dir():
            _link_tree(path, target / path.name)
        else:
            _link_file(path, target / path.name)


def _sync_tree(folder: Path) -> None:
    """fsync every file so the rename publishes data that survives a crash, not just names."""
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def facts_dict(facts: ModelFacts) -> dict[str, Any]:
    """ModelFacts as plain JSON data for the build record."""
    return asdict(facts)
