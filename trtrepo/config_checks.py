"""What Triton's TensorRT backend checks between config.pbtxt and the engine, replayed from the build record.

The engine's I/O (names, types, shapes), profiles and batch range are recorded at build
(``record["io"]``, ``record["profiles"]``); each function here compares them with the parsed
config the way the backend does when it loads the model, and cites where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tritonclient.grpc import model_config_pb2

from trtrepo.targets.spelling import cc_from_sm

CITE_DIMS = "tensorrt_backend src/tensorrt_utils.cc CompareDimsSupported (called by instance_state.cc " \
            "InitializeExecuteInputBinding / InitializeExecuteOutputBinding; reshape.shape replaces dims)"
CITE_DTYPE = "tensorrt_backend src/instance_state.cc InitializeExecuteInputBinding / InitializeExecuteOutputBinding " \
             "('unexpected datatype ... for inference input/output')"
CITE_NAMES = "tensorrt_backend src/model_state.cc AutoCompleteConfigHelper (CheckAllowedModelInput / " \
             "CheckAllowedModelOutput) and instance_state.cc ('input ... not found')"
CITE_PROFILE = "tensorrt_backend src/model_state.cc GetProfileIndices ('configuration specified invalid profile') " \
               "and src/tensorrt_utils.cc GetProfileIndex (stoi of the profile name)"
CITE_PROFILE_DEFAULT = "common protobuf/model_config.proto ModelInstanceGroup.profile ('If not specified, the " \
                       "server will select the first optimization profile by default')"
CITE_BATCH = "tensorrt_backend src/model_state.cc GetMaxSupportedBatchSize / GetProfileMaxBatchSize ('configuration " \
             "specified max-batch N but TensorRT engine only supports max-batch M') and tensorrt_utils.cc " \
             "ValidateDimension (a request outside the profile's [min, max] is refused)"
CITE_AUTOFILL = "tensorrt_backend src/model_state.cc AutoCompleteConfigHelper ('Turn on dynamic batch scheduler if " \
                "batch size is greater than 1 and there is no scheduler defined'); server " \
                "docs/user_guide/model_configuration.md 'Default Max Batch Size and Dynamic Batcher'"
CITE_CC_FILES = "backend src/backend_model_instance.cc BackendModelInstance (and tensorrt_backend model_state.cc " \
                "AutoCompleteConfig): cc_model_filenames is looked up with std::to_string(major) + \".\" + " \
                "std::to_string(minor) of the GPU, else default_model_filename"
CITE_IO_SHAPE = "core src/model_config_utils.cc ValidateIOShape ('must specify 'dims'', 'cannot have empty reshape " \
                "for non-batching model', 'has different size for dims and reshape')"
_CC_KEY = re.compile(r"^\d+\.\d+$")


@dataclass(frozen=True)
class Check:
    """One thing inspect looked at: ok, a problem Triton would refuse, a flag it needs, or a note."""

    name: str
    status: str  # ok | problem | needs | note
    message: str
    rule: str = ""  # where the behaviour comes from (Triton source file and function, or document)
    fix: str = ""

    def to_dict(self) -> dict[str, str]:
        """JSON-ready dict."""
        return {"name": self.name, "status": self.status, "message": self.message, "rule": self.rule, "fix": self.fix}


def io_checks(io: dict[str, Any], config: model_config_pb2.ModelConfig) -> list[Check]:
    """Engine I/O recorded at build against config.pbtxt's inputs and outputs: names, data types, dims."""
    if not io:
        return [Check("I/O", "note", "the build record has no engine I/O (built by an older trtrepo): not compared")]
    batching = config.max_batch_size > 0
    checks: list[Check] = []
    for role, engine_list, declared in (("input", io.get("inputs", []), config.input),
                                        ("output", io.get("outputs", []), config.output)):
        engine = {t["name"]: t for t in engine_list}
        checks += _name_checks(role, engine, [d.name for d in declared])
        for item in declared:
            if item.name in engine:
                checks += _tensor_checks(role, engine[item.name], item, batching)
    return checks or [Check("I/O", "ok", "config.pbtxt matches the engine's I/O")]


