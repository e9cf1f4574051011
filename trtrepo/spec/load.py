"""models.yaml: load, validate up front, and turn into frozen model specifications.

Everything wrong with a file is reported at once, each problem naming the file, the model and the
field path, before anything is built or written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from trtrepo.dtypes import DTYPES, parse_dtype
from trtrepo.errors import SpecError
from trtrepo.spec import schema as rules
from trtrepo.spec.messages import describe, key_problems, model_label, suggest
from trtrepo.spec.model import Dim, DynamicBatching, InstanceGroup, ModelSpec, Serving, TensorSpec
from trtrepo.spec.yaml_source import YamlProblem, load_yaml
from trtrepo.targets import target_problems


@dataclass(frozen=True)
class Project:
    """A whole models.yaml."""

    file: Path
    models: tuple[ModelSpec, ...]

    def select(self, names: tuple[str, ...] | list[str]) -> tuple[ModelSpec, ...]:
        """The models named (all when ``names`` is empty); unknown names are a SpecError."""
        if not names:
            return self.models
        known = {m.name: m for m in self.models}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SpecError(str(self.file), [f"no model named {n!r}{suggest(n, known)}" for n in unknown])
        return tuple(known[n] for n in names)


def load_project(path: str | Path) -> Project:
    """Read and validate a models.yaml; raise SpecError listing every problem found."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(str(file), [f"cannot read file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise SpecError(str(file), ["file is not UTF-8 text"]) from None
    try:
        document = load_yaml(text)
    except YamlProblem as exc:
        raise SpecError(str(file), [str(exc)]) from None
    if not isinstance(document, dict):
        raise SpecError(str(file), ["top level must be a mapping with a 'models' list"])
    schema_errors = _schema_errors(document)
    problems = list(key_problems(document, document, []))
    problems += [p for e in schema_errors for p in describe(document, e)]
    problems += list(_semantic_problems(document, _broken_models(schema_errors)))
    if problems:
        raise SpecError(str(file), problems)
    defaults = document.get("defaults", {})
    models = tuple(_model_spec(file, merge_defaults(defaults, model)) for model in document["models"])
    return Project(file=file.resolve(), models=models)


def merge_defaults(defaults: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    """A model's settings over the defaults; mappings (build, tolerance, ...) merge key by key."""
    merged = {**defaults, **model}
    for key, value in defaults.items():
        if isinstance(value, dict) and isinstance(model.get(key), dict):
            merged[key] = {**value, **model[key]}
    return merged


def _schema_errors(document: dict[str, Any]) -> list[jsonschema.ValidationError]:
    validator = rules.VALIDATOR(rules.SCHEMA)
    return sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))


def _broken_models(errors: list[jsonschema.ValidationError]) -> set[int] | None:
    """Indexes of models with schema errors; None when the file's skeleton itself is broken.

    Semantic rules assume a well-formed model, so they run only on models the schema accepted,
    and the user still sees every problem of every other model in one go.
    """
    broken: set[int] = set()
    for error in errors:
        path = list(error.absolute_path)
        if len(path) >= 2 and path[0] == "models" and isinstance(path[1], int):
            broken.add(path[1])
        else:
            return None
    return broken


def _semantic_problems(document: dict[str, Any], broken: set[int] | None) -> Iterator[str]:
    if broken is None:
        return
    defaults = document.get("defaults", {})
    seen: dict[str, int] = {}
    for index, model in enumerate(document["models"]):
        if index in broken:
            continue
        merged = merge_defaults(defaults, model)
        for path, message in _model_problems(merged):
            yield f"{model_label(document, index)}: {path}: {message}"
        name = model["name"]
        first = seen.get(name.casefold())
        if first is not None and document["models"][first]["name"] == name:
            yield f"{model_label(document, index)}: name: duplicate of models[{first}]"
        elif first is not None:
            yield (f"{model_label(document, index)}: name: differs from models[{first}] "
                   f"({document['models'][first]['name']!r}) only in letter case: their folders would be "
                   "one on case-insensitive file systems")
        seen.setdefault(name.casefold(), index)


def _model_problems(model: dict[str, Any]) -> Iterator[rules.Problem]:
    if (why := rules.name_problem(model["name"])) is not None:
        yield "name", why
    if (why := rules.source_problem(model["source"])) is not None:
        yield "source", why
    for kind in ("inputs", "outputs"):
        names: set[str] = set()
        for i, tensor in enumerate(model.get(kind, ())):
            path = f"{kind}[{i}]"
            if (why := rules.name_problem(tensor["name"])) is not None:
                yield path + ".name", why
            if tensor["name"] in names:
                yield path + ".name", f"duplicate {kind[:-1]} name {tensor['name']!r}"
            names.add(tensor["name"])
            if "dtype" in tensor and parse_dtype(tensor["dtype"]) is None:
                yield path + ".dtype", f"unknown dtype {tensor['dtype']!r}{suggest(tensor['dtype'], DTYPES)}"
            for j, dim in enumerate(tensor.get("shape", [])):
                yield from rules.dim_problems(dim, f"{path}.shape[{j}]")
            yield from rules.range_problems(tensor, path)
    yield from rules.batch_problems(model, model.get("max_batch_size", 0))
    yield from rules.profile_problems(model, _declared_ranges(model))
    yield from _shared_dim_problems(model)
    yield from target_problems(model.get("target"))
    yield from rules.serving_problems(model)
    if model.get("dynamic_batching") and not model.get("max_batch_size", 0):
        yield "dynamic_batching", "needs max_batch_size > 0"
    mbs = model.get("max_batch_size", 0)
    batching = model.get("dynamic_batching")
    if isinstance(batching, dict):
        for size in batching.get("preferred_batch_size", []):
            if size > mbs:
                yield "dynamic_batching.preferred_batch_size", f"{size} exceeds max_batch_size ({mbs})"


