"""One exception hierarchy for everything trtrepo reports to a user.

Every error carries enough context (file, model, field, FX node, source line) to act on without a
traceback; the CLI prints ``str(error)`` and exits with ``exit_code``.
"""

from __future__ import annotations


class TrtrepoError(Exception):
    """Base class: a problem the user can act on. ``exit_code`` is what the CLI returns."""

    exit_code = 2


class SpecError(TrtrepoError):
    """models.yaml is malformed or inconsistent."""

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{file}: invalid model specification\n{lines}")


class SourceError(TrtrepoError):
    """A model's ``source`` cannot be loaded or does not produce an nn.Module."""


class CaptureError(TrtrepoError):
    """torch.export could not capture the model."""


class UnsupportedOpsError(TrtrepoError):
    """The graph holds ops that no converter handles; the message lists all of them."""


class ConversionError(TrtrepoError):
    """A converter or TensorRT rejected a node; the message names the node and source line."""


class EngineBuildError(TrtrepoError):
    """TensorRT failed to build a serialized engine."""


class CheckFailedError(TrtrepoError):
    """The converted network does not match eager PyTorch within tolerance."""

    exit_code = 1


class RepositoryError(TrtrepoError):
    """The Triton repository cannot be written or read."""


class RepositoryLockedError(RepositoryError):
    """Another build holds the repository lock for longer than we were willing to wait."""


class FlavourError(TrtrepoError):
    """No usable TensorRT Python package, or the requested one is missing."""


class ReferenceError_(TrtrepoError):
    """The reference interpreter met a layer or attribute it does not implement."""


class ServeError(TrtrepoError):
    """The local Triton server could not be started or stopped."""


class VerifyError(TrtrepoError):
    """verify could not reach the server or the model (a usage/connection problem, not a mismatch)."""
