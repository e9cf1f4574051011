"""models.yaml: load, validate up front, and turn into frozen model specifications.

Everything wrong with a file is reported at once (``validate``), each problem naming the file and
line, the model and the field path, before anything is built or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trtrepo.dtypes import parse_dtype
from trtrepo.errors import SpecError
from trtrepo.spec.messages import suggest
from trtrepo.spec.model import Dim, DynamicBatching, InstanceGroup, ModelSpec, Serving, TensorSpec
from trtrepo.spec.validate import declared_ranges, find_problems, merge_defaults, to_dim
from trtrepo.spec.yaml_source import YamlProblem, parse_yaml


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
    """Read and validate a models.yaml; raise SpecError listing every problem found, each with its line."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(str(file), [f"cannot read file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise SpecError(str(file), ["file is not UTF-8 text"]) from None
    try:
        parsed = parse_yaml(text)
    except YamlProblem as exc:
        raise SpecError(str(file), [str(exc)]) from None
    document = parsed.data
    if not isinstance(document, dict):
        raise SpecError(str(file), ["top level must be a mapping with a 'models' list"])
    problems = find_problems(document, parsed, file)
    if problems:
        raise SpecError(str(file), problems)
    defaults = document.get("defaults", {})
    models = tuple(_model_spec(file, merge_defaults(defaults, model)) for model in document["models"])
    return Project(file=file.resolve(), models=models)


def _model_spec(file: Path, model: dict[str, Any]) -> ModelSpec:
    mbs = model.get("max_batch_size", 0)
    multiples = {name: step for name, (_, _, step) in declared_ranges(model).items()}
    inputs = tuple(
        TensorSpec(
            name=t["name"],
            dtype=parse_dtype(t["dtype"]),
            shape=tuple(to_dim(d, t["name"], i, mbs) for i, d in enumerate(t["shape"])),
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
    problems = find_problems({"models": [raw]})
    if problems:
        raise SpecError(f"{file} (as recorded)", problems)
    return _model_spec(file, raw)
