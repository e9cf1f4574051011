"""Layer families; importing this package registers every handler in the dispatch table."""

from trtrepo.reference.ops import (  # noqa: F401
    activation,
    attention,
    conv,
    elementwise,
    gather,
    matmul,
    normalization,
    pooling,
    quantize,
    reduce,
    resize,
    sample,
    shuffle,
    slice,
    tensor,
    unary,
)
