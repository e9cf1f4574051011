"""Reduction converters: sum, mean, prod, amax/amin, max/min, argmax/argmin, any/all, var/std, logsumexp,
vector norms.

The whole-tensor overloads (``sum.default``, ``max.default``, ...) have no ``dim`` argument: they
reduce every dim and keep none.
"""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import argreduce, moments, reduce, vector_norm
from trtrepo.convert.registry import converter
from trtrepo.convert.validators import float_input, float_result, result_types_supported

SELF = ("self",)
SUPPORTED = (result_types_supported(),)
WHOLE = {"dim": None, "keepdim": False}  # what an overload without dims means


@converter(aten.sum.default, aten.sum.dim_IntList, tensors=SELF, validators=SUPPORTED)
def sum_of(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = {**WHOLE, **bind_args(target, args, kwargs)}
    return reduce.accumulate(ctx, tensor=a["self"], dims=a["dim"], keepdim=a["keepdim"], dtype=a["dtype"])


@converter(aten.prod.default, aten.prod.dim_int, tensors=SELF, validators=SUPPORTED)
def prod(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = {**WHOLE, **bind_args(target, args, kwargs)}
    return reduce.accumulate(ctx, tensor=a["self"], dims=a["dim"], keepdim=a["keepdim"], dtype=a["dtype"],
                             product=True)


@converter(aten.mean.default, aten.mean.dim, tensors=SELF, validators=SUPPORTED)
def mean(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = {**WHOLE, **bind_args(target, args, kwargs)}
    return reduce.mean(ctx, tensor=a["self"], dims=a["dim"], keepdim=a["keepdim"], dtype=a["dtype"])


@converter(aten.amax.default, aten.amin.default, tensors=SELF)
def amax_amin(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return reduce.extreme(ctx, tensor=a["self"], dims=a["dim"], keepdim=a["keepdim"],
                          largest=target is aten.amax.default)


@converter(aten.max.default, aten.min.default, tensors=SELF)
def max_min(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = {**WHOLE, **bind_args(target, args, kwargs)}
    return reduce.extreme(ctx, tensor=a["self"], dims=a["dim"], keepdim=a["keepdim"],
                          largest=target is aten.max.default)


@converter(aten.max.dim, aten.min.dim, tensors=SELF)
def max_min_dim(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return argreduce.extreme_with_index(ctx, tensor=a["self"], dim=a["dim"], keepdim=a["keepdim"],
                                        largest=target is aten.max.dim)


@converter(aten.argmax.default, aten.argmin.default, tensors=SELF)
def argmax_argmin(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return argreduce.arg_extreme(ctx, tensor=a["self"], dim=a["dim"], keepdim=a["keepdim"],
                                 largest=target is aten.argmax.default)


@converter(aten.any.default, aten.any.dim, aten.any.dims, aten.all.default, aten.all.dim, aten.all.dims, tensors=SELF)
def any_all(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = {**WHOLE, **bind_args(target, args, kwargs)}
    return reduce.logical(ctx, tensor=a["self"], dims=a["dim"], keepdim=a["keepdim"],
                          every=target in (aten.all.default, aten.all.dim, aten.all.dims))


@converter(aten.var.correction, aten.std.correction, aten.var_mean.correction, aten.std_mean.correction,
           tensors=SELF, validators=(float_result(),))
def var_std(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    correction = 1 if a["correction"] is None else a["correction"]  # None means Bessel's correction
    var, average = moments.moments(ctx, tensor=a["self"], dims=a["dim"], correction=correction, keepdim=a["keepdim"])
    if target in (aten.std.correction, aten.std_mean.correction):
        var = moments.standard_deviation(ctx, var=var)
    if target in (aten.var_mean.correction, aten.std_mean.correction):
        return var, average
    return var


@converter(aten.logsumexp.default, tensors=SELF, validators=SUPPORTED)
def logsumexp(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return reduce.log_sum_exp(ctx, tensor=a["self"], dims=a["dim"], keepdim=a["keepdim"])


@converter(aten.linalg_vector_norm.default, tensors=SELF,
           validators=(*SUPPORTED, float_input("self", "complex input (TensorRT has no complex type)")))
def linalg_vector_norm(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return vector_norm.vector_norm(ctx, tensor=a["self"], ord=a["ord"], dims=a["dim"], keepdim=a["keepdim"],
                                   dtype=a["dtype"])
