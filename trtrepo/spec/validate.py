"""Every problem of a models.yaml in one pass, each with the line it is written on.

Structure comes first (the JSON schema), then the semantic rules — on every part of every model
the schema accepted, even when other parts of the same model are broken (``partial``), so fixing
four problems does not reveal six more — then the files the models name. Each problem reads
``models.yaml:14: model 'cnn': inputs[0].shape[2].opt: ...``: the line comes from the YAML
composer's marks (``yaml_source``), the field path from the rule that found it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema

from trtrepo.dtypes import ALIASES, DTYPES, parse_dtype, unknown_dtype_help
from trtrepo.spec import schema as rules
from trtrepo.spec.messages import Found, describe, key_problems, model_label, short, suggest
from trtrepo.spec.model import Dim
from trtrepo.spec.partial import guarded, without_rejected
from trtrepo.spec.yaml_source import ParsedYaml
from trtrepo.targets import target_problems


def find_problems(document: dict[str, Any], parsed: ParsedYaml | None = None,
                  spec_file: Path | None = None) -> list[str]:
    """Every problem of ``document``, in the order of the file's lines.

    With ``parsed`` (the text it was read from) each problem starts with ``NAME:LINE:``; with
    ``spec_file`` the files a model names (``depends``, ``verify.inputs``) must exist beside it.
    """
    errors = schema_errors(document)
    found = list(key_problems(document, document, []))
    found += [f for e in errors for f in describe(document, e)]
    clean = without_rejected(document, errors)
    found += list(guarded(_semantic_problems(document, clean, spec_file.parent if spec_file else None)))
    if parsed is None or spec_file is None:
        return [f.text for f in found]
    located = [(parsed.line(f.path) if f.path else None, f.text) for f in found]
    located.sort(key=lambda item: item[0] or 0)  # stable: the problems of one line keep their order
    return [f"{spec_file.name}:{line}: {text}" if line else text for line, text in located]


def schema_errors(document: dict[str, Any]) -> list[jsonschema.ValidationError]:
    """The JSON schema's violations, ordered by their path."""
    validator = rules.VALIDATOR(rules.SCHEMA)
    return sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))


def merge_defaults(defaults: dict[str, Any], model: dict[str, Any]) -> dict[str, Any]:
    """A model's settings over the defaults; mappings (build, tolerance, ...) merge key by key."""
    merged = {**defaults, **model}
    for key, value in defaults.items():
        if isinstance(value, dict) and isinstance(model.get(key), dict):
            merged[key] = {**value, **model[key]}
    return merged


def _semantic_problems(document: dict[str, Any], clean: dict[str, Any], base_dir: Path | None) -> Iterator[Found]:
    defaults = clean.get("defaults", {})
    for index, model in enumerate(clean["models"]):
        yield from guarded(_one_model(document, index, defaults, model, base_dir))
    seen: dict[str, int] = {}
    for index, model in enumerate(clean["models"]):
        yield from guarded(_duplicate_name(document, index, model, seen))


def _one_model(document: dict[str, Any], index: int, defaults: dict[str, Any], model: dict[str, Any],
               base_dir: Path | None) -> Iterator[Found]:
    label = model_label(document, index)
    for field, message in model_problems(merge_defaults(defaults, model), base_dir):
        yield Found(f"{label}: {field}: {message}", _document_path(document, index, field))


def _duplicate_name(document: dict[str, Any], index: int, model: dict[str, Any],
                    seen: dict[str, int]) -> Iterator[Found]:
    name, label, path = model["name"], model_label(document, index), ("models", index, "name")
    first = seen.setdefault(name.casefold(), index)
    if first == index:
        return
    if document["models"][first]["name"] == name:
        yield Found(f"{label}: name: duplicate of models[{first}]", path)
    else:
        yield Found(f"{label}: name: differs from models[{first}] ({document['models'][first]['name']!r}) only in "
                    "letter case: their folders would be one on case-insensitive file systems", path)


