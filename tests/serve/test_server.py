"""trtrepo.serve against the real tritonserver from the nvidia-pytriton wheel (no mocks).

One module-scoped server holds the models most tests need; tests that must see a start fail, or a
server stop, start their own, on small repositories, so the whole file stays at a few seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient

import trtrepo
from trtrepo.errors import ServeError
from trtrepo.serve import (
    TritonInstall,
    TritonServer,
    find_tritonserver,
    python_backend_preamble,
    start_background,
    stop_background,
)
from trtrepo.serve import install as install_module
from trtrepo.serve.processes import (
    SHARED_MEMORY,
    command_line,
    is_alive,
    live_group_members,
    remove_shared_memory_regions,
)

CONFIG = """\
name: "{name}"
backend: "python"
max_batch_size: 0
input [ {{ name: "INPUT0" data_type: TYPE_FP32 dims: [ -1 ] }} ]
output [ {{ name: "OUTPUT0" data_type: {output_type} dims: [ -1 ] }} ]
instance_group [ {{ kind: KIND_CPU count: 1 }} ]
"""

DOUBLE = """
import numpy as np
import triton_python_backend_utils as pb_utils

class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_numpy()
            output = pb_utils.Tensor("OUTPUT0", (x * 2).astype(np.float32))
            responses.append(pb_utils.InferenceResponse([output]))
        return responses
"""

# Reports which interpreter and which trtrepo the stub runs, to check the preamble and the env.
PYTHON_ENVIRONMENT = """
import sys
import numpy as np
import triton_python_backend_utils as pb_utils
import trtrepo

class TritonPythonModel:
    def execute(self, requests):
        facts = np.array([sys.version, trtrepo.__file__, np.__file__], dtype=np.object_)
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUTPUT0", facts)]) for _ in requests]
"""

BROKEN = """
class TritonPythonModel:
    def initialize(self, args):
        raise RuntimeError("deliberately broken for the test")

    def execute(self, requests):
        return []
"""

SLOW = """
import time

class TritonPythonModel:
    def initialize(self, args):
        time.sleep(60)

    def execute(self, requests):
        return []
