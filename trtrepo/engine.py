"""Build a serialized TensorRT engine (a Triton ``model.plan``) from a filled network.

Builder options come from models.yaml (``defaults.build`` / a model's ``build``) and the CLI. An
option the installed TensorRT flavour cannot honour is an error, never silently dropped: TensorRT
for RTX, for example, accepts a hardware-compatibility level or a timing cache and ignores them. A layer
the flavour cannot build is refused before the build, naming the layer (and through it the FX
node and source line), instead of TensorRT's internal error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from trtrepo.convert.context import Capabilities
from trtrepo.errors import EngineBuildError
from trtrepo.spec import ModelSpec
from trtrepo.trt_flavour import flavour, logger, trt

ProgressCallback = Callable[[str], None]  # receives "phase: step/steps" lines

HARDWARE_COMPATIBILITY = {"none": "NONE", "ampere_plus": "AMPERE_PLUS",
                          "same_compute_capability": "SAME_COMPUTE_CAPABILITY"}
# Options TensorRT for RTX accepts but ignores (it warns, or documents them as no-ops).
RTX_UNSUPPORTED = {"hardware_compatibility": "hardware compatibility levels",
                   "timing_cache": "timing caches (no-ops in TensorRT for RTX)",
                   "version_compatible": "version-compatible engines (need the lean runtime, not shipped)"}


@dataclass(frozen=True)
class BuildSettings:
    """Builder options; None means TensorRT's default."""

    workspace_mb: int | None = None
    optimization_level: int | None = None  # 0..5
    hardware_compatibility: str | None = None  # none | ampere_plus | same_compute_capability
    version_compatible: bool = False
    timing_cache: Path | None = None  # file the timing cache is read from and saved to
    max_aux_streams: int | None = None
    compute_capabilities: tuple[str, ...] = ()  # TensorRT for RTX targets, e.g. ("SM89",)

    def to_record(self) -> dict[str, Any]:
        """JSON-ready dict for build records and fingerprints."""
        data = asdict(self)
        data["timing_cache"] = str(self.timing_cache) if self.timing_cache else None
        data["compute_capabilities"] = list(self.compute_capabilities)
        return data


# Layer types whose output shape depends on the values computed, by the API class that adds them.
DATA_DEPENDENT_LAYERS = {"NON_ZERO": "INonZeroLayer", "NMS": "INMSLayer"}


def unbuildable_layers(network: Any, capabilities: Capabilities) -> list[str]:
    """One ``<layer name>: <why>`` line per layer the TensorRT in use cannot build (none: empty)."""
    if capabilities.data_dependent_shapes:
        return []
    lines = []
    for index in range(network.num_layers):
        layer = network.get_layer(index)
        kind = DATA_DEPENDENT_LAYERS.get(layer.type.name)
        if kind is not None:
            lines.append(f"{layer.name}: an {kind}, whose output's shape depends on the data")
    return lines


def new_builder() -> Any:
    """A TensorRT builder logging through trtrepo's capturing logger."""
    return trt().Builder(logger())


def new_network(builder: Any) -> Any:
    """A strongly typed network: every tensor's type is explicit, casts are layers."""
    flag = 1 << int(trt().NetworkDefinitionCreationFlag.STRONGLY_TYPED)
    return builder.create_network(flag)


Shapes = dict[str, tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]]


def profile_shapes(spec: ModelSpec) -> list[Shapes]:
    """Per optimization profile: min/opt/max shapes of each input with a dynamic dim."""
    return [
        {t.name: (t.shape_at("min", p), t.shape_at("opt", p), t.shape_at("max", p))
         for t in spec.inputs if any(d.is_dynamic for d in t.shape)}
        for p in spec.profile_list
    ]


def shape_problem(spec: ModelSpec, shapes: dict[str, tuple[int, ...]]) -> str | None:
    """Why no optimization profile takes these input shapes (None when one does), in the words of
    Triton's TensorRT backend ("model expected the shape of dimension 1 to be between 1 and 128 but
    received 200"), naming the input; sizes a ``multiple_of`` dim does not allow are refused too."""
    reasons = [_profile_reason(spec, profile, shapes) for profile in spec.profile_list]
    if any(reason is None for reason in reasons):
        return None
    if len(reasons) == 1:
        return reasons[0]
    return "no optimization profile takes these shapes: " + "; ".join(
        f"profile {index}: {reason}" for index, reason in enumerate(reasons))


def _profile_reason(spec: ModelSpec, profile: dict[str, Any], shapes: dict[str, tuple[int, ...]]) -> str | None:
    for tensor in spec.inputs:
        shape = shapes.get(tensor.name)
        if shape is None:
            continue
        if len(shape) != len(tensor.shape):
            return f"input {tensor.name!r}: model expected {len(tensor.shape)} dimensions but received {len(shape)}"
        for index, (dim, size) in enumerate(zip(tensor.shape, shape, strict=True)):
            bounds = profile.get(dim.name or "", dim)
            if not bounds.min <= size <= bounds.max:
                return (f"input {tensor.name!r}: model expected the shape of dimension {index} to be between "
                        f"{bounds.min} and {bounds.max} but received {size}")
            if size % dim.multiple_of:
                return (f"input {tensor.name!r}: model expected the shape of dimension {index} to be a multiple "
                        f"of {dim.multiple_of} but received {size}")
    return None