def model_problems(model: dict[str, Any], base_dir: Path | None = None) -> Iterator[rules.Problem]:
    """The semantic problems of one merged model, each rule run on whatever parts it can judge."""
    checks: list[Callable[[], Iterable[rules.Problem]]] = [
        lambda: _name_and_source(model), lambda: _tensors(model, "inputs"), lambda: _tensors(model, "outputs"),
        lambda: rules.batch_problems(model, model.get("max_batch_size", 0)),
        lambda: rules.profile_problems(model, declared_ranges(model)), lambda: _shared_dim_problems(model),
        lambda: target_problems(model.get("target")), lambda: rules.serving_problems(model),
        lambda: _batching_problems(model)]
    if base_dir is not None:
        checks.append(lambda: _file_problems(model, base_dir))
    for check in checks:
        yield from guarded(_lazily(check))


def _lazily(check: Callable[[], Iterable[rules.Problem]]) -> Iterator[rules.Problem]:
    yield from check()  # a rule that reads a rejected part while starting is ended by guarded too


def _name_and_source(model: dict[str, Any]) -> Iterator[rules.Problem]:
    if (why := rules.name_problem(model["name"])) is not None:
        yield "name", why
    if (why := rules.source_problem(model["source"])) is not None:
        yield "source", why


def _tensors(model: dict[str, Any], kind: str) -> Iterator[rules.Problem]:
    names: set[str] = set()
    for i, tensor in enumerate(model.get(kind, ())):
        path = f"{kind}[{i}]"
        yield from guarded(_tensor_name(tensor, path, kind, names))
        yield from guarded(_tensor_dtype(tensor, path))
        for j, dim in enumerate(tensor.get("shape", [])):
            yield from guarded(rules.dim_problems(dim, f"{path}.shape[{j}]"))
        yield from guarded(rules.range_problems(tensor, path))


def _tensor_name(tensor: dict[str, Any], path: str, kind: str, names: set[str]) -> Iterator[rules.Problem]:
    if (why := rules.name_problem(tensor["name"])) is not None:
        yield path + ".name", why
    if tensor["name"] in names:
        yield path + ".name", f"duplicate {kind[:-1]} name {tensor['name']!r}"
    names.add(tensor["name"])


def _tensor_dtype(tensor: dict[str, Any], path: str) -> Iterator[rules.Problem]:
    if "dtype" in tensor and parse_dtype(tensor["dtype"]) is None:
        spelled = tensor["dtype"]
        yield (path + ".dtype", f"unknown dtype {short(spelled)}{suggest(spelled, [*DTYPES, *ALIASES])}: "
                                f"{unknown_dtype_help(spelled)}")


def _batching_problems(model: dict[str, Any]) -> Iterator[rules.Problem]:
    mbs = model.get("max_batch_size", 0)
    batching = model.get("dynamic_batching")
    if batching and not mbs:
        yield "dynamic_batching", "needs max_batch_size > 0"
    if isinstance(batching, dict):
        for size in batching.get("preferred_batch_size", []):
            if size > mbs:
                yield "dynamic_batching.preferred_batch_size", f"{size} exceeds max_batch_size ({mbs})"


def _file_problems(model: dict[str, Any], base_dir: Path) -> Iterator[rules.Problem]:
    """``depends`` and ``verify.inputs`` files exist, relative to the folder of models.yaml."""
    for i, entry in enumerate(model.get("depends", ())):
        yield from guarded(_depends_problem(base_dir, f"depends[{i}]", entry))
    entries = model.get("verify", {}).get("inputs", ())
    single = isinstance(entries, str)
    for i, entry in enumerate([entries] if single else entries):
        yield from guarded(_sample_file_problem(base_dir, "verify.inputs" if single else f"verify.inputs[{i}]", entry))