"""


def write_python_model(repository: Path, name: str, source: str, output_type: str = "TYPE_FP32"):
    (repository / name / "1").mkdir(parents=True)
    config = CONFIG.format(name=name, output_type=output_type)
    (repository / name / "config.pbtxt").write_text(config)
    model_py = python_backend_preamble() + textwrap.dedent(source)
    (repository / name / "1" / "model.py").write_text(model_py)


def leftover_shared_memory(server: TritonServer) -> list[Path]:
    return sorted(SHARED_MEMORY.glob(f"{server.shm_region_prefix}*"))


@pytest.fixture(scope="module")
def install(tmp_path_factory) -> TritonInstall:
    return find_tritonserver(cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def server(install, tmp_path_factory):
    repository = tmp_path_factory.mktemp("repository")
    write_python_model(repository, "double", DOUBLE)
    write_python_model(repository, "python_environment", PYTHON_ENVIRONMENT, "TYPE_STRING")
    write_python_model(repository, "broken", BROKEN)
    log_file = tmp_path_factory.mktemp("logs") / "triton.log"
    with TritonServer(
        repository,
        http_port=0,
        grpc_port=0,
        metrics_port=0,
        log_file=log_file,
        startup_timeout=60,
        require_all_models=False,  # "broken" must not stop the others from being served
        install=install,
    ) as running:
        yield running


def small_server(install: TritonInstall, repository: Path, **options) -> TritonServer:
    defaults = {"http_port": 0, "grpc_port": 0, "metrics_port": 0, "startup_timeout": 60}
    log_file = repository.parent / "triton.log"
    return TritonServer(repository, log_file=log_file, install=install, **{**defaults, **options})


# ----- finding the server -------------------------------------------------------------------------
def test_find_tritonserver_prepares_backend_directory_for_this_python(install):
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    stub = install.backend_directory / "python" / "triton_python_backend_stub"
    assert install.binary.name == "tritonserver" and os.access(install.binary, os.X_OK)
    assert stub.resolve().parent.name == python
    assert (install.backend_directory / "python" / "libtriton_python.so").exists()
    assert install.env["LD_LIBRARY_PATH"].split(os.pathsep)[-1].endswith("nvidia_pytriton.libs")
    assert install.python_version == python


def test_find_tritonserver_explains_how_to_install_pytriton(monkeypatch):
    monkeypatch.setattr(install_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ServeError, match=r"pip install nvidia-pytriton"):
        find_tritonserver()


def test_preamble_puts_site_packages_and_trtrepo_on_sys_path():
    preamble = python_backend_preamble()
    compile(preamble, "model.py", "exec")
    assert str(Path(trtrepo.__file__).resolve().parent.parent) in preamble
    assert str(Path(np.__file__).resolve().parent.parent) in preamble


# ----- the shared server --------------------------------------------------------------------------
def test_http_infer_doubles_input(server):
    x = np.array([1.0, -2.5, 3.25, 0.0], dtype=np.float32)
    with httpclient.InferenceServerClient(server.url_http) as client:
        request = httpclient.InferInput("INPUT0", list(x.shape), "FP32")
        request.set_data_from_numpy(x)
        result = client.infer("double", [request])
    np.testing.assert_array_equal(result.as_numpy("OUTPUT0"), x * 2)


def test_grpc_infer_doubles_input(server):
    x = np.arange(7, dtype=np.float32) - 3
    with grpcclient.InferenceServerClient(server.url_grpc) as client:
        assert client.is_server_ready() and client.is_model_ready("double")
        request = grpcclient.InferInput("INPUT0", list(x.shape), "FP32")
        request.set_data_from_numpy(x)
        result = client.infer("double", [request])
    np.testing.assert_array_equal(result.as_numpy("OUTPUT0"), x * 2)


def test_stub_runs_this_python_with_this_environment(server):
    with httpclient.InferenceServerClient(server.url_http) as client:
        request = httpclient.InferInput("INPUT0", [1], "FP32")
        request.set_data_from_numpy(np.zeros(1, dtype=np.float32))
        facts = client.infer("python_environment", [request]).as_numpy("OUTPUT0")
    version, trtrepo_file, numpy_file = (fact.decode() for fact in facts)
    assert version == sys.version  # same libpython, not the system's 3.11.x
    assert Path(trtrepo_file).resolve() == Path(trtrepo.__file__).resolve()
    assert Path(numpy_file).resolve() == Path(np.__file__).resolve()


def test_failed_model_is_reported_not_ready_with_reason(server):
    assert server.model_ready("double")
    assert not server.model_ready("broken")
    assert not server.model_ready("no_such_model")
    states = {state.name: state for state in server.model_states()}
    assert states["double"].ready
    assert states["broken"].state == "UNAVAILABLE"
    assert "deliberately broken for the test" in states["broken"].reason


def test_metadata_names_triton_version(server):
    metadata = server.metadata()
    assert metadata["name"] == "triton" and metadata["version"].startswith("2.")


# ----- failures at start --------------------------------------------------------------------------
def test_start_fails_naming_model_that_did_not_load(install, tmp_path):
    repository = tmp_path / "repository"
    write_python_model(repository, "broken", BROKEN)
    server = small_server(install, repository)
    with pytest.raises(ServeError) as caught:
        server.start()
    message = str(caught.value)
    assert "1 model(s)" in message and "  - broken version 1: UNAVAILABLE" in message
    assert "RuntimeError: deliberately broken for the test" in message
    assert server.pid is not None and live_group_members(server.pid) == []


def test_start_timeout_quotes_log_tail_and_kills_server(install, tmp_path):
    repository = tmp_path / "repository"
    write_python_model(repository, "slow", SLOW)
    server = small_server(install, repository, startup_timeout=1.5)
    with pytest.raises(ServeError) as caught:
        server.start()
    message = str(caught.value)
    assert "was not ready after 1.5 s" in message
    assert "last 30 lines of" in message and 'loading: slow:1' in message
    assert "--model-repository=" in message  # the command, to reproduce by hand
    # Triton dies at once on SIGTERM while loading; its orphaned stub must not survive either,
    # nor the shared memory the killed stub could not unlink.
    assert server.pid is not None and live_group_members(server.pid) == []
    assert leftover_shared_memory(server) == []


def test_taken_port_is_reported_before_spawning(install, tmp_path):
    (tmp_path / "repository").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = small_server(install, tmp_path / "repository", grpc_port=port)
        with pytest.raises(ServeError, match=rf"gRPC port {port} on 127.0.0.1 is not available"):
            server.start()
    assert server.pid is None


def test_missing_repository_is_reported(install, tmp_path):
    with pytest.raises(ServeError, match="is not a directory"):
        small_server(install, tmp_path / "nowhere").start()


# ----- stopping -----------------------------------------------------------------------------------
def test_background_server_stops_from_pid_file_and_leaves_no_process(install, tmp_path):
    repository = tmp_path / "repository"
    write_python_model(repository, "double", DOUBLE)
    pid_file = tmp_path / "run" / "triton.pid"
    server = start_background(
        repository,
        pid_file,
        http_port=0,
        grpc_port=0,
        metrics_port=0,
        log_file=tmp_path / "triton.log",
        install=install,
    )
    pid = int(pid_file.read_text())
    assert pid == server.pid
    assert len(live_group_members(pid)) == 2  # tritonserver and the stub of "double"
    assert len(leftover_shared_memory(server)) == 1  # the stub's region, while it runs
    with pytest.raises(ServeError, match=f"already running with pid {pid}"):
        start_background(repository, pid_file, install=install)

    assert stop_background(pid_file) is True
    assert live_group_members(pid) == []
    assert leftover_shared_memory(server) == []
    assert not pid_file.exists()
    with pytest.raises(ServeError, match="no pid file"):
        stop_background(pid_file)


def test_stale_pid_file_signals_nothing(tmp_path):
    pid_file = tmp_path / "triton.pid"
    pid_file.write_text(f"{os.getpid()}\n")  # alive, but not a tritonserver
    assert stop_background(pid_file) is False
    assert not pid_file.exists()


SERVER_PROGRAMS = ("tritonserver", "triton_python_backend_stub")
SERVE_FOREVER_SCRIPT = """
import sys
from pathlib import Path
from trtrepo.serve import TritonServer, serve_forever

