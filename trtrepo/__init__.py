"""trtrepo: PyTorch models to a verified NVIDIA Triton model repository with TensorRT engines."""

__version__ = "0.1.0"
