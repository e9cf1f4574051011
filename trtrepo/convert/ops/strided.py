"""Strided-view converters: diagonal, as_strided (diagonal views, sliding windows and the like)."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.fx.experimental.symbolic_shapes import statically_known_true
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import strided
from trtrepo.convert.registry import Validator, converter
from trtrepo.graph import fake_tensor

SELF = ("self",)


@converter(aten.diagonal.default, tensors=SELF)
def diagonal(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return strided.diagonal(ctx, tensor=a["self"], offset=a["offset"], dim1=a["dim1"], dim2=a["dim2"])


def _static_plan(node: torch.fx.Node) -> torch.Tensor | None:
    """The constant positions an as_strided node reads, when its input and arguments are all static."""
    a = node_args(node)
    source = fake_tensor(a["self"])
    numbers = list(a["size"]) + list(a["stride"]) + [a["storage_offset"] or 0]
    if source is None or not all(isinstance(v, int) for v in numbers):
        return None
    if not all(isinstance(v, int) for v in list(source.shape) + list(source.stride()) + [source.storage_offset()]):
        return None
    return strided.strided_positions(source, a["size"], a["stride"], a["storage_offset"])


def _owns_contiguous_storage(source: torch.Tensor) -> bool:
    """A tensor whose storage is exactly its row-major elements (provably, for symbolic sizes)."""
    expected: Any = 1
    for size, stride in reversed(list(zip(source.shape, source.stride(), strict=True))):
        if not statically_known_true(size == 1) and not statically_known_true(stride == expected):
            return False
        expected = expected * size
    nbytes = source.untyped_storage().nbytes()
    return statically_known_true(source.storage_offset() == 0) and \
        statically_known_true(nbytes == source.numel() * source.element_size())


def _readable(node: torch.fx.Node) -> bool:
    source = fake_tensor(node_args(node)["self"])
    if source is None:
        return False
    if all(isinstance(v, int) for v in list(source.shape)):
        return _static_plan(node) is not None
    return _owns_contiguous_storage(source)


READABLE = Validator(
    "as_strided reading storage that no element of its input holds (it is a view of a larger tensor), "
    "or of an input with dynamic dims that is not contiguous (its storage layout is unknown at build)",
    _readable)


@converter(aten.as_strided.default, tensors=SELF, validators=(READABLE,))
def as_strided(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    plan = _static_plan(ctx.node) if ctx.node is not None else None
    if plan is not None:
        return strided.as_strided(ctx, tensor=a["self"], positions=plan)
    positions = strided.contiguous_positions(ctx, size=list(a["size"]), stride=list(a["stride"]),
                                             offset=a["storage_offset"])
    return strided.as_strided(ctx, tensor=a["self"], positions=positions)
