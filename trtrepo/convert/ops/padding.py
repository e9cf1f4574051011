"""Padding converters: constant, reflect, replicate and circular padding (and negative-pad crops)."""

from __future__ import annotations

from typing import Any

import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.padding import SAMPLE_MODES, pad
from trtrepo.convert.registry import Validator, converter


def _static_pads(node: torch.fx.Node) -> bool:
    pads = node.args[1] if len(node.args) > 1 else node.kwargs.get("pad", node.kwargs.get("padding"))
    return isinstance(pads, (list, tuple)) and all(isinstance(p, int) for p in pads)


def _known_mode(node: torch.fx.Node) -> bool:
    mode = node.args[2] if len(node.args) > 2 else node.kwargs.get("mode", "constant")
    return mode in SAMPLE_MODES


STATIC_PADS = Validator("pad amounts computed at run time", _static_pads)
KNOWN_MODE = Validator(f"padding mode other than {', '.join(SAMPLE_MODES)}", _known_mode)


@converter(aten.pad.default, validators=(STATIC_PADS, KNOWN_MODE))
def pad_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    mode = args[2] if len(args) > 2 else kwargs.get("mode", "constant")
    value = args[3] if len(args) > 3 else kwargs.get("value")
    return pad(ctx, tensor=ctx.as_tensor(args[0]), pads=list(args[1]), mode=mode, value=value)


@converter(aten.constant_pad_nd.default, validators=(STATIC_PADS,))
def constant_pad_nd(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    value = args[2] if len(args) > 2 else kwargs.get("value", 0)
    return pad(ctx, tensor=ctx.as_tensor(args[0]), pads=list(args[1]), mode="constant", value=value)


@converter(aten.reflection_pad1d.default, aten.reflection_pad2d.default, aten.reflection_pad3d.default,
           validators=(STATIC_PADS,))
def reflection_pad(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    pads = args[1] if len(args) > 1 else kwargs["padding"]
    return pad(ctx, tensor=ctx.as_tensor(args[0]), pads=list(pads), mode="reflect")


@converter(aten.replication_pad1d.default, aten.replication_pad2d.default, aten.replication_pad3d.default,
           validators=(STATIC_PADS,))
def replication_pad(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    pads = args[1] if len(args) > 1 else kwargs["padding"]
    return pad(ctx, tensor=ctx.as_tensor(args[0]), pads=list(pads), mode="replicate")


@converter(aten._pad_circular.default, validators=(STATIC_PADS,))
def pad_circular(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    pads = args[1] if len(args) > 1 else kwargs["pad"]
    return pad(ctx, tensor=ctx.as_tensor(args[0]), pads=list(pads), mode="circular")
