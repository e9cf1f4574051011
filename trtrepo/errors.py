"""One exception hierarchy for everything trtrepo reports to a user.

Every error carries enough context (file, model, field, FX node, source line) to act on without a
traceback; the CLI prints ``str(error)`` and exits with ``exit_code``.
"""

from __future__ import annotations

from enum import Enum


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
    """The converted network does not match eager PyTorch within tolerance (exit 1), or check could
    not compare them (the eager model failed on its inputs, the network could not execute: exit 2)."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class RepositoryError(TrtrepoError):
    """The Triton repository cannot be written or read."""


class RepositoryLockedError(RepositoryError):
    """Another build holds the repository lock for longer than we were willing to wait."""


class FlavourError(TrtrepoError):
    """No usable TensorRT Python package, or the requested one is missing."""


class TargetError(TrtrepoError):
    """A deployment target (models.yaml ``target:``, ``inspect --target``) is malformed or unknown."""


class ReferenceExecutionError(TrtrepoError):
    """The reference interpreter cannot execute a network: a layer it does not implement, bad inputs, ..."""


class ServeError(TrtrepoError):
    """The local Triton server could not be started or stopped."""


class Category(str, Enum):
    """What a comparison case came to: passed, out of tolerance, or why it could not be judged."""

    PASSED = "passed"
    MISMATCH = "mismatch"  # ran, and an output is out of tolerance
    CONTRACT = "contract"  # the served model's names, types or dims differ from models.yaml
    ERROR = "error"  # conversion or execution failed (a problem of the network or of trtrepo)
    REFERENCE = "reference"  # the expected side (the eager model, user samples) could not run
    UNAVAILABLE = "unavailable"  # the server or the model could not be reached

    @property
    def exit_code(self) -> int:
        """0 passed; 1 a comparison or contract failed; 2 nothing could be compared."""
        return {Category.PASSED: 0, Category.MISMATCH: 1, Category.CONTRACT: 1}.get(self, 2)


class RunFailed(TrtrepoError):
    """A runner could not produce outputs for one sample; ``category`` says whose problem it is."""

    def __init__(self, message: str, category: Category):
        super().__init__(message)
        self.category = category
