"""Build a serialized TensorRT engine (a Triton ``model.plan``) from a filled network."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from trtrepo.errors import EngineBuildError
from trtrepo.spec import ModelSpec
from trtrepo.trt_flavour import logger, trt


@dataclass(frozen=True)
class BuildSettings:
    """Builder options (more arrive with the precision and build-options work)."""

    workspace_bytes: int = 1 << 30


def new_builder() -> Any:
    """A TensorRT builder logging through trtrepo's capturing logger."""
    return trt().Builder(logger())


def new_network(builder: Any) -> Any:
    """A strongly typed network: every tensor's type is explicit, casts are layers."""
    flag = 1 << int(trt().NetworkDefinitionCreationFlag.STRONGLY_TYPED)
    return builder.create_network(flag)


def profile_shapes(spec: ModelSpec) -> dict[str, tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]]:
    """min/opt/max shapes per input with a dynamic dim (static inputs need no profile entry)."""
    return {
        t.name: (t.shape_at("min"), t.shape_at("opt"), t.shape_at("max"))
        for t in spec.inputs
        if any(d.is_dynamic for d in t.shape)
    }


def build_plan(builder: Any, network: Any, spec: ModelSpec,
               settings: BuildSettings = BuildSettings()) -> tuple[bytes, float]:
    """Serialize an engine for ``network``; returns the plan bytes and build seconds."""
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt().MemoryPoolType.WORKSPACE, settings.workspace_bytes)
    shapes = profile_shapes(spec)
    if shapes:
        profile = builder.create_optimization_profile()
        for name, (lo, opt, hi) in shapes.items():
            profile.set_shape(name, lo, opt, hi)
        config.add_optimization_profile(profile)
    logger().take_errors()
    started = time.perf_counter()
    plan = builder.build_serialized_network(network, config)
    seconds = time.perf_counter() - started
    errors = logger().take_errors()
    if plan is None or errors:
        detail = "\n  ".join(errors) or "no message from TensorRT"
        raise EngineBuildError(f"{spec.spec_file}: model {spec.name!r}: TensorRT could not build the engine:"
                               f"\n  {detail}")
    return bytes(memoryview(plan)), seconds
