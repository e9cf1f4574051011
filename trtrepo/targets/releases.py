"""Triton container releases and the TensorRT each one runs: what a ``triton:`` target resolves to.

Where the rows come from (read 2026-12-02 through a stored copy of public sources; nothing here is
derived, guessed or copied from a third party):

* ``py3`` rows -- the container users deploy (``nvcr.io/nvidia/tritonserver:<release>-py3``, with
  the ``tensorrt_plan`` backend): the "container also includes" list of the release notes, in the
  copy Triton keeps in ``triton-inference-server/server`` ``docs/introduction/release_notes.md``.
  Only the 24.10 revision of that file lists the TensorRT version; the release-notes pages on
  docs.nvidia.com could not be read past their opening, so other ``py3`` releases are absent.
* ``trtllm-python-py3`` rows -- Triton's "Release Compatibility Matrix"
  (``docs/introduction/compatibility.md``), which lists the TensorRT-LLM container only. Its
  TensorRT differs from the ``py3`` container of the same month (24.10: 10.4.0 vs 10.5.0.18), so a
  row never stands in for the other container. Where two revisions of Triton's own matrix disagree
  the TensorRT version is left unknown and the note says why.

The Triton server version (2.x) is not given by either source, so it is unknown (None) on every row.
Triton's maintainers point to the TensorRT container of the same release for building plans
(server issue #5812); a release missing here can still be targeted with an explicit ``tensorrt:``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PY3 = "py3"
TRTLLM = "trtllm-python-py3"
READ_ON = "2026-12-02"

_RELEASE_NOTES_2410 = ("https://github.com/triton-inference-server/server/blob/main/docs/introduction/"
                       "release_notes.md (revision for 24.10, copying https://docs.nvidia.com/deeplearning/"
                       "triton-inference-server/release-notes/rel-24-10.html)")
_MATRIX = ("https://github.com/triton-inference-server/server/blob/0f963c9a8c6913aa4cd9b57ee04f9c2b76ee8d2a/"
           "docs/introduction/compatibility.md")
_OLD_MATRIX = "https://github.com/triton-inference-server/server/blob/main/docs/compatibility.md (older revision)"


@dataclass(frozen=True)
class Release:
    """One Triton container release and the versions it ships, with the page it was read from."""

    release: str  # "24.10"
    container: str  # PY3 or TRTLLM
    triton_server: str | None  # "2.51.0" where a source states it
    tensorrt: str | None  # None: no source, or sources disagree (see note)
    cuda: str | None
    source: str
    note: str = ""

    @property
    def name(self) -> str:
        """How a target names it: ``24.10`` for the py3 container, ``25.01-trtllm-python-py3`` otherwise."""
        return self.release if self.container == PY3 else f"{self.release}-{self.container}"


def _trtllm(release: str, tensorrt: str | None, cuda: str, note: str = "") -> Release:
    return Release(release, TRTLLM, None, tensorrt, cuda, _MATRIX, note)


RELEASES: tuple[Release, ...] = (
    Release("24.10", PY3, None, "10.5.0.18", "12.6.2", _RELEASE_NOTES_2410, "Ubuntu 22.04"),
    _trtllm("26.07", "10.14.1.48", "13.1.0.036"),
    _trtllm("26.06", "10.14.1.48", "13.1.0.036"),
    _trtllm("26.05", "10.14.1.48", "13.1.0.036"),
    _trtllm("26.04", "10.14.1.48", "13.1.0.036"),
    _trtllm("26.03", "10.14.1.48", "13.1.0.036"),
    _trtllm("26.02", "10.13.3.9", "13.0.2.006"),
    _trtllm("26.01", "10.13.3.9", "13.0.2.006"),
    _trtllm("25.12", "10.13.3.9", "13.0.2.006"),
    _trtllm("25.11", "10.13.3.9", "13.0.2.006"),
    _trtllm("25.10", "10.11.0.33", "12.9.1.010"),
    _trtllm("25.09", "10.11.0.33", "12.9.1.010"),
    _trtllm("25.08", "10.11.0.33", "12.9.0.043"),
    _trtllm("25.07", "10.10.0.31", "12.9.0.036"),
    _trtllm("25.06", "10.10.0.31", "12.9.0.036"),
    _trtllm("25.05", "10.9.0.34", "12.8.1.012"),
    _trtllm("25.04", "10.9.0.34", "12.8.1.012"),
    _trtllm("25.03", "10.9.0.34", "12.8.1.012"),
    _trtllm("25.02", "10.8.0.43", "12.8.0.038"),
    _trtllm("25.01", "10.8.0.43", "12.8.0.038"),
    _trtllm("24.12", "10.7.0", "12.6.3"),
    _trtllm("24.11", "10.6.0", "12.6.3"),
    _trtllm("24.10", "10.4.0", "12.5.1.007"),
    _trtllm("24.09", "10.4.0", "12.5.1.007"),
    _trtllm("24.08", "10.3.0", "12.5.1.007", f"{_OLD_MATRIX} gives 10.3.0.26"),
    _trtllm("24.07", None, "12.4.1.003", f"Triton's matrix gives 10.1.0, {_OLD_MATRIX} gives 10.2.0.19"),
    _trtllm("24.06", None, "12.4.0.041", f"Triton's matrix gives 10.0.1, {_OLD_MATRIX} gives 10.1.0"),
)

_NAME = re.compile(r"^(?P<release>\d{2}\.\d{2})(?:-(?P<container>[a-z0-9-]+))?$")


def split_name(name: str) -> tuple[str, str] | None:
    """``("25.01", "py3")`` for ``25.01``, ``("25.01", TRTLLM)`` for ``25.01-trtllm-python-py3``; None if malformed."""
    match = _NAME.match(name.strip())
    container = (match["container"] or PY3) if match else None
    return (match["release"], container) if match and container in (PY3, TRTLLM) else None


def find_release(name: str) -> Release | None:
    """The table row a target names (``24.10``, ``25.01-trtllm-python-py3``), or None."""
    parts = split_name(name)
    return next((r for r in RELEASES if parts and (r.release, r.container) == parts), None)


def release_names() -> list[str]:
    """Every name a target may use, newest first."""
    return [r.name for r in sorted(RELEASES, key=lambda r: (r.release, r.container), reverse=True)]
