"""Run a local ``tritonserver`` over a model repository: start, wait until ready, stop.

The server runs in its own session (process group), so a Ctrl-C at the terminal reaches only
trtrepo, which then stops the server in order, and so a forced stop can kill the Python backend
stubs together with the server.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from trtrepo.errors import ServeError
from trtrepo.serve.install import TritonInstall, find_tritonserver
from trtrepo.serve.processes import kill_process_group, remove_shared_memory_regions

LOG_TAIL_LINES = 30
# Triton gives in-flight requests this long after SIGTERM; we wait a little longer before SIGKILL,
# so a slow unload still ends in Triton's own clean shutdown rather than in our kill.
TRITON_EXIT_TIMEOUT_S = 10
STOP_GRACE_PERIOD_S = 15.0
_POLL_INTERVAL_S = 0.1
SHM_PREFIX_SETTING = "shm-region-prefix-name"


class StartCancelled(ServeError):
    """:meth:`TritonServer.start` gave up because its ``cancel`` event was set (e.g. by Ctrl-C)."""


@dataclass(frozen=True)
class ModelState:
    """One entry of Triton's repository index: ``state`` is READY, UNAVAILABLE, LOADING, ..."""

    name: str
    version: str | None
    state: str
    reason: str

    @property
    def ready(self) -> bool:
        """Whether Triton serves this model."""
        return self.state == "READY"


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 now; all are held open while choosing, so they are distinct."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    """A port free on 127.0.0.1 now (another process may still take it before the server does)."""
    return free_ports(1)[0]


class TritonServer:
    """A ``tritonserver`` child process serving ``model_repository``.

    Use as a context manager (``with TritonServer(repo) as server: ...``) or call :meth:`start`
    and :meth:`stop`. A port of 0 means "pick a free one". ``url_http`` and ``url_grpc`` are in
    the ``host:port`` form that ``tritonclient.http`` / ``tritonclient.grpc`` expect.

    By default :meth:`start` fails if any model of the repository did not load, naming each with
    Triton's reason; with ``require_all_models=False`` the server keeps serving the others and
    :meth:`model_ready` / :meth:`model_states` tell which loaded.
    """

    def __init__(
        self,
        model_repository: Path,
        *,
        http_port: int = 8000,
        grpc_port: int = 8001,
        metrics_port: int = 8002,
        address: str = "127.0.0.1",
        log_file: Path | None = None,
        pid_file: Path | None = None,
        startup_timeout: float = 120.0,
        require_all_models: bool = True,
        extra_args: tuple[str, ...] = (),
        install: TritonInstall | None = None,
    ):
        self.model_repository = Path(model_repository).resolve()
        wanted = [http_port, grpc_port, metrics_port].count(0)
        chosen = iter(free_ports(wanted))
        self.http_port = http_port or next(chosen)
        self.grpc_port = grpc_port or next(chosen)
        self.metrics_port = metrics_port or next(chosen)
        self.address = address
        self.log_file = Path(log_file).resolve() if log_file else _temporary_log_file()
        self.pid_file = Path(pid_file) if pid_file else None
        self.startup_timeout = startup_timeout
        self.require_all_models = require_all_models
        self.extra_args = tuple(extra_args)
        self._install = install
        self._process: subprocess.Popen[bytes] | None = None
        # Our own prefix for the Python backend's shared-memory regions, to find leftovers.
        self.shm_region_prefix = f"trtrepo_{secrets.token_hex(4)}_"

    # ----- addresses ------------------------------------------------------------------------------
    @property
    def host(self) -> str:
        """Host to connect to: loopback when the server listens on all interfaces."""
        return "127.0.0.1" if self.address == "0.0.0.0" else self.address

    @property
    def url_http(self) -> str:
        """``host:port`` of the HTTP/REST endpoint (no scheme, as tritonclient.http wants)."""
        return f"{self.host}:{self.http_port}"

    @property
    def url_grpc(self) -> str:
        """``host:port`` of the gRPC endpoint."""
        return f"{self.host}:{self.grpc_port}"

    @property
    def url_metrics(self) -> str:
        """Full URL of the Prometheus metrics page."""
        return f"http://{self.host}:{self.metrics_port}/metrics"

    @property
    def pid(self) -> int | None:
        """Process id of the running server, or None before start."""
        return self._process.pid if self._process else None

    def command(self) -> list[str]:
        """The ``tritonserver`` command line; printed in errors so a failure can be reproduced."""
        install = self._resolved_install()
        return [
            str(install.binary),
            f"--model-repository={self.model_repository}",
            f"--backend-directory={install.backend_directory}",
            f"--http-address={self.address}",
            f"--grpc-address={self.address}",
            f"--metrics-address={self.address}",
            f"--http-port={self.http_port}",
            f"--grpc-port={self.grpc_port}",
            f"--metrics-port={self.metrics_port}",
            "--log-verbose=0",
            # Load everything at startup: the HTTP endpoint only opens once every model has been
            # tried, so "ready" below also means "loading finished".
            "--model-control-mode=none",
            # Keep serving when one model fails, and count the server ready anyway: start() then
            # reads each model's state and Triton's reason from the repository index, which makes
            # a far clearer error than "failed to load all models" and a dead process.
            "--exit-on-error=false",
            "--strict-readiness=false",
            # trtrepo writes complete configs; auto-complete would only start an extra Python
            # backend stub per model (slower startup) and could silently fill in what we omitted.
            "--disable-auto-complete-config",
            f"--exit-timeout-secs={TRITON_EXIT_TIMEOUT_S}",
            f"--backend-config=python,{SHM_PREFIX_SETTING}={self.shm_region_prefix}",
            *self.extra_args,
        ]

    # ----- lifecycle ------------------------------------------------------------------------------
    def start(self, cancel: threading.Event | None = None) -> Self:
        """Spawn the server and wait until it is ready; else raise ServeError with the log tail.

        Setting ``cancel`` (from a signal handler, say) stops the wait and the server, and raises
        StartCancelled. That beats raising from the handler, which can land inside
        ``subprocess.Popen`` after the fork and leave a server nobody holds.
        """
        if self._process is not None and self._process.poll() is None:
            raise ServeError(f"the Triton server is already running (pid {self._process.pid})")
        if not self.model_repository.is_dir():
            raise ServeError(f"model repository {self.model_repository} is not a directory")
        self._check_ports_free()
        command = self.command()
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "wb") as log:  # the child keeps its own copy of the descriptor
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._resolved_install().environment(),
                start_new_session=True,
            )
        if self.pid_file:
            self.pid_file.parent.mkdir(parents=True, exist_ok=True)
            self.pid_file.write_text(f"{self._process.pid}\n")
        try:
            self._wait_until_ready(cancel or threading.Event())
            if self.require_all_models:
                self._check_all_models_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace_period: float = STOP_GRACE_PERIOD_S) -> int | None:
        """SIGTERM, wait ``grace_period``, then SIGKILL the process group; return the exit code."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(grace_period)
            except subprocess.TimeoutExpired:
                kill_process_group(process.pid)
                process.wait()
        if process is not None:
            # A SIGTERM while models are still loading kills tritonserver at once (its handler is
            # not installed yet), orphaning the Python backend stubs; they notice only seconds
            # later. They stay in the server's process group, whose id is not reused while any
            # member lives, so killing the group now is safe and leaves nothing behind.
            kill_process_group(process.pid)
            remove_shared_memory_regions(self.shm_region_prefix)
        if self.pid_file:
            self.pid_file.unlink(missing_ok=True)
        return process.returncode if process else None

    def poll(self) -> int | None:
        """Exit code if the server process has ended, else None."""
        return self._process.poll() if self._process else None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # ----- queries --------------------------------------------------------------------------------
    def model_ready(self, name: str, version: str = "") -> bool:
        """Whether ``/v2/models/<name>[/versions/<version>]/ready`` answers 200."""
        path = f"/v2/models/{name}" + (f"/versions/{version}" if version else "") + "/ready"
        return self._http_status(path) == 200

    def model_states(self) -> list[ModelState]:
        """Every model Triton found in the repository, with its state and failure reason."""
        index = self._http_json("/v2/repository/index", method="POST", body=b"{}")
        return [
            ModelState(
                name=entry["name"],
                version=entry.get("version"),
                state=entry.get("state", "UNKNOWN"),
                reason=entry.get("reason", ""),
            )
            for entry in index
        ]

    def metadata(self) -> dict[str, Any]:
        """Server metadata from ``/v2``: name, version (e.g. 2.51.0) and extensions."""
        result: dict[str, Any] = self._http_json("/v2")
        return result

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines of the server log."""
        try:
            with open(self.log_file, "rb") as log:
                log.seek(0, os.SEEK_END)
                log.seek(max(0, log.tell() - 256 * 1024))
                text = log.read().decode("utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # ----- internals ------------------------------------------------------------------------------
    def _resolved_install(self) -> TritonInstall:
        if self._install is None:
            self._install = find_tritonserver()
        return self._install

    def _check_ports_free(self) -> None:
        """Fail early and clearly on a taken port; otherwise another server there might answer
        our readiness probe while ours is still loading models."""
        ports = {"HTTP": self.http_port, "gRPC": self.grpc_port, "metrics": self.metrics_port}
        for label, port in ports.items():
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    sock.bind((self.address, port))
                except OSError as error:
                    raise ServeError(
                        f"{label} port {port} on {self.address} is not available "
                        f"({error.strerror}); stop what uses it or choose another port"
                    ) from error

    def _wait_until_ready(self, cancel: threading.Event) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if cancel.is_set():
                raise StartCancelled("the Triton server start was cancelled")
            code = self._process.poll()
            if code is not None:
                raise self._failure(f"exited with code {code} while starting")
            if self._http_status("/v2/health/ready") == 200 and self._process.poll() is None:
                return
            if time.monotonic() > deadline:
                raise self._failure(f"was not ready after {self.startup_timeout:g} s")
            time.sleep(_POLL_INTERVAL_S)

    def _check_all_models_ready(self) -> None:
        failed = [model for model in self.model_states() if not model.ready]
        if not failed:
            return
        lines = []
        for model in failed:
            version = f" version {model.version}" if model.version else ""
            reason = model.reason.strip().replace("\n", "\n      ") or "(no reason given)"
            lines.append(f"  - {model.name}{version}: {model.state}: {reason}")
            if "unable to find backend library" in model.reason:
                lines.append(
                    "      the nvidia-pytriton server has only the Python backend; serve TensorRT "
                    "engines with a full Triton (e.g. the NGC tritonserver container)"
                )
        listed = "\n".join(lines)
        raise ServeError(
            f"Triton started but {len(failed)} model(s) in {self.model_repository} did not load:\n"
            f"{listed}\nfull log: {self.log_file}"
        )

    def _failure(self, what: str) -> ServeError:
        return ServeError(
            f"the Triton server {what}.\n"
            f"command: {' '.join(self.command())}\n"
            f"last {LOG_TAIL_LINES} lines of {self.log_file}:\n{self.log_tail()}"
        )

    def _http_status(self, path: str) -> int | None:
        try:
            with urllib.request.urlopen(f"http://{self.url_http}{path}", timeout=2) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code
        except (OSError, ValueError):  # refused, reset, timed out: not up yet
            return None

    def _http_json(self, path: str, method: str = "GET", body: bytes | None = None) -> Any:
        request = urllib.request.Request(f"http://{self.url_http}{path}", data=body, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except (OSError, ValueError) as error:
            raise ServeError(
                f"Triton at {self.url_http} did not answer {method} {path}: {error}"
            ) from error


def _temporary_log_file() -> Path:
    handle, name = tempfile.mkstemp(prefix="trtrepo-tritonserver-", suffix=".log")
    os.close(handle)
    return Path(name)
