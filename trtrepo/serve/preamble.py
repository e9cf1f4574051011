"""The lines every generated Python-backend ``model.py`` starts with, to find this environment.

Triton's Python backend runs ``model.py`` in ``triton_python_backend_stub``, an embedded interpreter
that ignores ``PYTHONPATH`` (checked: it was set in the stub's environment, absent from
``sys.path``) and whose ``sys.path`` depends on how the server was launched. So the model makes the
packages of the environment that generated it importable itself, before it imports numpy or
``triton_python_backend_utils`` (which imports numpy at its top).
"""

from __future__ import annotations

import site
from pathlib import Path

import trtrepo

_TEMPLATE = '''\
# --- written by trtrepo: make the generating environment's packages importable. ---
# Triton's Python backend stub embeds its own interpreter, which ignores PYTHONPATH.
import os as _os
import site as _site
import sys as _sys

for _dir in {directories!r}:
    if _os.path.isdir(_dir) and _dir not in _sys.path:
        _sys.path.insert(0, _dir)
        _site.addsitedir(_dir)  # already on sys.path, so this only runs its .pth files
# --- end of trtrepo preamble ---
'''


def python_backend_preamble() -> str:
    """Source a generated ``model.py`` must start with (after any ``from __future__`` import).

    It puts this interpreter's site-packages and the directory holding the ``trtrepo`` package
    first on ``sys.path``, in that order of precedence, skipping those already there or missing
    on the machine that serves the model (e.g. a Triton container), so it is harmless elsewhere.
    """
    return _TEMPLATE.format(directories=sys_path_additions())


def sys_path_additions() -> list[str]:
    """Directories the preamble inserts, lowest precedence first (each is inserted at the front)."""
    trtrepo_parent = str(Path(trtrepo.__file__).resolve().parent.parent)
    site_packages = [str(Path(p)) for p in site.getsitepackages()]
    ordered = [*reversed(site_packages), trtrepo_parent]
    return list(dict.fromkeys(ordered))  # keep first occurrence, drop duplicates