def _depends_problem(base_dir: Path, path: str, entry: str) -> Iterator[rules.Problem]:
    if not (base_dir / entry).exists():
        yield path, f"{short(entry)} does not exist {_relative_to(base_dir)}"


def _sample_file_problem(base_dir: Path, path: str, entry: str) -> Iterator[rules.Problem]:
    if not entry.endswith((".npz", ".npy")):
        if rules.source_problem(entry) is not None:
            yield path, f"{short(entry)} is neither a .npz/.npy file nor a package.module:callable yielding samples"
    elif not (base_dir / entry).is_file():
        yield path, f"{short(entry)} does not exist {_relative_to(base_dir)}"


def _relative_to(base_dir: Path) -> str:
    return f"(paths are relative to the folder of models.yaml, {base_dir})"


def declared_ranges(model: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    """Dynamic-dim name -> (min, max, multiple_of) as the inputs declare them (names as ``to_dim`` gives)."""
    ranges = {}
    for tensor in model.get("inputs", []):
        for index, raw in enumerate(tensor.get("shape", [])):
            dim = to_dim(raw, tensor["name"], index, model.get("max_batch_size", 0))
            if dim.is_dynamic and dim.name:
                ranges[dim.name] = (dim.min, dim.max, dim.multiple_of)
    return ranges


def _shared_dim_problems(model: dict[str, Any]) -> Iterator[rules.Problem]:
    """Dims sharing a name are one size: they must agree on their range and multiple."""
    first: dict[str, tuple[str, Dim]] = {}
    for i, tensor in enumerate(model.get("inputs", [])):
        for j, raw in enumerate(tensor.get("shape", [])):
            dim = to_dim(raw, tensor["name"], j, model.get("max_batch_size", 0))
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


def to_dim(raw: Any, input_name: str, index: int, max_batch_size: int) -> Dim:
    """The Dim a models.yaml dimension declares (``batch``, a size, or a range)."""
    if raw == "batch":
        return Dim(1, max_batch_size, max_batch_size, "batch")
    if isinstance(raw, int):
        return Dim(raw, raw, raw)
    lo, hi = raw["min"], raw["max"]
    name = raw.get("name") or ("batch" if index == 0 and max_batch_size else f"{input_name}_dim{index}")
    return Dim(lo, raw.get("opt", hi), hi, name if lo != hi else None, raw.get("multiple_of", 1))


_FIELD_PART = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def _document_path(document: dict[str, Any], index: int, field: str) -> tuple[Any, ...]:
    """Where ``field`` (``inputs[0].shape[2].opt``) of model ``index`` is written: in the model,
    or in ``defaults`` when the model takes the value from there."""
    parts: list[Any] = [int(i) if i else key for i, key in _FIELD_PART.findall(field)]
    model = document["models"][index]
    defaults = document.get("defaults")
    if isinstance(model, dict) and parts and parts[0] not in model and isinstance(defaults, dict) \
            and parts[0] in defaults:
        return ("defaults", *_walk(defaults, parts))
    return ("models", index, *_walk(model, parts))


def _walk(tree: Any, parts: list[Any]) -> list[Any]:
    """The longest prefix of ``parts`` that names values in ``tree``; a key may hold dots
    (``aten._softmax.default``), so consecutive parts are joined back when that names a key."""
    path: list[Any] = []
    k = 0
    while k < len(parts):
        if isinstance(tree, list) and isinstance(parts[k], int) and parts[k] < len(tree):
            path.append(parts[k])
            tree, k = tree[parts[k]], k + 1
            continue
        key = next((".".join(map(str, parts[k:j])) for j in range(k + 1, len(parts) + 1)
                    if isinstance(tree, dict) and all(isinstance(p, str) for p in parts[k:j])
                    and ".".join(parts[k:j]) in tree), None)
        if key is None:
            break
        path.append(key)
        tree, k = tree[key], k + key.count(".") + 1
    return path
