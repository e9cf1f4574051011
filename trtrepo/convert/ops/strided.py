"""Strided-view converters: diagonal, unfold, as_strided (diagonal views, sliding windows and the like),
and the writes through them: diagonal_scatter, as_strided_scatter (``x.fill_diagonal_(v)`` lowers to it)."""

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
from trtrepo.convert.validators import literal
from trtrepo.graph import fake_tensor

SELF = ("self",)


@converter(aten.diagonal.default, tensors=SELF)
def diagonal(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return strided.diagonal(ctx, tensor=a["self"], offset=a["offset"], dim1=a["dim1"], dim2=a["dim2"])


@converter(aten.diagonal_scatter.default, tensors=("self", "src"))
def diagonal_scatter(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return strided.diagonal_scatter(ctx, tensor=a["self"], src=a["src"], offset=a["offset"], dim1=a["dim1"],
                                    dim2=a["dim2"])


@converter(aten.unfold.default, tensors=SELF, validators=(literal("size"), literal("step")))
def unfold(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return strided.unfold(ctx, tensor=a["self"], dim=a["dimension"], size=a["size"], step=a["step"])


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


def _write_plan(node: torch.fx.Node) -> torch.Tensor | None:
    """The constant positions an as_strided_scatter writes: literal sizes, strides and offset over an
    input that is contiguous and owns its storage (its positions are then its storage addresses)."""
    a = node_args(node)
    source = fake_tensor(a["self"])
    numbers = list(a["size"]) + list(a["stride"]) + [a["storage_offset"] or 0]
    if source is None or not all(isinstance(v, int) for v in numbers) or not _owns_contiguous_storage(source):
        return None
    addresses = strided.addresses(list(a["size"]), list(a["stride"]), int(a["storage_offset"] or 0))
    if addresses.numel() and int(addresses.min()) < 0:
        return None
    if addresses.numel() and all(isinstance(d, int) for d in source.shape) and int(addresses.max()) >= source.numel():
        return None
    return addresses


def _writable(node: torch.fx.Node) -> bool:
    plan = _write_plan(node)
    return plan is not None and torch.unique(plan.reshape(-1)).numel() == plan.numel()


WRITABLE = Validator(
    "as_strided_scatter with sizes or strides computed at run time, into a tensor that is not contiguous, "
    "outside the tensor, or writing one element twice (the layout gives no single answer)", _writable)


@converter(aten.as_strided_scatter.default, tensors=("self", "src"), validators=(WRITABLE,))
def as_strided_scatter(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    plan = _write_plan(ctx.node) if ctx.node is not None else None
    assert plan is not None  # the validator accepted the node
    return strided.as_strided_scatter(ctx, tensor=a["self"], src=a["src"], positions=plan)
