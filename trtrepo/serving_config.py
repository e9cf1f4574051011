"""What config.pbtxt says about serving, beyond the engine: instances, warmup, CUDA graphs, cache.

Everything here is derived from models.yaml and the built network, and rendered by
``templates/config.pbtxt.j2``; the rendered text is then parsed with Triton's ModelConfig schema.

* **Warmup** requests run at the min, opt and max shapes of every optimization profile, with
  random or zero data, or with the user's own samples (``verify.inputs`` .npz/.npy files, written
  as raw row-major files into the model's ``warmup/`` folder, where Triton looks for them).
* **CUDA graphs** are captured by Triton's TensorRT backend for the shapes ``graph_spec`` lists:
  the same min/opt/max points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from trtrepo.samples import SHAPE_POINTS, point_label
from trtrepo.spec import ModelSpec

WARMUP_DIR = "warmup"  # Triton reads input_data_file from <model>/warmup/


@dataclass(frozen=True)
class ShapePoint:
    """One input shape set: a label, the batch size (0 without batching) and each input's dims."""

    label: str
    batch_size: int
    dims: dict[str, tuple[int, ...]]  # input name -> dims without the batch dim when batching


@dataclass(frozen=True)
class WarmupInput:
    """One input of a warmup request as config.pbtxt states it."""

    data_type: str
    dims: tuple[int, ...]
    source: str  # "random_data: true", "zero_data: true" or 'input_data_file: "name"'


@dataclass(frozen=True)
class WarmupRequest:
    """A ``model_warmup`` entry."""

    name: str
    batch_size: int
    count: int
    inputs: dict[str, WarmupInput]


@dataclass
class ServingConfig:
    """The template's serving section, plus any files the model directory needs."""

    instance_groups: list[dict[str, Any]]
    warmup: list[WarmupRequest] = field(default_factory=list)
    graph_specs: list[ShapePoint] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # path in the model dir -> content


def shape_points(spec: ModelSpec) -> list[ShapePoint]:
    """The min, opt and max shapes of every profile, split into batch size and per-sample dims."""
    batching = spec.max_batch_size > 0
    points: list[ShapePoint] = []
    for index, profile in enumerate(spec.profile_list):
        for point in SHAPE_POINTS:
            shapes = {t.name: t.shape_at(point, profile) for t in spec.inputs}
            batch = next(iter(shapes.values()))[0] if batching else 0
            dims = {name: shape[1:] if batching else shape for name, shape in shapes.items()}
            label = point_label(spec, index, point)
            if all(p.batch_size != batch or p.dims != dims for p in points):  # static models: one point
                points.append(ShapePoint(label, batch, dims))
    return points


def serving_config(spec: ModelSpec) -> ServingConfig:
    """Instance groups, warmup requests (and their data files) and CUDA graph shapes for ``spec``."""
    serving = spec.serving
    groups = [{"count": g.count, "gpus": list(g.gpus)} for g in serving.instance_groups]
    config = ServingConfig(groups)
    points = shape_points(spec)
    if serving.cuda_graphs:
        config.graph_specs = points
    if serving.warmup == "samples":
        config.warmup, config.files = _sample_warmup(spec)
    elif serving.warmup is not None:
        source = "random_data: true" if serving.warmup == "random" else "zero_data: true"
        types = {t.name: t.dtype.triton for t in spec.inputs if t.dtype is not None}
        config.warmup = [WarmupRequest(p.label, max(p.batch_size, 1), serving.warmup_count,
                                       {name: WarmupInput(types[name], dims, source) for name, dims in p.dims.items()})
                         for p in points]
    return config


def _sample_warmup(spec: ModelSpec) -> tuple[list[WarmupRequest], dict[str, bytes]]:
    """Warmup with the user's own samples: the first item of each, batched up by Triton."""
    from trtrepo.dtypes import to_numpy
    from trtrepo.samples import user_samples

    batching = spec.max_batch_size > 0
    requests, files = [], {}
    for index, sample in enumerate(user_samples(spec)):
        inputs = {}
        for tensor in spec.inputs:
            assert tensor.dtype is not None
            value = sample.inputs[tensor.name]
            item = value[0] if batching else value
            name = f"sample{index}_{tensor.name}"
            files[f"{WARMUP_DIR}/{name}"] = to_numpy(item.contiguous()).tobytes()
            inputs[tensor.name] = WarmupInput(tensor.dtype.triton, tuple(item.shape), f'input_data_file: "{name}"')
        batch = int(next(iter(sample.inputs.values())).shape[0]) if batching else 1
        requests.append(WarmupRequest(f"sample{index}", batch, spec.serving.warmup_count, inputs))
    return requests, files


PRIORITIES = {"default": "PRIORITY_DEFAULT", "max": "PRIORITY_MAX", "min": "PRIORITY_MIN"}