server = TritonServer(Path(sys.argv[1]), http_port=0, grpc_port=0, metrics_port=0,
                      log_file=Path(sys.argv[2]))
signum = serve_forever(server, on_ready=lambda ready: print(ready.pid, flush=True))
print("stopped by signal", signum, flush=True)
"""


def run_serve_forever(tmp_path: Path, repository: Path) -> subprocess.Popen[str]:
    """``serve_forever`` in a child Python, as the foreground ``trtrepo serve`` runs it."""
    env = dict(
        os.environ,
        PYTHONPATH=str(Path(trtrepo.__file__).resolve().parent.parent),
        TRTREPO_CACHE_DIR=str(tmp_path / "cache"),
    )
    command = [sys.executable, "-c", SERVE_FOREVER_SCRIPT, repository, tmp_path / "triton.log"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)


def processes_using(repository: Path) -> list[int]:
    """Running tritonserver and stub processes whose command line names ``repository``."""
    found = []
    for pid in (int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()):
        argv = command_line(pid)
        program = Path(argv[0]).name if argv else ""
        if program in SERVER_PROGRAMS and str(repository) in " ".join(argv) and is_alive(pid):
            found.append(pid)
    return sorted(found)


def stop_child_and_its_servers(child: subprocess.Popen[str], repository: Path) -> None:
    """Test cleanup: a failed test must leave no server, stub or shared memory behind."""
    child.kill()  # a SIGKILLed trtrepo cannot stop its server: do it here
    child.wait()
    marker = "shm-region-prefix-name="
    for pid in processes_using(repository):
        prefixes = [arg.split(marker)[1] for arg in command_line(pid) if marker in arg]
        os.kill(pid, signal.SIGKILL)
        for prefix in prefixes:
            remove_shared_memory_regions(prefix)


def test_serve_forever_stops_server_on_ctrl_c(tmp_path):
    (tmp_path / "repository").mkdir()
    child = run_serve_forever(tmp_path, tmp_path / "repository")
    try:
        server_pid = int(child.stdout.readline())
        assert processes_using(tmp_path / "repository") == [server_pid]
        child.send_signal(signal.SIGINT)
        output, _ = child.communicate(timeout=30)
    finally:
        stop_child_and_its_servers(child, tmp_path / "repository")
    assert child.returncode == 0
    assert f"stopped by signal {int(signal.SIGINT)}" in output
    assert processes_using(tmp_path / "repository") == []


def test_serve_forever_ctrl_c_during_model_load_stops_server(tmp_path):
    repository = tmp_path / "repository"
    write_python_model(repository, "slow", SLOW)
    child = run_serve_forever(tmp_path, repository)
    try:
        deadline = time.monotonic() + 30
        while len(processes_using(repository)) < 2:  # tritonserver, and the stub stuck in sleep
            assert time.monotonic() < deadline, "the slow model never started loading"
            time.sleep(0.05)
        child.send_signal(signal.SIGINT)
        output, _ = child.communicate(timeout=30)
    finally:
        stop_child_and_its_servers(child, repository)
    assert child.returncode == 0
    assert output.strip() == f"stopped by signal {int(signal.SIGINT)}"  # never got ready
    assert processes_using(repository) == []
