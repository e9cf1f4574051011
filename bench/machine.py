"""What the numbers were measured on: machine, load, Python, torch, TensorRT flavour, date."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re
import time
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    except OSError:
        match = None
    return match.group(1).strip() if match else platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        match = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE)
    except OSError:
        return None
    return round(int(match.group(1)) / (1 << 20), 1) if match else None


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages (other workers share this machine)."""
    return [round(x, 2) for x in os.getloadavg()]


def describe() -> dict[str, Any]:
    """JSON-ready facts about this machine and the software measured."""
    import torch

    from trtrepo import __version__
    from trtrepo.trt_flavour import flavour

    fl = flavour()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "tensorrt": {"flavour": fl.name, "module": fl.module_name, "version": fl.version},
        "trtrepo": __version__,
        "onnx": _version("onnx"),
        "onnxscript": _version("onnxscript"),
        "load_average_at_start": load_average(),
    }


def markdown(machine: dict[str, Any]) -> str:
    """The machine section of RESULTS.md."""
    trt = machine["tensorrt"]
    rows = [
        ("date", machine["date"]),
        ("CPU", f"{machine['cpu_model']}, {machine['cores']} cores ({machine['cores_usable']} usable), "
                f"torch uses {machine['torch_threads']} threads"),
        ("memory", f"{machine['memory_gib']} GiB"),
        ("OS", machine["os"]),
        ("Python", machine["python"]),
        ("torch", machine["torch"]),
        ("TensorRT", f"{trt['flavour']} ({trt['module']} {trt['version']})"),
        ("ONNX route", f"onnx {machine['onnx']}, onnxscript {machine['onnxscript']}"),
        ("trtrepo", machine["trtrepo"]),
        ("load average (1/5/15 min)", f"{machine['load_average_at_start']} at start, "
                                      f"{machine.get('load_average_at_end', '?')} at end"),
    ]
    return "\n".join(["| | |", "| --- | --- |", *(f"| {k} | {v} |" for k, v in rows)])