def _name_checks(role: str, engine: dict[str, Any], declared: list[str]) -> list[Check]:
    checks = [Check("I/O", "problem", f"config.pbtxt {role} {name!r} is not an engine {role} (engine {role}s: "
                    f"{', '.join(engine) or 'none'})", CITE_NAMES, f"rename it to the engine's {role} or rebuild")
              for name in declared if name not in engine]
    for name in engine:
        if name not in declared:
            status = "problem" if role == "input" else "note"
            why = ("the engine cannot run with an input left unbound" if role == "input"
                   else "clients cannot request it")
            checks.append(Check("I/O", status, f"engine {role} {name!r} is missing from config.pbtxt: {why}",
                                CITE_NAMES, "rebuild so config.pbtxt is rendered from the engine again"))
    return checks


def _tensor_checks(role: str, engine: dict[str, Any], item: Any, batching: bool) -> list[Check]:
    checks = [Check("I/O", "problem", f"{role} {item.name!r}: {why}", CITE_IO_SHAPE,
                    "give dims: [1] with reshape: { shape: [ ] } only for a batched per-sample scalar; otherwise make "
                    "the engine tensor at least 1-d")
              for why in shape_rule_problems(list(item.dims), list(item.reshape.shape) if item.HasField("reshape")
                                             else None, batching)]
    declared_type = model_config_pb2.DataType.Name(item.data_type)
    if declared_type != engine.get("triton_type"):
        built = engine.get("triton_type")
        checks.append(Check("I/O", "problem", f"{role} {item.name!r}: config.pbtxt says {declared_type}, the engine "
                            f"has {built}", CITE_DTYPE, f"set data_type: {built}"))
    dims = list(item.reshape.shape) if item.HasField("reshape") else list(item.dims)
    mismatch = compare_dims(list(engine.get("shape", [])), dims, batching)
    if mismatch:
        source = "reshape.shape" if item.HasField("reshape") else "dims"
        checks.append(Check("I/O", "problem", f"{role} {item.name!r}: {mismatch} (config {source} {dims})", CITE_DIMS,
                            "rebuild so config.pbtxt is rendered from the engine again"))
    return checks


def shape_rule_problems(dims: list[int], reshape: list[int] | None, batching: bool) -> list[str]:
    """What Triton core refuses in dims/reshape before any backend sees them (ValidateIOShape)."""
    if not dims:
        return ["config.pbtxt must give non-empty dims (a scalar is dims: [1] with reshape: { shape: [ ] })"]
    if reshape is None:
        return []
    if not reshape and not batching:
        return ["an empty reshape is refused when max_batch_size is 0 (the tensor would never hold data)"]
    count, reshaped = _elements(dims), _elements(reshape)
    if count != reshaped and (reshaped != 0 or count != 1):
        return [f"dims {dims} and reshape {reshape} hold different numbers of elements"]
    return []


def _elements(shape: list[int]) -> int:
    """As core's GetElementCount: -1 when any dim is variable, 0 for an empty shape."""
    if not shape:
        return 0
    if -1 in shape:
        return -1
    total = 1
    for dim in shape:
        total *= dim
    return total


def compare_dims(engine_shape: list[int], config_dims: list[int], batching: bool) -> str | None:
    """Why the backend refuses these config dims for this engine shape, as CompareDimsSupported decides; None if fine.

    With batching the config dims are prefixed by the batch dim (-1); a -1 on either side matches anything.
    """
    if batching and not engine_shape:
        return "for the model to support batching the engine tensor needs at least 1 dimension, but it is 0-d"
    full = [-1, *config_dims] if batching else config_dims
    same_rank = len(full) == len(engine_shape)
    if same_rank and all(e == c or -1 in (e, c) for e, c in zip(engine_shape, full, strict=True)):
        return None
    batch_note = " (an initial batch dim because max_batch_size > 0, then dims)" if batching else ""
    return f"the engine expects shape {engine_shape} but config.pbtxt gives {full}{batch_note}"


