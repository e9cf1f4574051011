"""Where a model's engines must load: the ``target:`` of models.yaml, validated and resolved.

Accepted spellings of ``target:``::

    target: proof                                   # TensorRT for RTX on CPU: proves, never deploys
    target: {triton: "25.01", gpus: [sm_80, sm_90]}  # a Triton container release (see releases.py)
    target: {triton: "25.01", tensorrt: "10.8.0.43", gpus: [sm_80]}  # a release the table lacks
    target: {tensorrt: "10.8.0", gpus: ["8.0", sm90]}  # a TensorRT version, whatever serves it

Problems are (field path, message) pairs so the models.yaml loader can prefix file and model.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from trtrepo.errors import TargetError
from trtrepo.targets.releases import PY3, RELEASES, find_release, split_name
from trtrepo.targets.spelling import is_version, normalise_gpu, same_version, sm_from_cc

KINDS = ("triton", "tensorrt", "proof", "local")
KEYS = ("triton", "tensorrt", "gpus")
Problem = tuple[str, str]


@dataclass(frozen=True)
class Target:
    """The servers a plan must load on: a Triton release or TensorRT version, and GPU architectures."""

    kind: str  # triton | tensorrt | proof | local
    triton: str | None = None  # "25.01" or "25.01-trtllm-python-py3"
    tensorrt: str | None = None  # the TensorRT version those servers run
    gpus: tuple[str, ...] = ()  # ("sm_80", "sm_90")

    @property
    def is_proof(self) -> bool:
        """A proof build shows the conversion is right; no Triton server can load it."""
        return self.kind == "proof"

    def to_record(self) -> dict[str, Any]:
        """JSON data for the build record (``record["target"]``)."""
        return {"kind": self.kind, "triton": self.triton, "tensorrt": self.tensorrt, "gpus": list(self.gpus)}

    @classmethod
    def from_record(cls, data: Any) -> Target | None:
        """The target a build recorded; None for a record written before targets existed."""
        if not isinstance(data, dict) or data.get("kind") not in KINDS:
            return None
        gpus = tuple(g for g in (normalise_gpu(v) for v in data.get("gpus") or ()) if g)
        return cls(data["kind"], data.get("triton"), data.get("tensorrt"), gpus)

    def describe(self) -> str:
        """One line for people: ``Triton 25.01 (TensorRT 10.8.0.43) on sm_80, sm_90``."""
        if self.is_proof:
            return "proof build (TensorRT for RTX): proves the conversion; no Triton server can load it"
        where = f" on {', '.join(self.gpus)}" if self.gpus else " (GPU architectures not given)"
        if self.kind == "triton":
            return f"Triton {self.triton} (TensorRT {self.tensorrt or 'unknown'}){where}"
        if self.kind == "local":
            return f"this machine: TensorRT {self.tensorrt}{where if self.gpus else ' (no GPU found)'}"
        return f"TensorRT {self.tensorrt}{where}"


def target_problems(raw: Any) -> list[Problem]:
    """Everything wrong with a models.yaml ``target:`` value, as (field path, message) pairs; [] if valid."""
    if raw is None or raw == "proof":
        return []
    if isinstance(raw, str):
        return [("target", f"{raw!r} is not a target: write 'proof', or a mapping such as "
                           "{triton: \"25.01\", gpus: [sm_80]} or {tensorrt: \"10.8.0\", gpus: [sm_80]}")]
    if not isinstance(raw, dict):
        return [("target", f"must be 'proof' or a mapping with triton/tensorrt and gpus, not {type(raw).__name__}")]
    problems = [(f"target.{key}", f"unknown key{_suggest(str(key), KEYS)}; a target has: {', '.join(KEYS)}")
                for key in raw if key not in KEYS]
    if "triton" not in raw and "tensorrt" not in raw:
        problems.append(("target", "give the servers' Triton release (triton: \"25.01\") or TensorRT version "
                                   "(tensorrt: \"10.8.0\")"))
    problems += _tensorrt_problems(raw.get("tensorrt"))
    if "triton" in raw:
        problems += _triton_problems(raw["triton"], raw.get("tensorrt"))
    return problems + _gpus_problems(raw.get("gpus"))


def parse_target(raw: Any) -> Target | None:
    """The Target of a valid ``target:`` value (None when absent); raises TargetError listing the problems."""
    problems = target_problems(raw)
    if problems:
        raise TargetError("invalid target: " + "; ".join(f"{where}: {what}" for where, what in problems))
    return None if raw is None else _build(raw)


def _build(raw: Any) -> Target:
    """The Target of a value already validated (gpus may be absent for the CLI spelling)."""
    if raw == "proof":
        return Target("proof")
    gpus = tuple(dict.fromkeys(normalise_gpu(g) or "" for g in raw.get("gpus") or ()))
    if "triton" in raw:
        release = find_release(raw["triton"])
        tensorrt = raw.get("tensorrt") or (release.tensorrt if release else None)
        return Target("triton", raw["triton"].strip(), tensorrt, gpus)
    return Target("tensorrt", None, raw["tensorrt"], gpus)


def resolve_target(target: Target | None, installed_flavour: str, installed_version: str,
                   device_cc: str | None) -> Target:
    """The declared target, or the default: this TensorRT and GPU for full TensorRT, a proof for RTX."""
    if target is not None:
        return target
    if installed_flavour == "rtx":
        return Target("proof")
    gpu = sm_from_cc(device_cc)
    return Target("local", None, installed_version, (gpu,) if gpu else ())


def _tensorrt_problems(value: Any) -> list[Problem]:
    if value is None:
        return []
    if isinstance(value, float):
        return [("target.tensorrt", f"write the version as a string: tensorrt: \"{value}\" (YAML reads an unquoted "
                                    "version as a number and drops trailing zeros)")]
    if not isinstance(value, str) or not is_version(value):
        return [("target.tensorrt", f"{value!r} is not a TensorRT version such as \"10.8.0\" or \"10.8.0.43\"")]
    return []


def _triton_problems(value: Any, tensorrt: Any) -> list[Problem]:
    if isinstance(value, float):
        return [("target.triton", f"write the release as a string: triton: \"{value}\" (YAML reads 25.10 as the "
                                  "number 25.1)")]
    parts = split_name(value) if isinstance(value, str) else None
    if parts is None or not 1 <= int(parts[0][3:]) <= 12:
        return [("target.triton", f"{value!r} is not a Triton container release such as \"25.01\" (YY.MM, "
                                  "optionally -trtllm-python-py3)")]
    release = find_release(value)
    given = tensorrt if isinstance(tensorrt, str) and is_version(tensorrt) else None
    if release is None or release.tensorrt is None:
        return [] if given else [("target.triton", _unknown_release(value, release.note if release else ""))]
    if given and not same_version(given, release.tensorrt):
        return [("target.tensorrt", f"Triton {value} runs TensorRT {release.tensorrt} ({release.source}), not "
                                    f"{given}; drop tensorrt: or correct it")]
    return []


def _unknown_release(value: str, note: str) -> str:
    release, container = split_name(value) or ("YY.MM", PY3)
    releases = sorted({r.release for r in RELEASES}, reverse=True)
    if release not in releases:
        head = f"unknown Triton release {value!r}{_suggest(release, releases)}; trtrepo's release table has " \
               f"{releases[-1]} to {releases[0]}"
    else:
        other = [r.name for r in RELEASES if r.release == release and r.container != container and r.tensorrt]
        head = (f"trtrepo's release table has no TensorRT version for Triton {value}'s {container} container"
                + (f" ({note})" if note else "") + (f"; only for {other[0]}" if other else ""))
    return (f"{head}; also give the TensorRT version the servers run (Triton's maintainers point to the one in "
            f"nvcr.io/nvidia/tensorrt:{release}-py3): tensorrt: \"X.Y.Z\" beside triton: (on the command line "
            f"--target triton:{value},tensorrt:X.Y.Z)")


def _gpus_problems(value: Any) -> list[Problem]:
    if value is None:
        return [("target.gpus", "list the GPU architectures the servers run, e.g. gpus: [sm_80, sm_90] (a plan "
                                "loads only on the architectures it was built for)")]
    if not isinstance(value, list) or not value:
        return [("target.gpus", "must be a non-empty list such as [sm_80, sm_90]")]
    problems, seen = [], set()
    for index, item in enumerate(value):
        gpu = normalise_gpu(item)
        if gpu is None:
            problems.append((f"target.gpus[{index}]", f"{item!r} is not a GPU architecture: write sm_80, sm80 or "
                                                      "\"8.0\" (the compute capability)"))
        elif gpu in seen:
            problems.append((f"target.gpus[{index}]", f"{gpu} is listed twice"))
        seen.add(gpu or "")
    return problems


def _suggest(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def parse_target_option(text: str, gpus: str | None = None) -> Target:
    """The Target of the CLI spelling: ``proof``, ``triton:25.01``, ``tensorrt:10.8.0`` or both joined by a comma.

    ``gpus`` is ``sm_80,sm_90`` (or ``8.0,9.0``); without it the Target has no GPUs and the caller
    fills them in (inspect uses the architectures recorded at build).
    """
    if text.strip() == "proof":
        return Target("proof")
    raw: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition(":")
        if key.strip() not in ("triton", "tensorrt") or not value.strip():
            raise TargetError(f"--target {text!r}: {part!r} is not triton:<release> or tensorrt:<version>; e.g. "
                              "--target triton:25.01, --target tensorrt:10.8.0 or --target proof")
        raw[key.strip()] = value.strip()
    if gpus:
        raw["gpus"] = [g.strip() for g in gpus.split(",") if g.strip()]
    # Without --gpus the caller fills the architectures in, so their absence is no problem here.
    problems = [(where, what) for where, what in target_problems(raw) if gpus or where != "target.gpus"]
    if problems:
        raise TargetError(f"--target {text!r}: " + "; ".join(
            f"{where.replace('target.gpus', '--gpus')}: {what}" for where, what in problems))
    return _build(raw)
