"""Runners: the eager model, the reference interpreter, a TensorRT engine, a Triton server.

See ``trtrepo.runners.base`` for the interface; ``trtrepo.compare.compare_runs`` compares any two.
"""

from trtrepo.runners.base import Runner, TensorMeta
from trtrepo.runners.eager import EagerRunner
from trtrepo.runners.reference import ReferenceRunner
from trtrepo.runners.tensorrt import TensorRTRunner
from trtrepo.runners.triton import TritonRunner

__all__ = ["EagerRunner", "ReferenceRunner", "Runner", "TensorMeta", "TensorRTRunner", "TritonRunner"]
