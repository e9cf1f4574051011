"""Embedding-bag converters: ``nn.EmbeddingBag`` / ``F.embedding_bag``.

Export gives ``embedding_bag.padding_idx``; the lowering keeps it whole (it has a converter here),
and ``_embedding_bag``, what it decomposes into otherwise, is converted too. Only the first output
(the bags) is converted: the other three (offset2bag, bag sizes, max indices) serve the backward
pass. ``scale_grad_by_freq`` and ``sparse`` only change gradients.
"""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import embedding_bag as bag
from trtrepo.convert.registry import converter
from trtrepo.convert.validators import arg_in, only_first_output_used

VALIDATORS = (
    only_first_output_used("embedding-bag offset2bag/bag-size/max-indices"),
    arg_in("mode", tuple(bag.MODES)),
)


@converter(aten._embedding_bag.default, aten.embedding_bag.padding_idx,
           tensors=("weight", "indices", "offsets", "per_sample_weights"), validators=VALIDATORS)
def embedding_bag(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    out = bag.embedding_bag(ctx, weight=a["weight"], indices=a["indices"], offsets=a["offsets"], mode=int(a["mode"]),
                            per_sample_weights=a["per_sample_weights"],
                            include_last_offset=bool(a["include_last_offset"]), padding_idx=a["padding_idx"])
    return out, None, None, None
