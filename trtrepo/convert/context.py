"""The conversion context every converter receives: the network, the settings, and small helpers.

The converter signature is fixed once: ``fn(ctx, target, args, kwargs, name)``. Helpers here are the
ones nearly every converter needs (constants, scalars shaped for broadcasting, dtype facts); op
logic lives in ``convert/impl``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.fx

from trtrepo.dtypes import DTYPES, DType, from_trt, to_trt
from trtrepo.trt_flavour import Flavour


@dataclass(frozen=True)
class ConversionSettings:
    """What shapes a conversion beyond the graph itself."""

    precision: str = "fp32"
    op_precision: Mapping[str, str] = field(default_factory=dict)  # op name -> precision
    node_precision: Mapping[str, str] = field(default_factory=dict)  # FX node name -> precision

    @property
    def float_dtype(self) -> DType:
        """The storage type of float weights and activations outside fp32 islands."""
        return DTYPES[self.precision]


@dataclass(frozen=True)
class Capabilities:
    """What the TensorRT in use can build, where its flavours differ (converters read this, never the flavour)."""

    bf16_deconvolution: bool = True
    # Layers whose output shape depends on the data (INonZeroLayer, INMSLayer) can be built.
    data_dependent_shapes: bool = True

    @classmethod
    def of(cls, flavour: Flavour) -> Capabilities:
        """The capabilities of a TensorRT flavour."""
        rtx = flavour.name == "rtx"
        # TensorRT for RTX 1.7 cannot build a bf16 deconvolution (Myelin: "could not infer output types"),
        # nor NonZero or NMS ("has no runners that implement it", NVIDIA/TensorRT-RTX issue 32).
        return cls(bf16_deconvolution=not rtx, data_dependent_shapes=not rtx)


@dataclass
class ConversionContext:
    """State shared by the converters of one network."""

    network: Any
    trt: Any
    capabilities: Capabilities
    settings: ConversionSettings = field(default_factory=ConversionSettings)
    node: torch.fx.Node | None = None
    # The float type the current node computes in (the interpreter sets it per node).
    float_dtype: torch.dtype = torch.float32
    # TensorRT keeps pointers into weight arrays until the engine is built: hold them here.
    _keepalive: list[Any] = field(default_factory=list)

    # ---- constants -------------------------------------------------------------------------

    def constant(self, value: torch.Tensor | np.ndarray | float | int | bool | Sequence[Any],
                 dtype: torch.dtype | None = None) -> Any:
        """A constant ITensor holding ``value`` (a 0-d value becomes a 0-d tensor)."""
        tensor = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
        if dtype is not None:
            tensor = tensor.to(dtype)
        elif tensor.is_floating_point():
            tensor = tensor.to(self.float_dtype)
        layer = self.network.add_constant(tuple(tensor.shape), self._weights_of(tensor))
        return layer.get_output(0)

    def scalar(self, value: float | int | bool, like: Any) -> Any:
        """A constant of rank equal to ``like``'s (all dims 1), in ``like``'s dtype, for broadcasting."""
        dtype = from_trt(like.dtype).torch
        return self.constant(torch.full((1,) * len(like.shape), value, dtype=dtype))

    def weights(self, tensor: torch.Tensor) -> Any:
        """Weights for layer attributes (kernel, bias) in the node's float type, kept alive for the build."""
        return self._weights_of(tensor.to(self.float_dtype) if tensor.is_floating_point() else tensor)

    def _weights_of(self, tensor: torch.Tensor) -> Any:
        """A numpy array, or for bf16 (no numpy type) a ``trt.Weights`` over the tensor's memory."""
        tensor = tensor.detach().cpu().contiguous()
        if tensor.dtype in (torch.bfloat16, torch.float8_e4m3fn):  # no numpy type: point TensorRT at the memory
            self._keepalive.append(tensor)
            kind = self.trt.DataType.BF16 if tensor.dtype == torch.bfloat16 else self.trt.DataType.FP8
            return self.trt.Weights(kind, tensor.data_ptr(), tensor.numel())
        array = np.ascontiguousarray(tensor.numpy())
        self._keepalive.append(array)
        return array

    # ---- tensors ---------------------------------------------------------------------------

    def as_tensor(self, value: Any, like: Any | None = None) -> Any:
        """An ITensor for ``value``: ITensors pass through, weights and scalars become constants.

        A Python scalar next to ``like`` takes ``like``'s dtype and rank, as PyTorch's type promotion
        keeps a tensor's dtype when combined with a Python scalar of the same kind.
        """
        if isinstance(value, self.trt.ITensor):
            return value
        if isinstance(value, torch.Tensor):
            if value.dim() == 0 and like is not None:
                return self.scalar(value.item(), like)
            return self.constant(value)
        if like is not None:
            return self.scalar(value, like)
        return self.constant(value)

    def is_tensor(self, value: Any) -> bool:
        """True for a TensorRT ITensor (as opposed to a weight or a Python value)."""
        return isinstance(value, self.trt.ITensor)

    def dtype_of(self, tensor: Any) -> torch.dtype:
        """The torch dtype of an ITensor."""
        return from_trt(tensor.dtype).torch

    def cast(self, tensor: Any, dtype: torch.dtype) -> Any:
        """``tensor`` in ``dtype`` (an explicit cast layer: networks are strongly typed)."""
        if self.dtype_of(tensor) == dtype:
            return tensor
        return self.network.add_cast(tensor, to_trt(dtype)).get_output(0)

    @property
    def node_label(self) -> str:
        """The name of the FX node being converted (for names and messages)."""
        return self.node.name if self.node is not None else "?"


__all__ = ["Capabilities", "ConversionContext", "ConversionSettings"]
