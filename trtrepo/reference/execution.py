"""Run the regions of a planned network: each layer through its handler, loops and conditionals as a whole."""

from __future__ import annotations

from typing import Any

import torch

from trtrepo.errors import ReferenceExecutionError
from trtrepo.reference import control
from trtrepo.reference.layer import LayerContext, UnsupportedLayerError, downcast, layer_type_name
from trtrepo.reference.registry import HANDLERS, UNSUPPORTED
from trtrepo.reference.structure import CONDITIONAL_BOUNDARY, LOOP_BOUNDARY, LayerStep, LoopStep, Region


def run_region(network: Any, region: Region, values: dict[str, torch.Tensor]) -> None:
    """Execute every step of ``region`` in order, writing each computed tensor into ``values``."""
    for step in region.steps:
        if isinstance(step, LayerStep):
            run_layer(network, step.index, values)
        elif isinstance(step, LoopStep):
            control.run_loop(network, step, values, run_region)
        else:
            control.run_conditional(network, step, values, run_region)


def run_layer(network: Any, index: int, values: dict[str, torch.Tensor]) -> None:
    """Execute one layer with its registered handler and store its checked outputs."""
    layer = network.get_layer(index)
    type_name = layer_type_name(layer)
    entry = HANDLERS.get(type_name)
    if entry is None:
        if type_name in LOOP_BOUNDARY or type_name in CONDITIONAL_BOUNDARY:
            # only reachable when the layer's loop or conditional could not be recovered
            raise ReferenceExecutionError(f"layer {layer.name!r} (#{index}, {type_name}) lies outside any "
                                          "loop or conditional the interpreter could recover")
        reason = UNSUPPORTED.get(type_name, "this layer type is not implemented")
        raise UnsupportedLayerError(f"layer {layer.name!r} (#{index}, {type_name}): {reason}", type_name)
    with downcast(layer, entry.layer_class):
        ctx = LayerContext(layer=layer, index=index, type_name=type_name, values=values)
        try:
            results = list(entry.run(ctx))
        except ReferenceExecutionError:
            raise
        except (RuntimeError, ValueError, IndexError, TypeError) as exc:
            raise ctx.fail(f"execution failed: {exc}") from exc
        if len(results) != layer.num_outputs:
            raise ctx.fail(f"handler produced {len(results)} outputs, the layer has {layer.num_outputs}")
        for j, value in enumerate(results):
            ctx.store(j, value)
