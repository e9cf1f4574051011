"""The frozen specifications models.yaml turns into: a model, its tensors and their dims."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trtrepo.dtypes import DType


@dataclass(frozen=True)
class Dim:
    """One tensor dimension: static when min == opt == max; ``name`` ties dynamic dims together."""

    min: int
    opt: int
    max: int
    name: str | None = None
    multiple_of: int = 1  # sizes are k * multiple_of (torch.export's derived dims)

    @property
    def is_dynamic(self) -> bool:
        """True when the dim may vary at run time."""
        return self.min != self.max


@dataclass(frozen=True)
class TensorSpec:
    """A model input or output as declared in models.yaml."""

    name: str
    dtype: DType | None  # None for an output whose dtype follows the model
    shape: tuple[Dim, ...] = ()
    value_range: tuple[float, float] | None = None
    tolerance: dict[str, float] = field(default_factory=dict)

    def shape_at(self, point: str, profile: dict[str, Dim] | None = None) -> tuple[int, ...]:
        """The concrete shape at ``min``, ``opt`` or ``max``; a profile narrows named dims."""
        profile = profile or {}
        return tuple(getattr(profile.get(d.name or "", d), point) for d in self.shape)


@dataclass(frozen=True)
class DynamicBatching:
    """Triton's dynamic batcher settings (present only when batching is on)."""

    max_queue_delay_microseconds: int = 0
    preferred_batch_size: tuple[int, ...] = ()


@dataclass(frozen=True)
class InstanceGroup:
    """``count`` model instances, on the listed GPUs (every GPU when empty)."""

    count: int
    gpus: tuple[int, ...] = ()


@dataclass(frozen=True)
class Serving:
    """How Triton should run the model, beyond what the engine decides: config.pbtxt options."""

    instance_groups: tuple[InstanceGroup, ...] = (InstanceGroup(1),)
    warmup: str | None = None  # None (no warmup), "random", "zero" or "samples" (verify.inputs files)
    warmup_count: int = 1
    cuda_graphs: bool = False
    response_cache: bool = False
    priority: str = "default"


@dataclass(frozen=True)
class ModelSpec:
    """Everything models.yaml says about one model, defaults applied."""

    name: str
    source: str
    spec_file: Path
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    args: dict[str, Any] = field(default_factory=dict)
    precision: str = "fp32"
    max_batch_size: int = 0
    dynamic_batching: DynamicBatching | None = None
    instance_count: int = 1
    version: int = 1
    tolerance: dict[str, float] = field(default_factory=dict)
    op_precision: dict[str, str] = field(default_factory=dict)
    node_precision: dict[str, str] = field(default_factory=dict)
    build: dict[str, Any] = field(default_factory=dict)  # builder options (engine.BuildSettings fields)
    version_policy: str = "replace"
    keep_versions: int = 1
    depends: tuple[str, ...] = ()
    profiles: tuple[dict[str, Dim], ...] = ()  # extra optimization profiles by dynamic-dim name
    verify_inputs: tuple[str, ...] = ()  # user samples for verify: .npz/.npy files or module:callable
    verify_samples: int | None = None
    serving: Serving = field(default_factory=Serving)
    target: Any = None  # the models.yaml `target:` value, as written (trtrepo.targets parses it)
    raw: dict[str, Any] = field(default_factory=dict)  # the merged YAML mapping, for hashing/records

    @property
    def profile_list(self) -> tuple[dict[str, Dim], ...]:
        """The optimization profiles: those declared, else one spanning every declared range."""
        return self.profiles or ({},)

    @property
    def base_dir(self) -> Path:
        """The folder ``source`` is resolved against: the YAML file's own."""
        return self.spec_file.parent

    @property
    def factory_args(self) -> dict[str, Any]:
        """``args`` for the source's callable; a string starting with ``./`` or ``../`` is a path
        relative to the models.yaml folder (``pretrained_model_name_or_path: ./ckpt``), made absolute."""
        return {key: str((self.base_dir / value).resolve())
                if isinstance(value, str) and value.startswith(("./", "../")) else value
                for key, value in self.args.items()}

    @property
    def local_paths(self) -> list[Path]:
        """Files and folders ``args`` names relative to models.yaml (a checkpoint, say) that exist."""
        return [Path(v) for k, v in self.factory_args.items() if v != self.args[k] and Path(v).exists()]
