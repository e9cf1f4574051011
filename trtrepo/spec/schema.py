"""The models.yaml JSON Schema and the semantic rules no schema can express.

Structure (types, required and unknown keys, enums) is checked by ``jsonschema`` — a standard,
well-kept validator that reports the exact path of every violation, which hand-written checks would
only approximate. Rules that relate fields to each other (dims, batch, names) are pure predicates
below, each returning the problems it finds as ``(field path, message)`` pairs.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

import jsonschema

from trtrepo.spec.coverage import coverage_problems

PRECISIONS = ["fp32", "fp16", "bf16"]
# Engine precisions: the float ones, and post-training quantization (trtrepo.quantize) to INT8 or FP8.
ENGINE_PRECISIONS = [*PRECISIONS, "int8", "fp8"]
INT32_MAX = 2**31 - 1  # Triton's config fields (batch sizes, counts, dims) are 32-bit
INT64_MAX = 2**63 - 1

_POSITIVE_INT = {"type": "integer", "minimum": 1, "maximum": INT32_MAX}
_COUNT = {"type": "integer", "minimum": 0, "maximum": INT32_MAX}
_IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
_CAPABILITY = r"^SM[0-9]+$"
PATTERN_HELP = {_IDENTIFIER: "letters, digits and '_', not starting with a digit",
                _CAPABILITY: "SM followed by digits, e.g. SM89"}
_DIM = {
    "oneOf": [
        _POSITIVE_INT,
        {"type": "string", "enum": ["batch"]},
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["min", "max"],
            "properties": {
                "min": _POSITIVE_INT,
                "opt": _POSITIVE_INT,
                "max": _POSITIVE_INT,
                "name": {"type": "string", "pattern": _IDENTIFIER},
                # sizes torch.export can only express as k * multiple_of (a derived Dim)
                "multiple_of": _POSITIVE_INT,
            },
        },
    ]
}
_TOLERANCE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"atol": {"type": "number", "minimum": 0}, "rtol": {"type": "number", "minimum": 0},
                   # least cosine similarity (quantized engines' policy states one)
                   "cosine": {"type": "number", "minimum": -1, "maximum": 1}},
}
_QUANTIZATION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        # op kinds whose inputs and weights are quantized; the rest stays in float
        "ops": {"type": "array", "minItems": 1, "uniqueItems": True,
                "items": {"type": "string", "enum": ["conv", "linear", "matmul"]}},
        "activations": {"type": "string", "enum": ["per_tensor"]},
        "weights": {"type": "string", "enum": ["per_tensor", "per_channel"]},
        # max: absolute maximum; histogram: PT2E's HistogramObserver (range minimising L2 error)
        "method": {"type": "string", "enum": ["max", "histogram"]},
        "calibration": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "samples": _POSITIVE_INT,
                # .npz/.npy files or a `package.module:callable`, as verify.inputs takes them
                "inputs": {"oneOf": [{"type": "string", "minLength": 1},
                                     {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}]},
                "seed": {"type": "integer", "minimum": 0, "maximum": INT32_MAX},
            },
        },
    },
}
_INPUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "dtype", "shape"],
    "properties": {
        "name": {"type": "string"},
        "dtype": {"type": "string"},
        "shape": {"type": "array", "items": _DIM},
        "range": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
    },
}
_OUTPUT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"name": {"type": "string"}, "dtype": {"type": "string"}, "tolerance": _TOLERANCE},
}
_DYNAMIC_BATCHING = {
    "oneOf": [
        {"type": "boolean"},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "max_queue_delay_microseconds": {"type": "integer", "minimum": 0, "maximum": INT64_MAX},
                "preferred_batch_size": {"type": "array", "items": _POSITIVE_INT},
            },
        },
    ]
}
_BUILD = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "workspace_mb": _POSITIVE_INT,
        "optimization_level": {"type": "integer", "minimum": 0, "maximum": 5},
        "hardware_compatibility": {"type": "string", "enum": ["none", "ampere_plus", "same_compute_capability"]},
        "version_compatible": {"type": "boolean"},
        "timing_cache": {"type": "boolean"},
        "max_aux_streams": _COUNT,
        "compute_capabilities": {"type": "array", "items": {"type": "string", "pattern": _CAPABILITY}},
    },
}
_GPU_NAME = r"^(sm_?[0-9]{2,3}|[0-9]+\.[0-9])$"
PATTERN_HELP[_GPU_NAME] = "a GPU architecture such as sm_80, sm80 or 8.0"
_INSTANCE_GROUP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["count"],
    "properties": {"count": _POSITIVE_INT,
                   "gpus": {"type": "array", "minItems": 1, "items": {"type": "integer", "minimum": 0,
                                                                      "maximum": INT32_MAX}}},
}
_WARMUP = {
    "oneOf": [
        {"type": "boolean"},
        {"type": "object", "additionalProperties": False,
         "properties": {"data": {"type": "string", "enum": ["random", "zero", "samples"]}, "count": _POSITIVE_INT}},
    ]
}
# Settings allowed both in `defaults` and per model; a model's own value wins.
SHARED_SETTINGS: dict[str, Any] = {
    "precision": {"type": "string", "enum": ENGINE_PRECISIONS},
    # post-training quantization settings for precision int8/fp8 (trtrepo.quantize.settings)
    "quantization": _QUANTIZATION,
    "max_batch_size": _COUNT,
    "dynamic_batching": _DYNAMIC_BATCHING,
    "instance_count": _POSITIVE_INT,
    "version": {"type": "integer", "minimum": 1, "maximum": INT64_MAX},  # a folder name; Triton reads int64
    "tolerance": _TOLERANCE,
    # precision overrides for low-precision engines: {"aten._softmax.default": fp16}, {"linear_3": fp32}
    "op_precision": {"type": "object", "additionalProperties": {"type": "string", "enum": PRECISIONS}},
    "node_precision": {"type": "object", "additionalProperties": {"type": "string", "enum": PRECISIONS}},
    "build": _BUILD,
    # replace: rebuild into `version`; increment: publish as a new version after the newest one
    "version_policy": {"type": "string", "enum": ["replace", "increment"]},
    "keep_versions": _POSITIVE_INT,
    # where the plan will be served ("proof", or {triton|tensorrt, gpus}): trtrepo.targets validates it
    "target": {},
    # one Triton instance group per entry (count instances on the listed GPUs)
    "instance_groups": {"type": "array", "minItems": 1, "items": _INSTANCE_GROUP},
    # model_warmup at the min/opt/max shapes of every profile
    "warmup": _WARMUP,
    # optimization.cuda.graphs, with a graph_spec per profile shape point
    "cuda_graphs": {"type": "boolean"},
    "response_cache": {"type": "boolean"},
    "priority": {"type": "string", "enum": ["default", "max", "min"]},
}
_PROFILE_RANGE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["min", "max"],
    "properties": {"min": _POSITIVE_INT, "opt": _POSITIVE_INT, "max": _POSITIVE_INT},
}
# Several optimization profiles: each maps dynamic-dim names to a sub-range of their declared range.
_PROFILES = {"type": "array", "minItems": 1,
             "items": {"type": "object", "minProperties": 1, "additionalProperties": _PROFILE_RANGE}}
_VERIFY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        # .npz/.npy files (one sample each) or a `package.module:callable` yielding input dicts
        "inputs": {"oneOf": [{"type": "string", "minLength": 1},
                             {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}]},
        "samples": _POSITIVE_INT,
    },
}
MODEL_KEYS: dict[str, Any] = {
    "name": {"type": "string"},
    "source": {"type": "string", "minLength": 1},
    "args": {"type": "object"},
    "inputs": {"type": "array", "minItems": 1, "items": _INPUT},
    "outputs": {"type": "array", "minItems": 1, "items": _OUTPUT},
    "verify": _VERIFY,
    "profiles": _PROFILES,
    # files or folders (relative to models.yaml) whose change means "rebuild", e.g. a checkpoint
    "depends": {"type": "array", "items": {"type": "string", "minLength": 1}},
    **SHARED_SETTINGS,
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["models"],
    "properties": {
        "defaults": {"type": "object", "additionalProperties": False, "properties": SHARED_SETTINGS},
        "models": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "source", "inputs"],
                "properties": MODEL_KEYS,
            },
        },
    },
}

Problem = tuple[str, str]  # (field path, message)

VALIDATOR = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine_many({
        # YAML reads `8.0` as a float, which JSON Schema would accept as an integer, and trtrepo
        # would then compute shapes with floats; a number must also be finite (`.nan`, `.inf`).
        "integer": lambda _, value: isinstance(value, int) and not isinstance(value, bool),
        "number": lambda _, value: (isinstance(value, (int, float)) and not isinstance(value, bool)
                                    and math.isfinite(value)),
    }),
)

# Triton model and tensor names become directory names and protobuf strings: keep them to a
# portable, unambiguous alphabet so no name can escape the repository or look like another.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")


def name_problem(name: str) -> str | None:
    """Why ``name`` is unsafe as a model or tensor name, or None when it is fine."""
    allowed = "names may only use ASCII letters, digits, '_', '-' and '.'"
    if not name:
        return "must not be empty"
    hidden = next((c for c in name if unicodedata.category(c).startswith("C")), None)
    if hidden is not None:
        return f"must not contain control or invisible characters (found {_describe_char(hidden)})"
    if "/" in name or "\\" in name or ".." in name:
        return "must not contain path separators or '..'"
    if name.startswith((".", "-")):
        return f"must not start with {name[0]!r}"
    if len(name) > 128:
        return f"must be at most 128 characters (has {len(name)})"
    if _SAFE_NAME.match(name):
        return None
    bad = next(c for c in name if not _SAFE_CHAR.match(c))
    if ord(bad) > 127:
        return f"contains {_describe_char(bad)}, which is not ASCII even if it looks like it; {allowed}"
    return f"contains {bad!r}; {allowed}"


def _describe_char(char: str) -> str:
    return f"{char!r} (U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')})"


_SAFE_CHAR = re.compile(r"[A-Za-z0-9_.\-]")


def source_problem(source: str) -> str | None:
    """Why ``source`` is neither ``package.module:attribute.path`` nor a ``.pt2`` file, or None.

    The attribute path may be dotted (``transformers:AutoModel.from_pretrained``): a classmethod
    factory is called like a function.
    """
    if source.endswith(".pt2"):
        return None
    module, sep, attr = source.partition(":")
    if sep and all(p.isidentifier() for p in attr.split(".")) and all(p.isidentifier() for p in module.split(".")):
        return None
    return (f"must be 'package.module:callable' or a '.pt2' file (got {source!r}); the callable may be a "
            "dotted path, such as transformers:AutoModel.from_pretrained")


def dim_problems(dim: Any, path: str, multiple_of: int = 1) -> Iterator[Problem]:
    """Impossible dynamic ranges: min > max, opt outside [min, max], a bound not a multiple."""
    if not isinstance(dim, dict):
        return
    lo, hi, opt = dim["min"], dim["max"], dim.get("opt")
    multiple_of = dim.get("multiple_of", multiple_of)
    if lo > hi:
        yield path, f"min ({lo}) must not exceed max ({hi})"
    if opt is not None and not lo <= opt <= hi:
        yield path + ".opt", f"opt ({opt}) must lie within [min, max] = [{lo}, {hi}]"
    for key in ("min", "opt", "max"):
        if key in dim and dim[key] % multiple_of:
            yield f"{path}.{key}", f"{key} ({dim[key]}) must be a multiple of multiple_of ({multiple_of})"


def batch_problems(model: dict[str, Any], max_batch_size: int) -> Iterator[Problem]:
    """With batching, dim 0 of every input is the batch dim, from 1 up to at least max_batch_size."""
    for i, tensor in enumerate(model.get("inputs", [])):
        shape = tensor.get("shape", [])
        path = f"inputs[{i}].shape"
        has_batch_token = any(d == "batch" for d in shape[1:])
        if has_batch_token:
            yield path, "'batch' may only be the first dimension"
        if max_batch_size == 0:
            if shape and shape[0] == "batch":
                yield path + "[0]", "'batch' needs max_batch_size > 0"
            continue
        if not shape:
            yield path, "with max_batch_size > 0 the first dimension must be the batch dimension"
            continue
        first = shape[0]
        if first == "batch":
            continue
        if not isinstance(first, dict):
            yield path + "[0]", (
                f"with max_batch_size = {max_batch_size} the first dimension is the batch "
                "dimension: write 'batch' or a {min: 1, max: ...} range"
            )
            continue
        if first["min"] != 1:
            yield path + "[0].min", "the batch dimension must start at 1 (Triton sends any batch size)"
        if first["max"] < max_batch_size:
            yield path + "[0].max", (
                f"profile max batch ({first['max']}) is below max_batch_size ({max_batch_size}): "
                "Triton would send batches the engine cannot take"
            )


def range_problems(tensor: dict[str, Any], path: str) -> Iterator[Problem]:
    """A value range must be ordered."""
    value_range = tensor.get("range")
    if value_range is not None and value_range[0] > value_range[1]:
        yield path + ".range", f"low ({value_range[0]}) must not exceed high ({value_range[1]})"


def profile_problems(model: dict[str, Any], declared: dict[str, tuple[int, int, int]]) -> Iterator[Problem]:
    """Profiles must name declared dynamic dims, stay inside their ranges, and together cover every
    size the declared ranges allow (each profile covers a box in the space of the dynamic dims)."""
    profiles = model.get("profiles")
    if not profiles:
        return
    for index, profile in enumerate(profiles):
        for name, rng in profile.items():
            path = f"profiles[{index}].{name}"
            if name not in declared:
                known = ", ".join(sorted(declared)) or "none"
                yield path, f"no dynamic dimension is named {name!r} (known: {known}){_closest(name, declared)}"
                continue
            lo, hi, multiple_of = declared[name]
            yield from dim_problems(rng, path, multiple_of)
            if not lo <= rng["min"] <= rng["max"] <= hi:
                yield path, f"range {rng['min']}..{rng['max']} leaves the declared range {lo}..{hi}"
    yield from coverage_problems(profiles, declared, model.get("max_batch_size", 0))


def _closest(name: str, declared: dict[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(declared), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def serving_problems(model: dict[str, Any]) -> Iterator[Problem]:
    """Serving options that contradict each other or what they need."""
    if "instance_groups" in model and "instance_count" in model:
        yield "instance_groups", "give instance_count or instance_groups, not both"
    warmup = model.get("warmup")
    if isinstance(warmup, dict) and warmup.get("data") == "samples":
        files = model.get("verify", {}).get("inputs", [])
        files = [files] if isinstance(files, str) else files
        if not files or not all(str(f).endswith((".npz", ".npy")) for f in files):
            yield "warmup.data", "'samples' warms up with verify.inputs, which must then list .npz/.npy files"
