"""Converter shims, one file per op family; importing this package registers them all."""

from trtrepo.convert.ops import (  # noqa: F401
    activation,
    conv,
    elementwise,
    linear,
    norm,
    pool,
    shape,
)