def profile_checks(io: dict[str, Any], config: model_config_pb2.ModelConfig) -> list[Check]:
    """instance_group.profile against the number of optimization profiles the engine has."""
    count = max(1, int(io.get("num_profiles") or 0))  # 0 is recorded for static engines: one implicit profile
    checks = []
    listed = [p for group in config.instance_group for p in group.profile]
    for name in listed:
        if not name.strip().isdigit() or int(name) >= count:
            checks.append(Check("profiles", "problem", f"instance_group.profile {name!r} is not a profile of this "
                                f"engine: it has {count} (names \"0\" to \"{count - 1}\")", CITE_PROFILE,
                                f"list profiles as strings \"0\"..\"{count - 1}\""))
    if count > 1 and not listed:
        checks.append(Check("profiles", "note", f"the engine has {count} optimization profiles but instance_group "
                            "lists none, so only profile 0 serves", CITE_PROFILE_DEFAULT,
                            f"add profile: [{', '.join(repr(str(i)) for i in range(count))}] to instance_group"))
    return checks or [Check("profiles", "ok", f"{count} optimization profile(s); instance_group.profile "
                            f"{'lists ' + ', '.join(listed) if listed else 'uses the default'}")]


def batch_checks(record: dict[str, Any], config: model_config_pb2.ModelConfig) -> list[Check]:
    """max_batch_size against the engine's batch dim and the batch range of the profiles Triton will use."""
    io = record.get("io") or {}
    mbs = config.max_batch_size
    checks = []
    if mbs > 0:
        static = [t["name"] for t in io.get("inputs", []) + io.get("outputs", []) if t.get("shape", [-1])[:1] != [-1]]
        if static:
            checks.append(Check("batch", "problem", f"max_batch_size {mbs} needs a dynamic batch dim, but "
                                f"{', '.join(static)} have a fixed first dim", CITE_DIMS, "rebuild with a batch dim"))
        checks += _profile_batch_checks(record.get("profiles") or [], _selected(config), mbs)
    if mbs > 1 and not (config.HasField("dynamic_batching") or config.HasField("sequence_batching")):
        checks.append(Check("batch", "note", f"max_batch_size {mbs} without a scheduler: Triton's auto-complete adds "
                            "dynamic_batching {} for the TensorRT backend", CITE_AUTOFILL,
                            "start tritonserver with --disable-auto-complete-config to keep batching off"))
    built = io.get("max_batch_size")
    if built is not None and built != mbs:
        checks.append(Check("batch", "note", f"config.pbtxt max_batch_size is {mbs}, the build recorded {built}"))
    return checks or [Check("batch", "ok", f"max_batch_size {mbs}" + (" (no batching)" if mbs == 0 else ""))]


def _selected(config: model_config_pb2.ModelConfig) -> list[int]:
    listed = [int(p) for g in config.instance_group for p in g.profile if p.strip().isdigit()]
    return sorted(set(listed)) or [0]


def _profile_batch_checks(profiles: list[dict[str, Any]], selected: list[int], mbs: int) -> list[Check]:
    usable = [profiles[i] for i in selected if i < len(profiles)]
    if not usable:
        return []
    # As GetProfileMaxBatchSize: a profile serves up to the smallest max batch of its inputs.
    top = max(min(r["max"][0] for r in p.values()) for p in usable)
    low = min(max(r["min"][0] for r in p.values()) for p in usable)
    checks = []
    if mbs > top:
        checks.append(Check("batch", "problem", f"max_batch_size {mbs} exceeds the engine's largest profile batch "
                            f"{top}", CITE_BATCH, f"lower max_batch_size to {top} or rebuild with a larger range"))
    if low > 1:
        checks.append(Check("batch", "problem", f"no profile in use accepts batch 1 (smallest profile batch {low}): "
                            "single requests are refused", CITE_BATCH, "give a profile whose batch range starts at 1"))
    return checks


def plan_file_checks(config: model_config_pb2.ModelConfig, gpus: tuple[str, ...]) -> list[Check]:
    """cc_model_filenames keys in the form the backend looks up ("8.0"), and which file each target GPU gets."""
    checks = [Check("plan file", "problem", f"cc_model_filenames key {key!r} never matches: the backend looks up "
                    "\"<major>.<minor>\" such as \"8.0\"", CITE_CC_FILES, f"write the key as \"8.0\", not {key!r}")
              for key in config.cc_model_filenames if not _CC_KEY.match(key)]
    if config.cc_model_filenames and gpus:
        default = config.default_model_filename or "model.plan"
        picks = ", ".join(f"{g} -> {config.cc_model_filenames.get(cc_from_sm(g), default)}" for g in gpus)
        checks.append(Check("plan file", "note", f"plan file per target GPU: {picks}", CITE_CC_FILES))
    return checks
