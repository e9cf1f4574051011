"""Pick the TensorRT Python package: full ``tensorrt`` or ``tensorrt_rtx_bindings`` (TensorRT for RTX).

Both expose the same network-definition API. trtrepo uses only what they share: strongly typed
networks with explicit casts, no weak-typing precision flags. ``TRTREPO_TENSORRT=tensorrt|rtx`` (or
the CLI's ``--tensorrt``) forces one; otherwise full TensorRT wins when it is installed, because that
is what Triton's ``tensorrt_plan`` backend loads.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from trtrepo.errors import FlavourError

ENV_VAR = "TRTREPO_TENSORRT"
FLAVOURS = {"tensorrt": "tensorrt", "rtx": "tensorrt_rtx_bindings"}


@dataclass(frozen=True)
class Flavour:
    """Which TensorRT package is in use, and its version, as recorded in every build."""

    name: str  # "tensorrt" or "rtx"
    module_name: str
    version: str


def _import(module_name: str) -> ModuleType | None:
    try:
        return importlib.import_module(module_name)
    except ImportError:
        return None


@cache
def _load(requested: str | None) -> tuple[ModuleType, Flavour]:
    if requested is not None and requested not in FLAVOURS:
        raise FlavourError(
            f"unknown TensorRT flavour {requested!r} (from {ENV_VAR} or --tensorrt); "
            f"choose one of: {', '.join(FLAVOURS)}"
        )
    order = [requested] if requested else ["tensorrt", "rtx"]
    for name in order:
        module = _import(FLAVOURS[name])
        if module is not None and hasattr(module, "Builder"):
            return module, Flavour(name, FLAVOURS[name], str(getattr(module, "__version__", "?")))
    if requested:
        raise FlavourError(
            f"TensorRT flavour {requested!r} requested but Python package "
            f"{FLAVOURS[requested]!r} is not importable; install it or unset {ENV_VAR}"
        )
    raise FlavourError(
        "no TensorRT Python package found: install full TensorRT (`pip install tensorrt`) "
        "or TensorRT for RTX (`pip install tensorrt-rtx-cu13-bindings tensorrt-rtx-cu13-libs "
        "nvidia-cuda-runtime`)"
    )


def _requested() -> str | None:
    value = os.environ.get(ENV_VAR, "").strip().lower()
    return value or None


def trt() -> ModuleType:
    """The TensorRT module to use (imported once; honours ``TRTREPO_TENSORRT``)."""
    return _load(_requested())[0]


def flavour() -> Flavour:
    """Name and version of the TensorRT package in use."""
    return _load(_requested())[1]


@cache
def _probe(requested: str | None) -> Flavour:
    for name in [requested] if requested else ["tensorrt", "rtx"]:
        if name not in FLAVOURS:
            break
        module_name = FLAVOURS[name]
        if importlib.util.find_spec(module_name) is None:
            continue
        for dist in importlib.metadata.packages_distributions().get(module_name, []):
            try:
                return Flavour(name, module_name, importlib.metadata.version(dist))
            except importlib.metadata.PackageNotFoundError:
                continue
    return flavour()  # unusual installs: fall back to importing the package


def probe_flavour() -> Flavour:
    """The flavour and version that ``flavour()`` would report, without importing TensorRT.

    Used to decide whether a model is unchanged quickly; the version comes from package metadata.
    """
    return _probe(_requested())


def force(name: str | None) -> None:
    """Select a flavour for this process (the CLI's ``--tensorrt``); ``None`` restores auto-pick."""
    if name is None:
        os.environ.pop(ENV_VAR, None)
    else:
        os.environ[ENV_VAR] = name
    trt()  # fail now, with a clear message, rather than at first use


_LOGGERS: dict[str, object] = {}


def logger():  # type: ignore[no-untyped-def]
    """The process-wide TensorRT logger: it keeps recent errors so ours can quote TensorRT's."""
    name = flavour().name
    if name not in _LOGGERS:
        _LOGGERS[name] = _make_logger(trt())
    return _LOGGERS[name]


def _make_logger(module: ModuleType):  # type: ignore[no-untyped-def]
    class CapturingLogger(module.ILogger):  # type: ignore[name-defined,misc]
        """Keeps errors (and internal errors) for error messages; drops info and verbose chatter."""

        def __init__(self) -> None:
            module.ILogger.__init__(self)
            self.errors: list[str] = []
            self.warnings: list[str] = []

        def log(self, severity, msg):  # type: ignore[no-untyped-def]
            if severity in (module.ILogger.ERROR, module.ILogger.INTERNAL_ERROR):
                self.errors.append(msg)
            elif severity == module.ILogger.WARNING:
                self.warnings.append(msg)
                del self.warnings[:-50]

        def take_errors(self) -> list[str]:
            """The errors logged since the last call (and forget them)."""
            errors, self.errors = self.errors, []
            return errors

    return CapturingLogger()
