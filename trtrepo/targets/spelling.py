"""How versions and GPU architectures are spelled, compared and normalised; pure functions only.

TensorRT versions are compared on the components both sides give: a target of ``10.8.0`` matches a
plan built by ``10.8.0.43``. GPU architectures are kept as ``sm_<major><minor>`` (``sm_80``,
``sm_120``); a compute capability ``8.9`` is the same thing as ``sm_89``.
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"^\d+(\.\d+){1,3}$")
_LEADING_NUMBERS = re.compile(r"^\d+(\.\d+)*")
_SM = re.compile(r"^sm_?(\d{2,3})$", re.IGNORECASE)
_CC = re.compile(r"^(\d{1,2})\.(\d)$")


def is_version(text: str) -> bool:
    """Whether ``text`` is a TensorRT version as trtrepo accepts it: ``10.8``, ``10.8.0`` or ``10.8.0.43``."""
    return bool(_VERSION.match(text))


def version_tuple(text: str) -> tuple[int, ...]:
    """The leading numeric components: ``10.8.0.43`` -> (10, 8, 0, 43); ``9.3.0.post12`` -> (9, 3, 0)."""
    match = _LEADING_NUMBERS.match(text.strip())
    return tuple(int(p) for p in match.group(0).split(".")) if match else ()


def same_version(a: str, b: str) -> bool:
    """Equal on every component both versions give (``10.8.0`` and ``10.8.0.43`` are the same)."""
    va, vb = version_tuple(a), version_tuple(b)
    n = min(len(va), len(vb))
    return n > 0 and va[:n] == vb[:n]


def is_newer(candidate: str, than: str) -> bool:
    """Whether ``candidate`` is a strictly newer TensorRT than ``than`` (on the components both give)."""
    va, vb = version_tuple(candidate), version_tuple(than)
    n = min(len(va), len(vb))
    return va[:n] > vb[:n]


def major(text: str) -> int | None:
    """The major version (10 for ``10.8.0``), or None when unparsable."""
    parts = version_tuple(text)
    return parts[0] if parts else None


def normalise_gpu(value: object) -> str | None:
    """``sm_80`` for ``sm_80``, ``sm80``, ``SM80``, ``8.0`` (or the YAML number 8.0); None if not a GPU spelling.

    A bare ``80`` is refused: it is ambiguous with a compute capability typed without its dot.
    """
    if isinstance(value, bool) or not isinstance(value, (str, float, int)):
        return None
    if isinstance(value, int):
        return None
    text = f"{value:.1f}" if isinstance(value, float) else value.strip()
    sm = _SM.match(text)
    if sm:
        return f"sm_{int(sm.group(1))}"
    cc = _CC.match(text)
    if cc:
        return f"sm_{int(cc.group(1))}{cc.group(2)}"
    return None


def sm_number(gpu: str) -> int:
    """80 for ``sm_80``, 120 for ``sm_120`` (for ordering architectures)."""
    return int(gpu.removeprefix("sm_"))


def sm_from_cc(compute_capability: str | None) -> str | None:
    """``sm_89`` for the compute capability ``8.9``; None when unknown or malformed."""
    return normalise_gpu(compute_capability) if compute_capability else None


def cc_from_sm(gpu: str) -> str:
    """``8.9`` for ``sm_89``, ``12.0`` for ``sm_120``: the key Triton's ``cc_model_filenames`` uses."""
    number = str(sm_number(gpu))
    return f"{number[:-1]}.{number[-1]}"
