"""Run the server in the foreground until a signal, or in the background tracked by a pid file.

A background server is tracked twice: by the pid file in its work folder (what ``serve --stop
--workdir DIR`` reads), and by an entry in a small per-user registry (``install.server_registry_dir``)
so that ``serve --stop`` run from another folder still finds it — or lists them when several run.
An entry whose process is gone, or is no longer that server, is dropped when the registry is read.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from trtrepo.errors import ServeError
from trtrepo.serve.install import server_registry_dir
from trtrepo.serve.processes import (
    command_line,
    is_alive,
    kill_process_group,
    remove_shared_memory_regions,
)
from trtrepo.serve.server import (
    LOG_TAIL_LINES,
    SHM_PREFIX_SETTING,
    STOP_GRACE_PERIOD_S,
    StartCancelled,
    TritonServer,
)

# SIGHUP too: the server lives in its own session, so when the terminal closes it would not get
# the hang-up itself and would outlive the trtrepo process that owns it.
SHUTDOWN_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def serve_forever(
    server: TritonServer,
    on_ready: Callable[[TritonServer], None] | None = None,
    poll_interval: float = 0.5,
) -> int:
    """Start ``server`` if needed, serve until SIGINT/SIGTERM/SIGHUP, then stop it cleanly.

    Pass the server unstarted, so a Ctrl-C during a long model load also stops it: the signal
    handlers are installed first and only set an event, which both the startup wait and the
    serving loop watch. ``on_ready`` is called once the server is ready (e.g. to print its URLs).
    Returns the number of the first signal received; raises ServeError, with the log tail, if
    the server exits on its own. Must run in the main thread (Python delivers signals there).
    """
    if threading.current_thread() is not threading.main_thread():
        raise ServeError("serve_forever() must run in the main thread to receive Ctrl-C")
    received: list[int] = []
    stop_requested = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)  # a second Ctrl-C lands here too and cannot cut the stop short
        stop_requested.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in SHUTDOWN_SIGNALS}
    try:
        if server.pid is None:
            server.start(cancel=stop_requested)
        if on_ready is not None:
            on_ready(server)
        while not stop_requested.wait(poll_interval):
            code = server.poll()
            if code is not None:
                raise ServeError(
                    f"the Triton server exited on its own with code {code}.\n"
                    f"last {LOG_TAIL_LINES} lines of {server.log_file}:\n{server.log_tail()}"
                )
    except StartCancelled:
        pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return received[0]


def start_background(model_repository: Path, pid_file: Path, **server_options: Any) -> TritonServer:
    """Start a server that outlives this process; its pid goes to ``pid_file``.

    ``server_options`` are :class:`TritonServer` keyword arguments. Returns once the server is
    ready (or raises ServeError). Stop it later, from any process, with :func:`stop_background`.
    """
    pid = read_pid_file(pid_file)
    if pid is not None and _is_tritonserver(pid):
        raise ServeError(
            f"a Triton server is already running with pid {pid} (from {pid_file}); "
            f"stop it first: `trtrepo serve --stop --workdir {pid_file.parent}`"
        )
    server = TritonServer(model_repository, pid_file=pid_file, **server_options)
    server.start()
    _register(server, Path(pid_file))
    return server


def stop_background(pid_file: Path, grace_period: float = STOP_GRACE_PERIOD_S) -> bool:
    """Stop the server recorded in ``pid_file``: True if one ran, False if the file was stale.

    Only a process that is really a ``tritonserver`` is signalled, so a stale pid file whose
    number now belongs to another program is harmless.
    """
    pid = read_pid_file(pid_file)
    if pid is None:
        raise ServeError(
            f"no pid file at {pid_file}: no background Triton server was started there"
        )
    if not _is_tritonserver(pid):
        pid_file.unlink(missing_ok=True)
        _unregister(pid)
        return False
    shm_prefix = _shm_region_prefix(pid)
    # A TritonServer leads its own process group (start_new_session), which holds its stubs.
    leads_group = os.getpgid(pid) == pid
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_period
    while is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if leads_group:  # the server after the grace period, or stubs orphaned by a fast exit
        kill_process_group(pid)
    elif is_alive(pid):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while is_alive(pid):
        if time.monotonic() > deadline:
            raise ServeError(f"Triton server pid {pid} survived SIGKILL; check `ps -l {pid}`")
        time.sleep(0.05)
    if shm_prefix:
        remove_shared_memory_regions(shm_prefix)
    pid_file.unlink(missing_ok=True)
    _unregister(pid)
    return True


@dataclass(frozen=True)
class BackgroundServer:
    """A background server as the registry lists it."""

    pid: int
    pid_file: Path  # in the server's work folder: ``workdir`` is its parent
    model_repository: Path  # the (derived) repository it serves
    http_url: str
    grpc_url: str
    started_at: float  # seconds since the epoch

    @property
    def workdir(self) -> Path:
        """The folder ``serve --stop --workdir`` names to stop this server."""
        return self.pid_file.parent


def running_servers() -> list[BackgroundServer]:
    """The background servers of this user that still run, oldest first; stale entries are dropped."""
    servers = []
    for entry in sorted(_registry().glob("*.json")):
        server = _read_entry(entry)
        if server is not None and _is_the_server(server):
            servers.append(server)
        else:
            entry.unlink(missing_ok=True)
    return sorted(servers, key=lambda s: s.started_at)


def _registry() -> Path:
    return server_registry_dir()


def _register(server: TritonServer, pid_file: Path) -> None:
    """List ``server`` in the registry. Best effort: the pid file alone still stops it."""
    assert server.pid is not None
    entry = BackgroundServer(server.pid, pid_file.resolve(), server.model_repository, server.url_http,
                             server.url_grpc, time.time())
    record = {**asdict(entry), "pid_file": str(entry.pid_file), "model_repository": str(entry.model_repository)}
    try:
        _registry().mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=_registry(), suffix=".tmp", delete=False) as staging:
            json.dump(record, staging)
        os.replace(staging.name, _registry() / f"{server.pid}.json")  # readers never see half an entry
    except OSError:
        return


def _unregister(pid: int) -> None:
    try:
        (_registry() / f"{pid}.json").unlink(missing_ok=True)
    except OSError:
        return


def _read_entry(path: Path) -> BackgroundServer | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return BackgroundServer(int(data["pid"]), Path(data["pid_file"]), Path(data["model_repository"]),
                                str(data["http_url"]), str(data["grpc_url"]), float(data["started_at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # half-written by a crash, or not ours: dropped like a stale entry


def _is_the_server(server: BackgroundServer) -> bool:
    """Still running, and still that server: the pid may since belong to another process."""
    return _is_tritonserver(server.pid) and f"--model-repository={server.model_repository}" in command_line(server.pid)


def read_pid_file(pid_file: Path) -> int | None:
    """The pid recorded in ``pid_file``, or None if there is no such file."""
    try:
        text = Path(pid_file).read_text().strip()
    except FileNotFoundError:
        return None
    try:
        return int(text.split()[0])
    except (ValueError, IndexError) as error:
        raise ServeError(
            f"{pid_file} does not hold a process id (found {text[:40]!r}); delete it"
        ) from error


def _is_tritonserver(pid: int) -> bool:
    argv = command_line(pid)
    return is_alive(pid) and bool(argv) and os.path.basename(argv[0]) == "tritonserver"


def _shm_region_prefix(pid: int) -> str | None:
    """The shared-memory prefix a TritonServer passed on the command line, if any."""
    marker = f"--backend-config=python,{SHM_PREFIX_SETTING}="
    found = [arg[len(marker) :] for arg in command_line(pid) if arg.startswith(marker)]
    return found[0] if found and found[0].startswith("trtrepo_") else None
