"""The repository ``serve`` actually serves: a derived copy for Triton's Python backend.

The pip-installed Triton has no TensorRT backend, so each production model (``platform:
"tensorrt_plan"``) gets a twin that keeps its names, data types, dims and batching but runs through
the Python backend — with the TensorRT runtime where an engine can run, else with the reference
interpreter. The production repository is only read, never modified.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from trtrepo import __version__
from trtrepo.errors import ServeError
from trtrepo.repository import CONFIG_FILE, PROGRAM_FILE, RECORD_FILE, parse_config, read_config
from trtrepo.serve.backend import MODE_PARAMETER, SOURCE_PARAMETER
from trtrepo.serve.preamble import python_backend_preamble

MODES = ("tensorrt", "reference")


def engine_can_run() -> bool:
    """True when full TensorRT and a CUDA GPU are both here (TensorRT for RTX plans need RTX GPUs)."""
    try:
        import torch

        from trtrepo.trt_flavour import flavour

        return flavour().name == "tensorrt" and torch.cuda.is_available()
    except Exception:
        return False


def choose_mode(requested: str | None) -> str:
    """The execution mode: as requested (if possible here), else the best this machine can do."""
    if requested is None:
        return "tensorrt" if engine_can_run() else "reference"
    if requested not in MODES:
        raise ServeError(f"unknown execution mode {requested!r}; choose one of {', '.join(MODES)}")
    if requested == "tensorrt" and not engine_can_run():
        raise ServeError("execution mode 'tensorrt' needs full TensorRT and a CUDA GPU on this machine; "
                         "use --mode reference (the reference interpreter on CPU)")
    return requested


@dataclass(frozen=True)
class DerivedModel:
    """One served model: its name, versions and where it came from."""

    name: str
    versions: tuple[str, ...]
    source: Path


def model_directories(repository: Path) -> list[Path]:
    """Model folders of a trtrepo repository (hidden and staging folders skipped)."""
    if not repository.is_dir():
        raise ServeError(f"model repository {repository} does not exist (run `trtrepo build` first)")
    found = [p for p in sorted(repository.iterdir())
             if p.is_dir() and not p.is_symlink() and not p.name.startswith(".") and (p / CONFIG_FILE).is_file()]
    if not found:
        raise ServeError(f"{repository} holds no models (no <model>/config.pbtxt): run `trtrepo build` first")
    return found


def derive_repository(repository: Path, target: Path, mode: str) -> list[DerivedModel]:
    """Write the Python-backend twin of every model of ``repository`` into ``target`` (replaced)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    models = []
    for model_dir in model_directories(repository):
        models.append(_derive_model(model_dir.resolve(), target, mode))
    return models


def _derive_model(model_dir: Path, target: Path, mode: str) -> DerivedModel:
    if not (model_dir / RECORD_FILE).is_file() or (mode == "reference" and not (model_dir / PROGRAM_FILE).is_file()):
        raise ServeError(f"{model_dir} was not built by this trtrepo (no {RECORD_FILE} or {PROGRAM_FILE}): "
                         "rebuild it with `trtrepo build`")
    config = read_config(model_dir)
    versions = tuple(sorted((p.name for p in model_dir.iterdir() if p.is_dir() and p.name.isdigit()), key=int))
    if not versions:
        raise ServeError(f"{model_dir} has no version folder with a model.plan")
    served = derived_config(config, model_dir, mode)
    out_dir = target / config.name
    out_dir.mkdir()
    (out_dir / CONFIG_FILE).write_text(served, encoding="utf-8")
    model_py = _render_model_py(config.name, mode)
    for version in versions:
        (out_dir / version).mkdir()
        (out_dir / version / "model.py").write_text(model_py, encoding="utf-8")
    return DerivedModel(config.name, versions, model_dir)


def derived_config(config: model_config_pb2.ModelConfig, model_dir: Path, mode: str) -> str:
    """The production config with the Python backend in place of the plan; I/O and batching kept."""
    served = model_config_pb2.ModelConfig()
    served.CopyFrom(config)
    served.ClearField("platform")
    served.backend = "python"
    served.default_model_filename = "model.py"
    for group in served.instance_group:
        group.ClearField("profile")  # optimization profiles mean nothing to the Python backend
        group.kind = group.KIND_GPU if mode == "tensorrt" else group.KIND_CPU
    served.parameters[MODE_PARAMETER].string_value = mode
    served.parameters[SOURCE_PARAMETER].string_value = str(model_dir)
    text = f"# Derived by trtrepo {__version__} `serve` from {model_dir / CONFIG_FILE}\n" \
           + text_format.MessageToString(served)
    parse_config(text, f"derived config of {model_dir.name}")
    return text


def _render_model_py(model: str, mode: str) -> str:
    from trtrepo.repository import _template_env

    return _template_env().get_template("python_backend_model.py.j2").render(
        model=model, mode=mode, preamble=python_backend_preamble(), trtrepo_version=__version__)
