"""Activation converters."""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl.activation import activation
from trtrepo.convert.registry import converter


@converter(aten.relu.default)
def relu(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    return activation(ctx, tensor=args[0], kind="RELU")
