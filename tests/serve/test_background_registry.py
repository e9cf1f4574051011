"""`serve --stop` finds the background server started from another folder (a per-user registry),
lists them when several run, and `serve stop` / "already running" say the real command."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.serve.test_server import DOUBLE, write_python_model
from trtrepo.errors import ServeError
from trtrepo.serve import find_tritonserver, start_background
from trtrepo.serve.background import running_servers
from trtrepo.serve.install import CACHE_ENV_VAR, server_registry_dir
from trtrepo.serve.processes import is_alive


@pytest.fixture
def registry(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    return server_registry_dir()


@pytest.fixture(scope="module")
def install(tmp_path_factory):
    return find_tritonserver(cache_dir=tmp_path_factory.mktemp("backend"))


def background(install, folder: Path):
    """A background server as `trtrepo serve --background` starts it, with its workdir in ``folder``."""
    write_python_model(folder / "repository", "double", DOUBLE)
    workdir = folder / ".trtrepo-cache" / "serve"
    return start_background(folder / "repository", workdir / "tritonserver.pid", http_port=0, grpc_port=0,
                            metrics_port=0, log_file=workdir / "tritonserver.log", install=install)


def test_serve_stop_is_a_usage_error_naming_the_flag(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("serve", "stop")
    assert result.exit_code == 2
    assert "there is no repository folder 'stop': to stop a background server, use `trtrepo serve --stop`" in \
        result.output


def test_stop_from_another_folder_finds_the_server(cli, install, registry, tmp_path, monkeypatch):
    server = background(install, tmp_path / "project")
    [listed] = running_servers()
    assert listed.pid == server.pid and listed.workdir == (tmp_path / "project" / ".trtrepo-cache" / "serve")
    with pytest.raises(ServeError, match=re.escape(f"stop it first: `trtrepo serve --stop --workdir {listed.workdir}`")):
        start_background(tmp_path / "project" / "repository", listed.pid_file, install=install)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    result = cli("serve", "--stop")
    assert result.exit_code == 0, result.output
    assert f"stopped the background Triton server (pid {server.pid}, HTTP {server.url_http}" in result.output
    assert not is_alive(server.pid) and list(registry.glob("*.json")) == []


def test_several_servers_are_listed_and_none_is_guessed(cli, install, registry, tmp_path, monkeypatch):
    first, second = background(install, tmp_path / "one"), background(install, tmp_path / "two")
    try:
        monkeypatch.chdir(tmp_path)
        result = cli("serve", "--stop")
        assert result.exit_code == 2
        assert "2 background Triton servers are running; say which to stop:" in result.output
        for server, name in ((first, "one"), (second, "two")):
            assert f"pid {server.pid}, HTTP {server.url_http}" in result.output
            assert f"`trtrepo serve --stop --workdir {tmp_path / name / '.trtrepo-cache' / 'serve'}`" in result.output
            assert is_alive(server.pid)
    finally:
        for name in ("one", "two"):
            cli("serve", "--stop", "--workdir", tmp_path / name / ".trtrepo-cache" / "serve")
    assert not is_alive(first.pid) and not is_alive(second.pid) and running_servers() == []


def test_a_stale_entry_is_dropped(cli, registry, tmp_path, monkeypatch):
    registry.mkdir(parents=True)
    (registry / f"{os.getpid()}.json").write_text(  # alive, but not a tritonserver
        f'{{"pid": {os.getpid()}, "pid_file": "{tmp_path}/x.pid", "model_repository": "{tmp_path}", '
        '"http_url": "localhost:8000", "grpc_url": "localhost:8001", "started_at": 0}')
    (registry / "garbage.json").write_text("{")
    monkeypatch.chdir(tmp_path)
    result = cli("serve", "--stop")
    assert result.exit_code == 2
    assert "no background Triton server is running: none was started from .trtrepo-cache/serve" in result.output
    assert list(registry.iterdir()) == []
