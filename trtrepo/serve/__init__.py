"""Serve a model repository with a local Triton Inference Server from the nvidia-pytriton wheel."""

from trtrepo.serve.background import (
    read_pid_file,
    serve_forever,
    start_background,
    stop_background,
)
from trtrepo.serve.install import TritonInstall, find_tritonserver
from trtrepo.serve.preamble import python_backend_preamble
from trtrepo.serve.server import ModelState, StartCancelled, TritonServer, free_port, free_ports

__all__ = [
    "ModelState",
    "StartCancelled",
    "TritonInstall",
    "TritonServer",
    "find_tritonserver",
    "free_port",
    "free_ports",
    "python_backend_preamble",
    "read_pid_file",
    "serve_forever",
    "start_background",
    "stop_background",
]