def _declared_ranges(model: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    """Dynamic-dim name -> (min, max, multiple_of) as the inputs declare them (names as _dim gives)."""
    ranges = {}
    for tensor in model.get("inputs", []):
        for index, raw in enumerate(tensor.get("shape", [])):
            dim = _dim(raw, tensor["name"], index, model.get("max_batch_size", 0))
            if dim.is_dynamic and dim.name:
                ranges[dim.name] = (dim.min, dim.max, dim.multiple_of)
    return ranges


def _shared_dim_problems(model: dict[str, Any]) -> Iterator[rules.Problem]:
    """Dims sharing a name are one size: they must agree on their range and multiple."""
    first: dict[str, tuple[str, Dim]] = {}
    for i, tensor in enumerate(model.get("inputs", [])):
        for j, raw in enumerate(tensor.get("shape", [])):
            dim = _dim(raw, tensor["name"], j, model.get("max_batch_size", 0))
            if not dim.is_dynamic or not dim.name:
                continue
            path = f"inputs[{i}].shape[{j}]"
            seen = first.setdefault(dim.name, (path, dim))
            other = seen[1]
            if (other.min, other.max, other.multiple_of) != (dim.min, dim.max, dim.multiple_of):
                yield path, (f"shares the name {dim.name!r} with {seen[0]} but not its range: "
                             f"{_range_text(dim)} here, {_range_text(other)} there (dims with one name are one size)")


def _range_text(dim: Dim) -> str:
    step = f" multiple_of {dim.multiple_of}" if dim.multiple_of > 1 else ""
    return f"{dim.min}..{dim.max}{step}"


def _dim(raw: Any, input_name: str, index: int, max_batch_size: int) -> Dim:
    if raw == "batch":
        return Dim(1, max_batch_size, max_batch_size, "batch")
    if isinstance(raw, int):
        return Dim(raw, raw, raw)
    lo, hi = raw["min"], raw["max"]
    name = raw.get("name") or ("batch" if index == 0 and max_batch_size else f"{input_name}_dim{index}")
    return Dim(lo, raw.get("opt", hi), hi, name if lo != hi else None, raw.get("multiple_of", 1))


def _model_spec(file: Path, model: dict[str, Any]) -> ModelSpec:
    mbs = model.get("max_batch_size", 0)
    multiples = {name: step for name, (_, _, step) in _declared_ranges(model).items()}
    inputs = tuple(
        TensorSpec(
            name=t["name"],
            dtype=parse_dtype(t["dtype"]),
            shape=tuple(_dim(d, t["name"], i, mbs) for i, d in enumerate(t["shape"])),
            value_range=tuple(t["range"]) if "range" in t else None,  # type: ignore[arg-type]
        )
        for t in model["inputs"]
    )
    outputs = tuple(  # none declared: named after the model's result when it is captured
        TensorSpec(name=t["name"], dtype=parse_dtype(t["dtype"]) if "dtype" in t else None,
                   tolerance=dict(t.get("tolerance", {})))
        for t in model.get("outputs", ())
    )
    batching = model.get("dynamic_batching")
    dynamic_batching = None
    if batching:
        settings = batching if isinstance(batching, dict) else {}
        dynamic_batching = DynamicBatching(
            max_queue_delay_microseconds=settings.get("max_queue_delay_microseconds", 0),
            preferred_batch_size=tuple(settings.get("preferred_batch_size", ())),
        )
    return ModelSpec(
        name=model["name"], source=model["source"], spec_file=file.resolve(), inputs=inputs,
        outputs=outputs, args=dict(model.get("args", {})), precision=model.get("precision", "fp32"),
        max_batch_size=mbs, dynamic_batching=dynamic_batching,
        instance_count=model.get("instance_count", 1), version=model.get("version", 1),
        tolerance=dict(model.get("tolerance", {})), raw=model,
        op_precision=dict(model.get("op_precision", {})), node_precision=dict(model.get("node_precision", {})),
        build=dict(model.get("build", {})), version_policy=model.get("version_policy", "replace"),
        keep_versions=model.get("keep_versions", 1), depends=tuple(model.get("depends", ())),
        profiles=tuple({name: Dim(r["min"], r.get("opt", r["max"]), r["max"], name, multiples.get(name, 1))
                        for name, r in p.items()} for p in model.get("profiles", ())),
        verify_inputs=_as_tuple(model.get("verify", {}).get("inputs", ())),
        verify_samples=model.get("verify", {}).get("samples"),
        serving=_serving(model),
        target=model.get("target"),
    )


def _serving(model: dict[str, Any]) -> Serving:
    groups = tuple(InstanceGroup(g["count"], tuple(g.get("gpus", ()))) for g in model.get("instance_groups", ()))
    warmup = model.get("warmup", False)
    settings = warmup if isinstance(warmup, dict) else {}
    return Serving(instance_groups=groups or (InstanceGroup(model.get("instance_count", 1)),),
                   warmup=settings.get("data", "random") if warmup else None, warmup_count=settings.get("count", 1),
                   cuda_graphs=model.get("cuda_graphs", False), response_cache=model.get("response_cache", False),
                   priority=model.get("priority", "default"))


def _as_tuple(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def model_spec_from_record(spec_file: str | Path, raw: dict[str, Any]) -> ModelSpec:
    """Rebuild a ModelSpec from the merged mapping a build record stores (validated again)."""
    file = Path(spec_file)
    problems = [p for e in _schema_errors({"models": [raw]}) for p in describe({"models": [raw]}, e)]
    problems += list(_semantic_problems({"models": [raw]}, set()))
    if problems:
        raise SpecError(f"{file} (as recorded)", problems)
    return _model_spec(file, raw)
