"""``trtrepo verify``: send inputs to a running Triton server and compare with eager PyTorch."""

from trtrepo.runners.triton import Endpoint, TritonClient
from trtrepo.verify.run import Reference, VerifyReport, verify

__all__ = ["Endpoint", "Reference", "TritonClient", "VerifyReport", "verify"]
