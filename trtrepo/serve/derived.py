"""The repository ``serve`` actually serves: a derived copy for Triton's Python backend.

The pip-installed Triton has no TensorRT backend, so each production model (``platform:
"tensorrt_plan"``) gets a twin that keeps its names, data types, dims and batching but runs through
the Python backend — with the TensorRT runtime where an engine can run, else with the reference
interpreter. The production repository is only read, never modified: each model is first
snapshotted (hard links where possible) from one opened directory, so a build publishing at the
same moment leaves the served model wholly old or wholly new, never a mix.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from trtrepo import __version__
from trtrepo.errors import ServeError
from trtrepo.integrity import plan_problems, rebuild_hint, served_parameters
from trtrepo.rendering import render
from trtrepo.repository import CONFIG_FILE, PROGRAM_FILE, RECORD_FILE, parse_config, read_config, read_record
from trtrepo.serve.preamble import python_backend_preamble

MODES = ("tensorrt", "reference")
# Parameters of a served config that tell the Python backend (serve/backend.py) what to run.
MODE_PARAMETER = "trtrepo_execution_mode"
SOURCE_PARAMETER = "trtrepo_source_model_dir"
MARKER_FILE = ".trtrepo-derived"  # marks a folder derive_repository may clear and rewrite
SNAPSHOT_DIR = "trtrepo-source"  # inside each served model: not a number, so Triton ignores it
_SNAPSHOT_ATTEMPTS = 5


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
    _clear_target(target, repository)
    target.mkdir(parents=True)
    (target / MARKER_FILE).write_text(f"derived by trtrepo {__version__} from {repository.resolve()}\n")
    return [_derive_model(model_dir, target, mode) for model_dir in model_directories(repository)]


def _clear_target(target: Path, repository: Path) -> None:
    """Remove an earlier derived repository; refuse anything else (never delete the user's files)."""
    source, resolved = repository.resolve(), target.resolve()
    if resolved == source or resolved.is_relative_to(source) or source.is_relative_to(resolved):
        raise ServeError(f"serve would write its derived repository to {target}, which overlaps the model "
                         f"repository {repository}: choose another --workdir")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise ServeError(f"{target} is a {'symlink' if target.is_symlink() else 'file'}; choose another --workdir")
    if not target.exists():
        return
    if not (target / MARKER_FILE).is_file() and not _looks_derived(target):
        raise ServeError(f"{target} exists and was not written by `trtrepo serve`; refusing to delete it "
                         "(choose another --workdir, or remove it yourself)")
    shutil.rmtree(target)


def _looks_derived(folder: Path) -> bool:
    """A derived repository of an older trtrepo (no marker file): every entry a derived model."""
    return all(entry.is_dir() and (entry / CONFIG_FILE).is_file()
               and (entry / CONFIG_FILE).read_text(errors="replace").startswith("# Derived by trtrepo")
               for entry in folder.iterdir())


def _derive_model(model_dir: Path, target: Path, mode: str) -> DerivedModel:
    out_dir = target / model_dir.name
    out_dir.mkdir()
    source = snapshot_model(model_dir, out_dir / SNAPSHOT_DIR)
    if not (source / RECORD_FILE).is_file() or (mode == "reference" and not (source / PROGRAM_FILE).is_file()):
        raise ServeError(f"{model_dir} was not built by this trtrepo (no {RECORD_FILE} or {PROGRAM_FILE}): "
                         "rebuild it with `trtrepo build`")
    config = read_config(source)
    versions = tuple(sorted((p.name for p in source.iterdir() if p.is_dir() and p.name.isdigit()), key=int))
    if not versions:
        raise ServeError(f"{model_dir} has no version folder with a model.plan")
    record = read_record(source)
    if problems := plan_problems(source, record):  # refused before the server starts, with what to do
        raise ServeError(f"model {config.name!r} in {model_dir.parent}: {'; '.join(problems)}: "
                         f"{rebuild_hint(config.name)}")
    served = derived_config(config, source.resolve(), mode, origin=model_dir.resolve(),
                            identity=served_parameters(record))
    (out_dir / CONFIG_FILE).write_text(served, encoding="utf-8")
    model_py = _render_model_py(config.name, mode)
    for version in versions:
        (out_dir / version).mkdir()
        (out_dir / version / "model.py").write_text(model_py, encoding="utf-8")
    return DerivedModel(config.name, versions, model_dir)


def snapshot_model(model_dir: Path, snapshot: Path) -> Path:
    """Copy ``model_dir`` (hard links where possible) as it was at one instant; returns ``snapshot``.

    Everything is read through one open descriptor of the directory, and trtrepo publishes by
    swapping whole directories, so the copy holds one version; if a build swapped the directory
    while we read, the copy is redone from the new one.
    """
    for _ in range(_SNAPSHOT_ATTEMPTS):
        shutil.rmtree(snapshot, ignore_errors=True)
        try:
            fd = os.open(model_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as exc:
            raise ServeError(f"cannot read model folder {model_dir}: {exc.strerror}") from None
        try:
            _copy_tree(fd, snapshot)
            if os.stat(model_dir, follow_symlinks=False).st_ino == os.fstat(fd).st_ino:
                return snapshot
        except FileNotFoundError:
            pass  # a build removed the old directory while we read it: copy the new one
        finally:
            os.close(fd)
    raise ServeError(f"{model_dir} kept changing while it was read ({_SNAPSHOT_ATTEMPTS} tries): "
                     "is a build publishing in a loop?")


def _copy_tree(dir_fd: int, target: Path) -> None:
    """Copy the directory open as ``dir_fd`` to ``target``; symlinks are skipped, never followed."""
    target.mkdir()
    for entry in os.scandir(dir_fd):
        if entry.is_dir(follow_symlinks=False):
            sub = os.open(entry.name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            try:
                _copy_tree(sub, target / entry.name)
            finally:
                os.close(sub)
        elif entry.is_file(follow_symlinks=False):
            try:
                os.link(entry.name, target / entry.name, src_dir_fd=dir_fd, follow_symlinks=False)
            except FileNotFoundError:
                raise  # removed by a publish under way: snapshot_model starts again
            except OSError:  # another filesystem, or no hard links: copy the bytes
                source = os.open(entry.name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=dir_fd)
                with open(source, "rb") as src, open(target / entry.name, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)


def derived_config(config: model_config_pb2.ModelConfig, model_dir: Path, mode: str,
                   origin: Path | None = None, identity: dict[str, str] | None = None) -> str:
    """The production config with the Python backend in place of the plan; I/O and batching kept.

    ``model_dir`` is the folder the backend loads from (the snapshot); ``origin`` the production one;
    ``identity`` the plan hash and network fingerprint the backend verifies at load, which ``verify``
    then reports.
    """
    served = model_config_pb2.ModelConfig()
    served.CopyFrom(config)
    served.ClearField("platform")
    served.backend = "python"
    served.default_model_filename = "model.py"
    for group in served.instance_group:
        group.ClearField("profile")  # optimization profiles mean nothing to the Python backend
        group.kind = group.KIND_GPU if mode == "tensorrt" else group.KIND_CPU
        if mode != "tensorrt":
            group.ClearField("gpus")  # CPU instances name no GPUs
    # Settings only the TensorRT backend understands: CUDA graphs, and warmup data files kept in the
    # production model folder (Triton reads them from the served model's own warmup/ folder).
    served.optimization.ClearField("cuda")
    served.ClearField("model_warmup")
    served.parameters[MODE_PARAMETER].string_value = mode
    for key, value in (identity or {}).items():
        served.parameters[key].string_value = value
    served.parameters[SOURCE_PARAMETER].string_value = str(model_dir)
    text = f"# Derived by trtrepo {__version__} `serve` from {(origin or model_dir) / CONFIG_FILE}\n" \
           + text_format.MessageToString(served)
    parse_config(text, f"derived config of {(origin or model_dir).name}")
    return text


def _render_model_py(model: str, mode: str) -> str:
    return render("python_backend_model.py.j2", model=model, mode=mode, preamble=python_backend_preamble(),
                  trtrepo_version=__version__)
