"""The library adapter: PT2E quantization (``torchao.quantization.pt2e``) places and calibrates Q/DQ.

A small ``Quantizer`` annotates the ops the settings name (their activation input per tensor, their
weight per channel or per tensor, symmetric, zero point 0 — the only kind TensorRT runs);
``prepare_pt2e`` inserts observers, the calibration samples run through, and ``convert_pt2e``
replaces the observers with ``quantized_decomposed`` quantize/dequantize ops holding the
calibrated scales (weights stored already quantized). Nodes of those kinds that cannot be
quantized this way stay in float, each with a note.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx
from torch import nn

from trtrepo.quantize.fp8_op import use_e4m3_quantize
from trtrepo.quantize.settings import QuantSettings

aten = torch.ops.aten

# Op kind -> the pre-dispatch ATen ops torch.export records for it (convolution's weight is
# [out, in, ...]: its output channels are axis 0, as linear's [out, in] weight).
OP_KINDS: dict[str, tuple[Any, ...]] = {
    "conv": (aten.conv1d.default, aten.conv2d.default, aten.conv3d.default),
    "linear": (aten.linear.default,),
    "matmul": (aten.matmul.default, aten.mm.default, aten.bmm.default),
}
# Ops of a quantized kind that stay in float, and why.
FALLBACK: dict[Any, str] = {
    aten.conv_transpose1d.default: "a transposed convolution's weight has its output channels on axis 1",
    aten.conv_transpose2d.input: "a transposed convolution's weight has its output channels on axis 1",
    aten.conv_transpose3d.input: "a transposed convolution's weight has its output channels on axis 1",
}
FALLBACK_KIND = {target: "conv" for target in FALLBACK}
EPS = 2.0**-24  # the smallest scale an observer may return (an all-zero tensor)


@dataclass
class Placement:
    """What the quantizer annotated: node names by role, and the nodes left in float with why."""

    quantized: list[str] = field(default_factory=list)
    fallbacks: list[str] = field(default_factory=list)


def _observer(settings: QuantSettings, per_channel: bool) -> Any:
    from torchao.quantization.pt2e import HistogramObserver, MinMaxObserver, PerChannelMinMaxObserver

    low, high = settings.bounds
    common = {"dtype": settings.dtype, "quant_min": low, "quant_max": high, "eps": EPS}
    if per_channel:
        return PerChannelMinMaxObserver.with_args(qscheme=torch.per_channel_symmetric, ch_axis=0, **common)
    observer = HistogramObserver if settings.method == "histogram" else MinMaxObserver
    return observer.with_args(qscheme=torch.per_tensor_symmetric, **common)


def _spec(settings: QuantSettings, weight: bool) -> Any:
    from torchao.quantization.pt2e.quantizer import QuantizationSpec

    per_channel = weight and settings.weights == "per_channel"
    low, high = settings.bounds
    if weight and settings.precision == "int8":
        low = -high  # symmetric weights: -127..127, so the scale maps max|w| to 127 exactly
    scheme = torch.per_channel_symmetric if per_channel else torch.per_tensor_symmetric
    return QuantizationSpec(dtype=settings.dtype, quant_min=low, quant_max=high, qscheme=scheme,
                            ch_axis=0 if per_channel else None,
                            observer_or_fake_quant_ctr=_observer(settings, per_channel))


def _is_parameter(value: Any) -> bool:
    return isinstance(value, torch.fx.Node) and value.op == "get_attr"


def _float_input(value: Any) -> bool:
    fake = value.meta.get("val") if isinstance(value, torch.fx.Node) else None
    return isinstance(fake, torch.Tensor) and fake.dtype == torch.float32


def annotate(graph: torch.fx.Graph, settings: QuantSettings) -> Placement:
    """Annotate every node of the kinds ``settings.ops`` names; returns what was placed and refused."""
    from torchao.quantization.pt2e.quantizer import QuantizationAnnotation

    placement = Placement()
    targets = {t: kind for kind in settings.ops for t in OP_KINDS[kind]}
    for node in graph.nodes:
        if node.op != "call_function":
            continue
        if FALLBACK_KIND.get(node.target) in settings.ops:
            placement.fallbacks.append(f"{node.name}: stays in float ({FALLBACK[node.target]})")
            continue
        kind = targets.get(node.target)
        if kind is None:
            continue
        inputs = node.args[:2]
        if not all(_float_input(i) for i in inputs):
            placement.fallbacks.append(f"{node.name}: stays in float (its inputs are not float32)")
            continue
        weighted = kind != "matmul"
        if weighted and not _is_parameter(inputs[1]):
            placement.fallbacks.append(f"{node.name}: stays in float (its weight is computed, not a parameter)")
            continue
        qspecs = {inputs[0]: _spec(settings, weight=False), inputs[1]: _spec(settings, weight=weighted)}
        node.meta["quantization_annotation"] = QuantizationAnnotation(input_qspec_map=qspecs, _annotated=True)
        placement.quantized.append(node.name)
    return placement


def make_quantizer(settings: QuantSettings, placement: Placement) -> Any:
    """A PT2E ``Quantizer`` that annotates with ``annotate`` and records into ``placement``."""
    from torchao.quantization.pt2e.quantizer import Quantizer

    class OpQuantizer(Quantizer):  # type: ignore[misc]
        def annotate(self, model: torch.fx.GraphModule) -> torch.fx.GraphModule:
            found = annotate(model.graph, settings)
            placement.quantized, placement.fallbacks = found.quantized, found.fallbacks
            return model

        def validate(self, model: torch.fx.GraphModule) -> None:
            return None

    return OpQuantizer()


def fake_quantize(module: nn.Module, settings: QuantSettings,
                  feed: Callable[[nn.Module], None]) -> tuple[nn.Module, Placement]:
    """The exported ``module`` with Q/DQ ops: observed, calibrated by ``feed``, converted."""
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    placement = Placement()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library's deprecation notices: nothing a user can act on
        prepared = prepare_pt2e(module, make_quantizer(settings, placement))  # type: ignore[arg-type]
        with torch.no_grad():
            feed(prepared)
        # FP8 weights stay float until quantize_fp8 (below) quantizes them the E4M3 way.
        converted = convert_pt2e(prepared, fold_quantize=settings.precision != "fp8")
    if settings.precision == "fp8":
        use_e4m3_quantize(converted.graph)
        converted.recompile()
    return converted, placement
