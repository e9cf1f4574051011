"""Deployment targets: which Triton/TensorRT and GPUs a plan must load on, and whether it will.

``model`` validates and resolves the models.yaml ``target:``; ``releases`` is the table of Triton
container releases and their TensorRT; ``loadability`` applies the rules Triton's TensorRT backend
applies when it loads a plan; ``device`` reads the builder's GPU from the CUDA runtime or NVML.
Pure Python: nothing here imports torch or TensorRT.
"""

from trtrepo.targets.device import device_compute_capability
from trtrepo.targets.loadability import Finding, PlanFacts, loadability_problems
from trtrepo.targets.model import Target, parse_target, resolve_target, target_problems
from trtrepo.targets.releases import RELEASES, Release, find_release

__all__ = ["RELEASES", "Finding", "PlanFacts", "Release", "Target", "device_compute_capability", "find_release",
           "loadability_problems", "parse_target", "resolve_target", "target_problems"]
