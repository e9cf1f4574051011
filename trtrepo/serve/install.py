"""Find the Triton Inference Server that ships inside the ``nvidia-pytriton`` wheel.

The wheel holds ``tritonserver`` (2.51 for pytriton 0.7.0) with only the Python backend; there is no
TensorRT backend in it. Its layout, relative to site-packages::

    pytriton/tritonserver/bin/tritonserver
    pytriton/tritonserver/backends/python/{libtriton_python.so, triton_python_backend_utils.py}
    pytriton/tritonserver/python_backend_stubs/<major.minor>/triton_python_backend_stub
    nvidia_pytriton.libs/                  (libtritonserver, libcudart, ... with hashed names)

The Python backend launches ``backends/python/triton_python_backend_stub``, and the wheel keeps one
stub per Python version elsewhere, so we assemble a private backend directory of symlinks instead of
touching site-packages (which may be read-only or shared by other environments).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from trtrepo.errors import ServeError

CACHE_ENV_VAR = "TRTREPO_CACHE_DIR"
INSTALL_HINT = "install it with `pip install nvidia-pytriton` (or `pip install trtrepo[serve]`)"


@dataclass(frozen=True)
class TritonInstall:
    """Everything needed to launch a ``tritonserver`` binary.

    ``env`` holds only the variables to set on top of the caller's environment; use
    :meth:`environment` for the full mapping to hand to a subprocess.
    """

    binary: Path
    backend_directory: Path
    env: dict[str, str] = field(hash=False)
    pytriton_version: str  # Triton's own version is known once running: TritonServer.metadata()
    python_version: str  # the Python the backend stub embeds, "3.11"

    def environment(self) -> dict[str, str]:
        """The caller's environment with ``env`` applied (search paths prepended, not replaced)."""
        merged = dict(os.environ)
        for name, value in self.env.items():
            inherited = merged.get(name)
            merged[name] = f"{value}{os.pathsep}{inherited}" if inherited else value
        return merged


def find_tritonserver(cache_dir: Path | None = None) -> TritonInstall:
    """Locate the pytriton wheel's ``tritonserver`` and prepare a backend directory for this Python.

    ``cache_dir`` holds the private backend directory; by default ``$TRTREPO_CACHE_DIR`` or
    ``$XDG_CACHE_HOME/trtrepo`` (``~/.cache/trtrepo``).
    """
    spec = importlib.util.find_spec("pytriton")
    if spec is None or spec.origin is None:
        raise ServeError(f"the Python package 'pytriton' is not installed; {INSTALL_HINT}")
    wheel_root = Path(spec.origin).parent / "tritonserver"
    libs = Path(spec.origin).parent.parent / "nvidia_pytriton.libs"
    binary = wheel_root / "bin" / "tritonserver"
    python_version = f"{sys.version_info.major}.{sys.version_info.minor}"
    stub = wheel_root / "python_backend_stubs" / python_version / "triton_python_backend_stub"
    python_backend = wheel_root / "backends" / "python"
    backend_sources = {
        "libtriton_python.so": python_backend / "libtriton_python.so",
        "triton_python_backend_utils.py": python_backend / "triton_python_backend_utils.py",
        "triton_python_backend_stub": stub,
    }
    _check_wheel_files(binary, libs, stub, backend_sources)
    version = importlib.metadata.version("nvidia-pytriton")
    backend_directory = _prepare_backend_directory(
        cache_dir or _default_cache_dir(), version, python_version, backend_sources
    )
    return TritonInstall(
        binary=binary,
        backend_directory=backend_directory,
        env=_server_env(libs),
        pytriton_version=version,
        python_version=python_version,
    )


