"""Padding converters: constant, reflect, replicate and circular padding (and negative-pad crops)."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import padding
from trtrepo.convert.registry import Validator, converter

SELF = ("self",)


def _pads(bound: dict[str, Any]) -> Any:
    """The pad amounts, which the schemas call ``pad`` or (the per-mode overloads) ``padding``."""
    return bound["pad"] if "pad" in bound else bound["padding"]


def _static_pads(node: torch.fx.Node) -> bool:
    pads = _pads(node_args(node))
    return isinstance(pads, (list, tuple)) and all(isinstance(p, int) for p in pads)


STATIC_PADS = Validator("pad amounts computed at run time", _static_pads)
KNOWN_MODE = Validator(f"padding mode other than {', '.join(padding.SAMPLE_MODES)}",
                       lambda node: node_args(node)["mode"] in padding.SAMPLE_MODES)


@converter(aten.pad.default, tensors=SELF, validators=(STATIC_PADS, KNOWN_MODE))
def pad(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return padding.pad(ctx, tensor=a["self"], pads=list(a["pad"]), mode=a["mode"], value=a["value"])


@converter(aten.constant_pad_nd.default, tensors=SELF, validators=(STATIC_PADS,))
def constant_pad_nd(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return padding.pad(ctx, tensor=a["self"], pads=list(a["pad"]), mode="constant", value=a["value"])


@converter(aten.reflection_pad1d.default, aten.reflection_pad2d.default, aten.reflection_pad3d.default,
           tensors=SELF, validators=(STATIC_PADS,))
def reflection_pad(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return padding.pad(ctx, tensor=a["self"], pads=list(a["padding"]), mode="reflect")


@converter(aten.replication_pad1d.default, aten.replication_pad2d.default, aten.replication_pad3d.default,
           tensors=SELF, validators=(STATIC_PADS,))
def replication_pad(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return padding.pad(ctx, tensor=a["self"], pads=list(a["padding"]), mode="replicate")


@converter(aten._pad_circular.default, tensors=SELF, validators=(STATIC_PADS,))
def pad_circular(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return padding.pad(ctx, tensor=a["self"], pads=list(a["pad"]), mode="circular")