def unsupported_options(settings: BuildSettings, flavour_name: str) -> list[str]:
    """Options set in ``settings`` that the flavour cannot honour (empty when all can)."""
    if flavour_name != "rtx":
        return [] if not settings.compute_capabilities else ["compute_capabilities (TensorRT for RTX only)"]
    return [f"{key} ({why})" for key, why in RTX_UNSUPPORTED.items() if getattr(settings, key)]


def configure(builder: Any, spec: ModelSpec, settings: BuildSettings) -> Any:
    """A builder config with the profile and every requested option applied."""
    module, installed = trt(), flavour()
    unsupported = unsupported_options(settings, installed.name)
    if unsupported:
        raise EngineBuildError(f"{spec.spec_file}: model {spec.name!r}: build options not supported by "
                               f"{installed.module_name} {installed.version}: {', '.join(unsupported)}")
    config = builder.create_builder_config()
    if settings.workspace_mb is not None:
        config.set_memory_pool_limit(module.MemoryPoolType.WORKSPACE, settings.workspace_mb << 20)
    if settings.optimization_level is not None:
        config.builder_optimization_level = settings.optimization_level
    if settings.hardware_compatibility is not None:
        config.hardware_compatibility_level = getattr(
            module.HardwareCompatibilityLevel, HARDWARE_COMPATIBILITY[settings.hardware_compatibility])
    if settings.version_compatible:
        config.set_flag(module.BuilderFlag.VERSION_COMPATIBLE)
    if settings.max_aux_streams is not None:
        config.max_aux_streams = settings.max_aux_streams
    if settings.compute_capabilities:
        config.num_compute_capabilities = len(settings.compute_capabilities)
        for index, name in enumerate(settings.compute_capabilities):
            config.set_compute_capability(getattr(module.ComputeCapability, name), index)
    for shapes in profile_shapes(spec):
        if not shapes:
            continue
        profile = builder.create_optimization_profile()
        for name, (lo, opt, hi) in shapes.items():
            profile.set_shape(name, lo, opt, hi)
        config.add_optimization_profile(profile)
    return config


def _load_timing_cache(config: Any, path: Path | None) -> Any:
    if path is None:
        return None
    data = path.read_bytes() if path.is_file() else b""
    cache = config.create_timing_cache(data)
    config.set_timing_cache(cache, False)  # False: a cache from another TensorRT is an error, not ignored
    return cache


def _save_timing_cache(cache: Any, path: Path | None) -> None:
    if cache is None or path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(bytes(memoryview(cache.serialize())))
    temporary.replace(path)  # atomic: parallel builds never see half a cache


def _progress_monitor(report: ProgressCallback) -> Any:
    module = trt()

    class Monitor(module.IProgressMonitor):  # type: ignore[misc,name-defined]
        """Forwards TensorRT's build phases to trtrepo's progress display."""

        def __init__(self) -> None:
            module.IProgressMonitor.__init__(self)
            self.steps: dict[str, int] = {}

        def phase_start(self, phase_name, parent_phase, num_steps):  # type: ignore[no-untyped-def]
            self.steps[phase_name] = num_steps
            report(f"{phase_name} 0/{num_steps}")

        def step_complete(self, phase_name, step):  # type: ignore[no-untyped-def]
            report(f"{phase_name} {step + 1}/{self.steps.get(phase_name, '?')}")
            return True  # False would cancel the build

        def phase_finish(self, phase_name):  # type: ignore[no-untyped-def]
            report(f"{phase_name} done")

    return Monitor()


def _refuse_unbuildable(network: Any, spec: ModelSpec, error_context: Callable[[str], str] | None) -> None:
    installed = flavour()
    lines = unbuildable_layers(network, Capabilities.of(installed))
    if not lines:
        return
    raise EngineBuildError(
        f"{spec.spec_file}: model {spec.name!r}: {installed.module_name} {installed.version} cannot build layers "
        "whose output shape depends on the data (TensorRT for RTX implements neither NonZero nor NMS: "
        "NVIDIA/TensorRT-RTX issue 32):\n  " + "\n  ".join(error_context(line) if error_context else line
                                                     for line in lines)
        + "\n  build this model with full TensorRT (`--tensorrt tensorrt`), which Triton's TensorRT backend loads; "
        "`trtrepo check` proves the conversion without an engine")


def build_plan(builder: Any, network: Any, spec: ModelSpec, settings: BuildSettings | None = None,
               on_progress: ProgressCallback | None = None,
               error_context: Callable[[str], str] | None = None) -> tuple[bytes, float]:
    """Serialize an engine for ``network``; returns the plan bytes and build seconds.

    ``error_context`` turns a TensorRT error line into one that names the FX node and source line
    (TensorRT names our layers after the nodes that made them).
    """
    settings = settings or BuildSettings()
    _refuse_unbuildable(network, spec, error_context)
    config = configure(builder, spec, settings)
    cache = _load_timing_cache(config, settings.timing_cache)
    if on_progress is not None:
        monitor = _progress_monitor(on_progress)
        config.progress_monitor = monitor
    logger().take_errors()
    started = time.perf_counter()
    plan = builder.build_serialized_network(network, config)
    seconds = time.perf_counter() - started
    errors = logger().take_errors()
    if plan is None or errors:
        lines = [error_context(e) if error_context else e for e in errors] or ["no message from TensorRT"]
        raise EngineBuildError(f"{spec.spec_file}: model {spec.name!r}: TensorRT could not build the engine:"
                               "\n  " + "\n  ".join(lines))
    _save_timing_cache(cache, settings.timing_cache)
    return bytes(memoryview(plan)), seconds
