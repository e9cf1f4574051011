"""Input samples for every comparison: generated across the declared ranges, or the user's own.

Generated samples first hit the min, opt and max shape points of every optimization profile, then
seeded random shapes within a profile (dims that share a name stay equal); integer inputs stay
within their declared value range. Each sample carries the seed of its data, so a failing case can
be replayed. User samples come from .npz/.npy files (one sample per file) or a
``package.module:callable`` that yields ``{input name: array}`` dicts.

``check`` and ``verify`` draw from here alike; ``capture`` takes its tracing inputs from here too.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from trtrepo.dtypes import from_numpy
from trtrepo.errors import SourceError
from trtrepo.sources import importable_from
from trtrepo.spec import Dim, ModelSpec, TensorSpec

SHAPE_POINTS = ("min", "opt", "max")


@dataclass(frozen=True)
class Sample:
    """One set of inputs by name, with the label a report shows and the seed that made it."""

    label: str
    inputs: dict[str, torch.Tensor]
    seed: int | None = None  # None for a sample the user supplied

    @property
    def shapes(self) -> dict[str, list[int]]:
        """Each input's shape, for reports."""
        return {name: list(t.shape) for name, t in self.inputs.items()}


def random_tensor(tensor: TensorSpec, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    """Random data of a declared input: normal floats, or integers within the declared range."""
    assert tensor.dtype is not None
    dtype = tensor.dtype.torch
    if tensor.dtype.is_float:
        values = torch.randn(shape, generator=generator)
        if tensor.value_range is not None:
            lo, hi = tensor.value_range
            values = torch.rand(shape, generator=generator) * (hi - lo) + lo
        return values.to(dtype)
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).to(torch.bool)
    lo, hi = tensor.value_range or (0, 16)
    return torch.randint(int(lo), int(hi) + 1, shape, generator=generator, dtype=torch.int64).to(dtype)


def sample_at(spec: ModelSpec, label: str, shapes: dict[str, tuple[int, ...]], seed: int) -> Sample:
    """Seeded random inputs of the given shapes."""
    generator = torch.Generator().manual_seed(seed)
    return Sample(label, {t.name: random_tensor(t, shapes[t.name], generator) for t in spec.inputs}, seed)


def export_inputs(spec: ModelSpec, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """The inputs torch.export traces with: opt, but never 0 or 1 on a dynamic dim.

    torch.export specialises a dim it sees as 1, so a dynamic dim is traced at 2 or more.
    """
    shapes = {t.name: tuple(min(max(d.opt, 2), d.max) if d.is_dynamic else d.opt for d in t.shape)
              for t in spec.inputs}
    sample = sample_at(spec, "export", shapes, seed)
    return tuple(sample.inputs[t.name] for t in spec.inputs)


def point_label(spec: ModelSpec, profile_index: int, point: str) -> str:
    """``min`` for a single profile, ``p1.min`` when there are several."""
    return f"p{profile_index}.{point}" if len(spec.profile_list) > 1 else point


def generated_samples(spec: ModelSpec, count: int = 0, seed: int = 0,
                      points: tuple[str, ...] = SHAPE_POINTS) -> list[Sample]:
    """The shape points of every profile, then random shapes up to ``count`` samples in all.

    With ``count`` below the number of shape points, only the first ``count`` points are made.
    """
    samples: list[Sample] = []
    for index, profile in enumerate(spec.profile_list):
        for point in points:
            shapes = {t.name: t.shape_at(point, profile) for t in spec.inputs}
            samples.append(sample_at(spec, point_label(spec, index, point), shapes, seed + len(samples)))
    if count and count < len(samples):
        return samples[:count]
    rng = random.Random(seed)
    for number in range(count - len(samples)):
        profile = rng.choice(spec.profile_list)
        samples.append(sample_at(spec, f"random{number + 1}", random_shapes(spec, profile, rng), seed + len(samples)))
    return samples


def random_shapes(spec: ModelSpec, profile: dict[str, Dim], rng: random.Random) -> dict[str, tuple[int, ...]]:
    """A shape for every input within ``profile`` (declared ranges where it says nothing); a dim
    with ``multiple_of`` takes only multiples."""
    sizes: dict[str, int] = {}
    shapes = {}
    for tensor in spec.inputs:
        shape = []
        for dim in tensor.shape:
            if not dim.is_dynamic:
                shape.append(dim.opt)
                continue
            assert dim.name is not None
            bounds, step = profile.get(dim.name, dim), dim.multiple_of
            shape.append(sizes.setdefault(dim.name, rng.randint(bounds.min // step, bounds.max // step) * step))
        shapes[tensor.name] = tuple(shape)
    return shapes


@dataclass(frozen=True)
class BadSample:
    """A user's sample that cannot be used, and why (a comparing command reports it as its own case)."""

    label: str
    problem: str


@dataclass(frozen=True)
class UserSamples:
    """What ``verify.inputs`` names: the usable samples, and each one that is not with its reason."""

    good: list[Sample]
    bad: list[BadSample]


def user_samples(spec: ModelSpec) -> list[Sample]:
    """The samples models.yaml's ``verify.inputs`` names; SourceError for the first bad one."""
    loaded = load_user_samples(spec)
    if loaded.bad:
        raise SourceError(loaded.bad[0].problem)
    return loaded.good


def load_user_samples(spec: ModelSpec) -> UserSamples:
    """Every sample ``verify.inputs`` names, each checked against the declared inputs on its own,
    so one bad file (a wrong shape, a missing input) costs only its own case."""
    good: list[Sample] = []
    bad: list[BadSample] = []
    for entry in spec.verify_inputs:
        try:
            if entry.endswith((".npz", ".npy")):
                found = [Sample(Path(entry).name, _load_array_file(spec, entry))]
            else:
                found = [Sample(f"{entry}[{i}]", s) for i, s in enumerate(_call_generator(spec, entry))]
        except SourceError as exc:
            bad.append(BadSample(Path(entry).name if entry.endswith((".npz", ".npy")) else entry, str(exc)))
            continue
        for sample in found:
            try:
                _check_sample(spec, sample)
            except SourceError as exc:
                bad.append(BadSample(sample.label, str(exc)))
            else:
                good.append(sample)
    return UserSamples(good, bad)


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


def _check_sample(spec: ModelSpec, sample: Sample) -> None:
    """Names, dtypes and shapes within the declared ranges: a bad sample is a usage error."""
    declared = {t.name: t for t in spec.inputs}
    label = sample.label
    if set(sample.inputs) != set(declared):
        raise SourceError(f"{_where(spec)}: sample {label}: inputs {sorted(sample.inputs)} differ from the "
                          f"declared {sorted(declared)}")
    for name, tensor in sample.inputs.items():
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
