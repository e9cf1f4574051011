"""Linux process bookkeeping for the server: its process group, liveness, leftover shared memory.

``tritonserver`` exists only for Linux, so reading ``/proc`` directly is fine and avoids a
dependency. Zombies count as gone: in containers whose PID 1 does not reap orphans, killed
backend stubs stay zombies indefinitely without holding any resource but their process entry.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

SHARED_MEMORY = Path("/dev/shm")
_GONE_STATES = ("Z", "X")  # zombie, dead


def live_group_members(group: int) -> list[int]:
    """Pids of the running (not zombie) processes in process group ``group``."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields and int(fields[2]) == group and fields[0] not in _GONE_STATES:
                members.append(int(entry.name))
    return members


def kill_process_group(group: int, timeout: float = 5.0) -> None:
    """SIGKILL every process in ``group`` and wait (up to ``timeout``) until none runs."""
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while live_group_members(group) and time.monotonic() < deadline:
        time.sleep(0.02)


def is_alive(pid: int) -> bool:
    """True if ``pid`` runs and is not a zombie (reaping it first when it is our own child)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass  # not our child: its parent (or init) reaps it
    fields = _stat_fields(pid)
    return bool(fields) and fields[0] not in _GONE_STATES


def command_line(pid: int) -> list[str]:
    """The arguments ``pid`` was started with, or [] if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg]


def remove_shared_memory_regions(prefix: str) -> None:
    """Unlink the Python backend regions named ``<prefix><uuid>`` that a killed stub left behind.

    Each holds at least 1 MiB and grows to about twice the largest request, in RAM (tmpfs).
    """
    for region in SHARED_MEMORY.glob(f"{prefix}*"):
        region.unlink(missing_ok=True)


def _stat_fields(pid: int) -> list[str]:
    """``/proc/<pid>/stat`` after the command name: state, ppid, pgrp, ... ([] if gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return stat.rsplit(")", 1)[1].split()  # the name in parentheses may hold spaces or ")"
