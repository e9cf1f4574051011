"""Distance converters: ``torch.cdist`` (``_cdist_forward``) and ``F.pdist`` (``_pdist_forward``).

``torch.cdist`` itself is decomposed by torch: into ``_cdist_forward``, or, for p = 2 with more than
25 points (or compute_mode "use_mm_for_euclid_dist"), into the matrix-multiply formula's own ops.
"""

from __future__ import annotations

from typing import Any

from torch.ops import aten

from trtrepo.convert.arguments import bind_args
from trtrepo.convert.context import ConversionContext
from trtrepo.convert.impl import distance
from trtrepo.convert.registry import converter


# No validators: PyTorch itself refuses integer points, and float64 never reaches a converter (a
# cast to it is refused: TensorRT has no such type).
@converter(aten._cdist_forward.default, tensors=("x1", "x2"))
def cdist(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return distance.cdist(ctx, x1=a["x1"], x2=a["x2"], p=float(a["p"]), compute_mode=a["compute_mode"])


@converter(aten._pdist_forward.default, tensors=("self",))
def pdist(ctx: ConversionContext, target: Any, args: Any, kwargs: Any, name: str) -> Any:
    a = bind_args(target, args, kwargs)
    return distance.pdist(ctx, tensor=a["self"], p=float(a["p"]))