def _check_wheel_files(binary: Path, libs: Path, stub: Path, sources: dict[str, Path]) -> None:
    if not stub.is_file():
        available = sorted(p.name for p in stub.parent.parent.glob("*") if p.is_dir())
        raise ServeError(
            f"nvidia-pytriton has no Python backend stub for Python {stub.parent.name} "
            f"(it ships stubs for {', '.join(available) or 'no version'}); "
            "run trtrepo with one of those Python versions"
        )
    missing = [p for p in [binary, libs, *sources.values()] if not p.exists()]
    if missing:
        listed = "\n".join(f"  - {p}" for p in missing)
        raise ServeError(f"the nvidia-pytriton installation is incomplete:\n{listed}\nreinstall it")


def _server_env(libs: Path) -> dict[str, str]:
    """Search paths the server and its Python backend stub need.

    * ``nvidia_pytriton.libs``: the binaries find it through an ``$ORIGIN``-relative RPATH, but the
      backend library is reached through our symlink, and glibc takes a dlopen'ed library's
      ``$ORIGIN`` from the symlink's directory, so that RPATH misses.
    * this interpreter's ``LIBDIR``: the stub links ``libpython3.X.so.1.0`` and would otherwise load
      whichever the system has (here Debian's 3.11.2 with its own stdlib and no numpy) instead of
      the Python trtrepo runs on.
    * this interpreter's ``bin`` on ``PATH``: the embedded interpreter locates its prefix by looking
      up ``python3`` on ``PATH``; finding the virtual environment's one makes ``sys.executable``
      and ``sys.prefix`` those of this environment, as pytriton itself does.
    """
    library_path = [str(libs)]
    python_libdir = sysconfig.get_config_var("LIBDIR")
    ldlibrary = sysconfig.get_config_var("LDLIBRARY")
    shared = sysconfig.get_config_var("Py_ENABLE_SHARED") and python_libdir and ldlibrary
    if shared and (Path(python_libdir) / ldlibrary).exists():
        library_path.insert(0, python_libdir)
    return {
        "LD_LIBRARY_PATH": os.pathsep.join(library_path),
        "PATH": str(Path(sys.executable).parent),
    }


def server_registry_dir() -> Path:
    """Where background servers are listed, one file each, so ``serve --stop`` finds a server
    started from any folder: ``servers/`` in the same per-user cache as the backend directory."""
    return _default_cache_dir() / "servers"


def _default_cache_dir() -> Path:
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "trtrepo"


def _prepare_backend_directory(
    cache_dir: Path, version: str, python_version: str, sources: dict[str, Path]
) -> Path:
    """Return ``<cache>/triton-backends/<key>/backends``, holding ``python/`` with symlinks.

    The key includes a hash of the wheel location so two environments with the same pytriton
    version never share links into each other's site-packages. The directory is built under a
    temporary name and renamed into place, so concurrent callers never see half of it.
    """
    location = hashlib.sha256(str(sources["libtriton_python.so"]).encode()).hexdigest()[:12]
    key_dir = cache_dir / "triton-backends" / f"pytriton-{version}-py{python_version}-{location}"
    backends = key_dir / "backends"
    if _links_intact(backends / "python", sources):
        return backends
    if key_dir.exists():  # links left dangling by a reinstall: rebuild them
        shutil.rmtree(key_dir, ignore_errors=True)
    try:
        key_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=key_dir.parent))
        (staging / "backends" / "python").mkdir(parents=True)
        for name, source in sources.items():
            (staging / "backends" / "python" / name).symlink_to(source)
        try:
            staging.rename(key_dir)
        except OSError:  # another process won the race; its directory is as good as ours
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as error:
        raise ServeError(
            f"cannot create the Triton backend directory under {cache_dir}: {error}; "
            f"set {CACHE_ENV_VAR} to a writable directory"
        ) from error
    if not _links_intact(backends / "python", sources):
        raise ServeError(f"Triton backend directory {backends} is incomplete; delete it and retry")
    return backends


def _links_intact(python_backend: Path, sources: dict[str, Path]) -> bool:
    links = {python_backend / name: source for name, source in sources.items()}
    return all(
        link.is_symlink() and link.resolve() == source.resolve() for link, source in links.items()
    )
