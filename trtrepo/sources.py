"""Load a model from its ``source``: a Python factory, or a saved torch.export program.

A source is either ``package.module:callable`` (imported relative to the models.yaml folder; the
callable is called with the model's ``args`` and must return an ``nn.Module``) or a saved
ExportedProgram (``.pt2``). Loading a Python source executes the user's code, as importing it would;
loading a saved program never does (see :func:`load_program`).
"""

from __future__ import annotations

import hashlib
import importlib
import io
import os
import pickle
import re
import sys
import traceback
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils import _pytree as pytree

from trtrepo.errors import SourceError
from trtrepo.spec import ModelSpec


def is_saved_program(source: str) -> bool:
    """True when ``source`` names a saved ExportedProgram file rather than a Python callable."""
    return source.endswith(".pt2")


def load_module(spec: ModelSpec) -> nn.Module:
    """Import and call ``package.module:callable``; the result must be an nn.Module (put in eval mode)."""
    where = f"{spec.spec_file}: model {spec.name!r}: source"
    module_path, sep, attr = spec.source.partition(":")
    if not sep or not module_path or not attr:
        raise SourceError(f"{where}: {spec.source!r} must be 'package.module:callable' or a '.pt2' file")
    with importable_from(spec.base_dir, module_path.split(".")[0]):
        try:
            module = importlib.import_module(module_path)
        except (Exception, SystemExit) as exc:  # the user's module may raise anything, even exit
            raise SourceError(f"{where}: cannot import {module_path!r} from {spec.base_dir}: "
                              f"{type(exc).__name__}: {exc}") from None
    factory: Any = module
    for depth, part in enumerate(attr.split(".")):
        factory = getattr(factory, part, None)
        if factory is None:
            owner = f"module {module_path!r}" if depth == 0 else repr(".".join([module_path, *attr.split(".")[:depth]]))
            raise SourceError(f"{where}: {owner} has no attribute {part!r}")
    try:
        model = factory(**spec.factory_args) if callable(factory) and not isinstance(factory, nn.Module) \
            else factory
    except (Exception, SystemExit) as exc:
        raise SourceError(f"{where}: calling {spec.source}(**args) failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(model, nn.Module):
        raise SourceError(f"{where}: {spec.source} returned {type(model).__name__}, not a torch.nn.Module")
    return model.eval()


@contextmanager
def importable_from(folder: Path, top_package: str) -> Iterator[None]:
    """Import from ``folder`` first, forgetting a same-named package imported from elsewhere.

    Two models.yaml files may both keep their code in a package called ``models``; without dropping
    the cached one, the second file would silently get the first file's model.
    """
    cached = sys.modules.get(top_package)
    cached_file = getattr(cached, "__file__", None) or ""
    # Only the package that lives exactly at folder/<top_package> may be reused: one in a subfolder
    # (examples/zoo/models while loading examples/models.yaml) is another package of the same name.
    ours = {(folder / top_package / "__init__.py").resolve(), (folder / f"{top_package}.py").resolve()}
    shadowed = any(path.is_file() for path in ours)  # only a local package can stand for another
    if cached is not None and shadowed and Path(cached_file).resolve() not in ours:
        for name in [n for n in sys.modules if n == top_package or n.startswith(top_package + ".")]:
            del sys.modules[name]
    sys.path.insert(0, str(folder))
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # write nothing into the user's folder
    try:
        yield
    finally:
        sys.dont_write_bytecode = writes_bytecode
        sys.path.remove(str(folder))


def load_saved_program(spec: ModelSpec) -> torch.export.ExportedProgram:
    """Load a ``.pt2`` ExportedProgram with :func:`load_program` (no arbitrary unpickling)."""
    path = (spec.base_dir / spec.source).resolve()
    if not path.is_file():
        raise SourceError(f"{spec.spec_file}: model {spec.name!r}: source: file {path} does not exist")
    try:
        return load_program(path)
    except Exception as exc:
        raise SourceError(f"{spec.spec_file}: model {spec.name!r}: source: cannot load {path} as an "
                          f"ExportedProgram: {type(exc).__name__}: {exc}") from None


# Archive entries torch.export.load would unpickle as arbitrary Python objects (torchbind and
# opaque constants); a model trtrepo can convert never holds them.
_PICKLED_OBJECT_PREFIXES = ("custom_obj_", "opaque_obj_")


class UnsafeProgramError(ValueError):
    """A saved program holds pickled Python objects, which loading would execute."""


def save_program(program: torch.export.ExportedProgram) -> bytes:
    """The program in torch.export's own file format (weights included), its result stored flat.

    Flat: a tuple of the leaves in order (``trtrepo.structure`` keeps their names), because loading a
    program whose result is a ``ModelOutput`` or the user's dataclass would need that class
    importable wherever the repository is served.
    """
    signature = program.module_call_graph[0].signature
    assert signature is not None
    structured = signature.out_spec
    signature.out_spec = pytree.tree_structure(tuple(range(structured.num_leaves)))
    try:
        buffer = io.BytesIO()
        torch.export.save(program, buffer)
        return buffer.getvalue()
    finally:
        signature.out_spec = structured


def load_program(source: Path | bytes) -> torch.export.ExportedProgram:
    """``torch.export.load`` of a file (or of bytes) as safely as torch allows: the graph is JSON,
    tensors go through torch.load's weights-only unpickler (forced even where torch asks for full
    pickle), and an archive holding pickled Python objects is refused before anything is unpickled."""
    path = source if isinstance(source, Path) else "the stored program"
    opened: Any = source if isinstance(source, Path) else io.BytesIO(source)
    try:
        with zipfile.ZipFile(opened) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise UnsafeProgramError(f"{path} is not a torch.export archive ({exc})") from None
    pickled = [n for n in names if n.rsplit("/", 1)[-1].startswith(_PICKLED_OBJECT_PREFIXES)]
    if pickled:
        raise UnsafeProgramError(f"{path} holds pickled Python objects ({', '.join(pickled[:3])}), which "
                                 "loading would execute; trtrepo loads only graphs and tensors")
    with _weights_only_unpickling():
        try:
            program = torch.export.load(str(source) if isinstance(source, Path) else io.BytesIO(source))
            _repair_derived_ranges(program)
            return program
        except pickle.UnpicklingError as exc:
            found = re.search(r"Unsupported global: GLOBAL (\S+)", str(exc))
            what = f" ({found.group(1)})" if found else ""
            raise UnsafeProgramError(f"{path} holds a pickled object that is not a plain tensor{what}, which "
                                     "loading would execute; trtrepo refuses it") from None


def _repair_derived_ranges(program: torch.export.ExportedProgram) -> None:
    """Drop the derived-dim expressions (``8*s6``) a loaded program's shape environment holds as if
    they were symbols: torch rebuilds ``var_to_range`` from ``range_constraints``, whose keys include
    them, and re-tracing (lowering) then fails with "expected sympy.Symbol". Their ranges stay in
    ``range_constraints``; the symbols they are built from keep theirs."""
    import sympy
    from torch._export.utils import _get_shape_env_from_gm

    env = _get_shape_env_from_gm(program.graph_module)
    if env is not None:
        for key in [k for k in env.var_to_range if not isinstance(k, sympy.Symbol)]:
            del env.var_to_range[key]


@contextmanager
def _weights_only_unpickling() -> Iterator[None]:
    """Make every torch.load inside use the weights-only unpickler (torch reads this per call)."""
    names = ("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["TORCH_FORCE_WEIGHTS_ONLY_LOAD"] = "1"
    os.environ.pop("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", None)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def module_float_dtype(module: nn.Module) -> torch.dtype | None:
    """The dtype of the module's first floating-point parameter or buffer (None when it has none)."""
    for tensor in [*module.parameters(), *module.buffers()]:
        if tensor.is_floating_point():
            return tensor.dtype
    return None


def tensors_digest(tensors: Mapping[str, torch.Tensor]) -> str:
    """sha256 over named tensors (name, dtype, shape, bytes), in name order."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)}".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def weights_digest(module: nn.Module) -> str:
    """:func:`tensors_digest` of a module's parameters and buffers."""
    return tensors_digest(module.state_dict())


def load_reference_module(spec: ModelSpec) -> nn.Module:
    """The module a model's source describes: the factory's result, or the saved program's module."""
    return load_saved_program(spec).module() if is_saved_program(spec.source) else load_module(spec)


TORCH_DIR = str(Path(torch.__file__).resolve().parent)  # frames inside it are PyTorch's, not the user's


def user_frame(exc: BaseException) -> str:
    """``file:line: code`` of the innermost frame outside PyTorch where ``exc`` was raised, or ''."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(TORCH_DIR)]
    if not frames:
        return ""
    frame = frames[-1]
    return f"{frame.filename}:{frame.lineno}: {frame.line}" if frame.line else f"{frame.filename}:{frame.lineno}"
