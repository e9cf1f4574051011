"""Selection converters whose result length depends on the data: nonzero, masked_select.

Boolean-mask indexing (``x[mask]``, ``aten.index.Tensor`` with a bool index) shares their
implementation (``impl/selection.py``) and is registered with the other indexing converters.
"""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import selection
from trtrepo.convert.registry import converter


@converter(aten.nonzero.default, tensors=("self",))
def nonzero(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return selection.nonzero(ctx, tensor=a["self"])


# The mask is not declared a tensor: a mask known at build time (a buffer) is used as it is.
@converter(aten.masked_select.default, tensors=("self",))
def masked_select(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return selection.masked_select(ctx, tensor=a["self"], mask=a["mask"])
