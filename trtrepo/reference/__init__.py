"""The reference interpreter: executes a TensorRT network definition with PyTorch on CPU.

It reads the network back through the TensorRT Python API (layer types, attributes, weights,
inputs and outputs) and computes every layer from TensorRT's documented operator semantics, so it
can serve as the numerical oracle for the converters. See ``dtypes`` for the precision policy.
"""

from trtrepo.reference.interpreter import ReferenceResult, execute_network
from trtrepo.reference.layer import UnsupportedLayerError

__all__ = ["ReferenceResult", "UnsupportedLayerError", "execute_network"]
