"""Input samples for verify: generated across the dynamic range, or supplied by the user.

Generated samples hit the min, opt and max shape points and then seeded random shapes in between
(dims that share a name stay equal); integer inputs stay within their declared value range.
User samples come from .npz/.npy files (one sample per file) or a ``package.module:callable`` that
yields ``{input name: array}`` dicts.
"""

from __future__ import annotations

import importlib
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trtrepo.capture import importable_from, random_tensor
from trtrepo.dtypes import from_numpy
from trtrepo.errors import SourceError
from trtrepo.spec import ModelSpec

Sample = tuple[str, dict[str, torch.Tensor]]  # (label, inputs by name)


def generated_samples(spec: ModelSpec, count: int, seed: int = 0) -> list[Sample]:
    """``count`` samples: min, opt, max, then random shapes within every range."""
    rng = random.Random(seed)
    samples: list[Sample] = []
    for index in range(count):
        point = ("min", "opt", "max")[index] if index < 3 else None
        sizes: dict[str, int] = {}
        generator = torch.Generator().manual_seed(seed * 1000 + index)
        tensors = {}
        for tensor in spec.inputs:
            shape = []
            for dim in tensor.shape:
                if point is not None:
                    shape.append(getattr(dim, point))
                elif dim.is_dynamic:
                    assert dim.name is not None
                    shape.append(sizes.setdefault(dim.name, rng.randint(dim.min, dim.max)))
                else:
                    shape.append(dim.opt)
            tensors[tensor.name] = random_tensor(tensor, tuple(shape), generator)
        samples.append((point or f"random{index - 2}", tensors))
    return samples


def user_samples(spec: ModelSpec) -> list[Sample]:
    """The samples models.yaml's ``verify.inputs`` names, checked against the declared inputs."""
    samples: list[Sample] = []
    for entry in spec.verify_inputs:
        if entry.endswith((".npz", ".npy")):
            samples.append((Path(entry).name, _load_array_file(spec, entry)))
        else:
            samples += [(f"{entry}[{i}]", s) for i, s in enumerate(_call_generator(spec, entry))]
    for label, sample in samples:
        _check_sample(spec, label, sample)
    return samples


def _where(spec: ModelSpec) -> str:
    return f"{spec.spec_file}: model {spec.name!r}: verify.inputs"


def _load_array_file(spec: ModelSpec, entry: str) -> dict[str, torch.Tensor]:
    path = (spec.base_dir / entry).resolve()
    try:
        loaded = np.load(path, allow_pickle=False)  # never unpickle: a data file must not run code
    except (OSError, ValueError) as exc:
        raise SourceError(f"{_where(spec)}: cannot load {path}: {exc}") from None
    if isinstance(loaded, np.ndarray):
        if len(spec.inputs) != 1:
            raise SourceError(f"{_where(spec)}: {path} holds one array but the model has "
                              f"{len(spec.inputs)} inputs: use an .npz with one array per input name")
        return {spec.inputs[0].name: from_numpy(loaded)}
    with loaded:
        return {name: from_numpy(loaded[name]) for name in loaded.files}


def _call_generator(spec: ModelSpec, entry: str) -> list[dict[str, torch.Tensor]]:
    module_path, _, attr = entry.partition(":")
    with importable_from(spec.base_dir, module_path.split(".")[0]):
        try:
            fn = getattr(importlib.import_module(module_path), attr)
            produced = list(fn())
        except Exception as exc:
            raise SourceError(f"{_where(spec)}: {entry} failed: {type(exc).__name__}: {exc}") from None
    return [{k: _as_tensor(v) for k, v in sample.items()} for sample in produced]


def _as_tensor(value: Any) -> torch.Tensor:
    return value if isinstance(value, torch.Tensor) else from_numpy(np.asarray(value))


def _check_sample(spec: ModelSpec, label: str, sample: dict[str, torch.Tensor]) -> None:
    """Names, dtypes and shapes within the declared ranges: a bad sample is a usage error."""
    declared = {t.name: t for t in spec.inputs}
    if set(sample) != set(declared):
        raise SourceError(f"{_where(spec)}: sample {label}: inputs {sorted(sample)} differ from the "
                          f"declared {sorted(declared)}")
    for name, tensor in sample.items():
        want = declared[name]
        assert want.dtype is not None
        if tensor.dtype != want.dtype.torch:
            raise SourceError(f"{_where(spec)}: sample {label}: input {name!r} is {tensor.dtype}, "
                              f"declared {want.dtype.name}")
        in_range = tensor.dim() == len(want.shape) and all(
            d.min <= size <= d.max for d, size in zip(want.shape, tensor.shape, strict=True))
        if not in_range:
            bounds = [f"{d.min}..{d.max}" if d.is_dynamic else str(d.opt) for d in want.shape]
            raise SourceError(f"{_where(spec)}: sample {label}: input {name!r} has shape {list(tensor.shape)}, "
                              f"outside the declared [{', '.join(bounds)}]")
