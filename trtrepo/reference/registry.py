"""The dispatch table: one frozen entry per TensorRT ``LayerType``, registered once.

Entries are keyed by the ``LayerType`` member name (``"SHUFFLE"``), so the table can be filled at
import time without importing TensorRT; the interpreter looks a layer up by ``layer.type.name``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from trtrepo.reference.layer import LayerContext

Handler = Callable[[LayerContext], Sequence[torch.Tensor]]


@dataclass(frozen=True)
class LayerEntry:
    """How to execute one layer type: the class to downcast to and the function that runs it."""

    type_name: str
    layer_class: str
    run: Handler


HANDLERS: dict[str, LayerEntry] = {}

# Layer types that are deliberately not executed, with the reason given to the user. Loop and
# conditional boundary layers have no handler either: ``control`` executes each construct whole.
UNSUPPORTED: dict[str, str] = {
    "PLUGIN": "plugins are not executed by the reference interpreter",
    "PLUGIN_V2": "plugins are not executed by the reference interpreter",
    "PLUGIN_V3": "plugins are not executed by the reference interpreter",
    "DYNAMIC_QUANTIZE": "quantization is not supported",
}


def register(type_name: str, layer_class: str) -> Callable[[Handler], Handler]:
    """Decorator registering ``fn`` for ``LayerType.<type_name>``; registering twice is an error."""

    def decorate(fn: Handler) -> Handler:
        if type_name in HANDLERS:
            raise RuntimeError(f"reference handler for {type_name} registered twice")
        HANDLERS[type_name] = LayerEntry(type_name, layer_class, fn)
        return fn

    return decorate
