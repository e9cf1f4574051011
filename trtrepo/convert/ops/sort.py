"""Sorting and selection converters: sort, argsort, topk, histc."""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.arguments import bind_args, node_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import histogram
from trtrepo.convert.impl import sort as sorting
from trtrepo.convert.impl.shape import normalize_dim
from trtrepo.convert.registry import Validator, converter
from trtrepo.convert.validators import literal
from trtrepo.graph import fake_tensor, fake_value

SELF = ("self",)


def largest_value(size: Any) -> int | None:
    """The largest value a size can take: itself when an int, a SymInt's upper bound, None if unbounded."""
    if isinstance(size, int):
        return size
    node = getattr(size, "node", None)
    if node is None or getattr(node, "shape_env", None) is None:
        return None
    upper = node.shape_env.bound_sympy(node.expr).upper
    return int(upper) if upper.is_finite else None


def _dim_bound(node: torch.fx.Node) -> int | None:
    """The largest length of the dim a sort runs along."""
    a = node_args(node)
    val = fake_tensor(a["self"])
    if val is None or val.dim() == 0:
        return 1
    return largest_value(val.shape[normalize_dim(a["dim"], val.dim())])


def _k_within_cap(node: torch.fx.Node) -> bool:
    k = node_args(node)["k"]
    bound = largest_value(fake_value(k) if isinstance(k, torch.fx.Node) else k)
    return bound is not None and bound <= sorting.TOPK_MAX_K


K_WITHIN_CAP = Validator(f"k above {sorting.TOPK_MAX_K} (or unbounded), TensorRT's documented TopK limit",
                         _k_within_cap)


@converter(aten.topk.default, tensors=SELF, validators=(K_WITHIN_CAP,))
def topk(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    # TopK's results are always sorted, which sorted=False (any order) allows too.
    a = bind_args(target, args, kwargs)
    return sorting.topk(ctx, tensor=a["self"], k=a["k"], dim=a["dim"], largest=a["largest"])


@converter(aten.sort.default, aten.sort.stable, tensors=SELF)
def sort(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return sorting.sort(ctx, tensor=a["self"], dim=a["dim"], descending=a["descending"],
                        stable=bool(a.get("stable")), longest=_dim_bound(ctx.node) if ctx.node is not None else None)


@converter(aten.argsort.default, aten.argsort.stable, tensors=SELF)
def argsort(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return sorting.sort(ctx, tensor=a["self"], dim=a["dim"], descending=a["descending"],
                        stable=bool(a.get("stable")),
                        longest=_dim_bound(ctx.node) if ctx.node is not None else None)[1]


def _histc_input(node: torch.fx.Node) -> bool:
    a = node_args(node)
    val = fake_tensor(a["self"])
    bounds = [a["min"], a["max"]]
    literal = all(isinstance(b, (int, float)) and math.isfinite(b) for b in bounds)
    return val is not None and val.dtype.is_floating_point and literal


HISTC_INPUT = Validator("histc with a range computed at run time (only literal numbers are supported)", _histc_input)


@converter(aten.histc.default, tensors=SELF, validators=(literal("bins"), HISTC_INPUT))
def histc(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return histogram.histc(ctx, tensor=a["self"], bins=a["bins"], low=float(a["min"]), high=float(a["max"]))
