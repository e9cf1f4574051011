"""Reduction converters: sum, mean, prod, amax/amin, max/min, argmax/argmin, any/all, var/std, logsumexp."""

from __future__ import annotations

from typing import Any

import torch
import torch.fx
from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.argreduce import arg_extreme, extreme_with_index
from trtrepo.convert.impl.moments import moments, standard_deviation
from trtrepo.convert.impl.reduce import accumulate, extreme, log_sum_exp, logical, mean
from trtrepo.convert.registry import Validator, arg, converter
from trtrepo.dtypes import DTYPES


def _result_dtypes(node: torch.fx.Node) -> list[torch.dtype]:
    val = node.meta.get("val")
    values = val if isinstance(val, (tuple, list)) else [val]
    return [v.dtype for v in values if isinstance(v, torch.Tensor)]


def result_types_supported() -> Validator:
    """Rejects nodes whose result type TensorRT cannot carry (e.g. ``sum(dtype=torch.float64)``)."""
    supported = {d.torch for d in DTYPES.values()}
    return Validator("a result type TensorRT has no equivalent for (e.g. float64)",
                     lambda node: all(d in supported for d in _result_dtypes(node)))


def float_result() -> Validator:
    """Rejects nodes with integer or bool results (layers that compute in floating point only)."""
    return Validator("integer or bool operands (TensorRT computes this in floating point only)",
                     lambda node: all(d.is_floating_point for d in _result_dtypes(node)))



SUPPORTED = (result_types_supported(),)


@converter(aten.sum.default, aten.sum.dim_IntList, validators=SUPPORTED)
def sum_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    whole = target is aten.sum.default
    return accumulate(ctx, tensor=args[0], dims=None if whole else arg(args, kwargs, 1, "dim"),
                      keepdim=False if whole else arg(args, kwargs, 2, "keepdim", False),
                      dtype=kwargs.get("dtype"))


@converter(aten.prod.default, aten.prod.dim_int, validators=SUPPORTED)
def prod(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    whole = target is aten.prod.default
    return accumulate(ctx, tensor=args[0], dims=None if whole else arg(args, kwargs, 1, "dim"),
                      keepdim=False if whole else arg(args, kwargs, 2, "keepdim", False),
                      dtype=kwargs.get("dtype"), product=True)


@converter(aten.mean.default, aten.mean.dim, validators=SUPPORTED)
def mean_(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    whole = target is aten.mean.default
    return mean(ctx, tensor=args[0], dims=None if whole else arg(args, kwargs, 1, "dim"),
                keepdim=False if whole else arg(args, kwargs, 2, "keepdim", False), dtype=kwargs.get("dtype"))


@converter(aten.amax.default, aten.amin.default)
def amax_amin(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return extreme(ctx, tensor=args[0], dims=arg(args, kwargs, 1, "dim", []),
                   keepdim=arg(args, kwargs, 2, "keepdim", False), largest=target is aten.amax.default)


@converter(aten.max.default, aten.min.default)
def max_min(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return extreme(ctx, tensor=args[0], dims=None, keepdim=False, largest=target is aten.max.default)


@converter(aten.max.dim, aten.min.dim)
def max_min_dim(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return extreme_with_index(ctx, tensor=args[0], dim=arg(args, kwargs, 1, "dim"),
                              keepdim=arg(args, kwargs, 2, "keepdim", False), largest=target is aten.max.dim)


@converter(aten.argmax.default, aten.argmin.default)
def argmax_argmin(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return arg_extreme(ctx, tensor=args[0], dim=arg(args, kwargs, 1, "dim"),
                       keepdim=arg(args, kwargs, 2, "keepdim", False), largest=target is aten.argmax.default)


@converter(aten.any.default, aten.any.dim, aten.any.dims, aten.all.default, aten.all.dim, aten.all.dims)
def any_all(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    whole = target in (aten.any.default, aten.all.default)
    return logical(ctx, tensor=args[0], dims=None if whole else arg(args, kwargs, 1, "dim"),
                   keepdim=False if whole else arg(args, kwargs, 2, "keepdim", False),
                   every=target in (aten.all.default, aten.all.dim, aten.all.dims))


@converter(aten.var.correction, aten.std.correction, aten.var_mean.correction, aten.std_mean.correction,
           validators=(float_result(),))
def var_std(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    correction = kwargs.get("correction")
    var, average = moments(ctx, tensor=args[0], dims=arg(args, kwargs, 1, "dim"),
                           correction=1 if correction is None else correction,
                           keepdim=kwargs.get("keepdim", False))
    if target in (aten.std.correction, aten.std_mean.correction):
        var = standard_deviation(ctx, var=var)
    if target in (aten.var_mean.correction, aten.std_mean.correction):
        return var, average
    return var


@converter(aten.logsumexp.default, validators=SUPPORTED)
def logsumexp(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return log_sum_exp(ctx, tensor=args[0], dims=arg(args, kwargs, 1, "dim"),
                       keepdim=arg(args, kwargs, 2, "keepdim", False))
