"""``trtrepo serve``: a real local Triton for a built repository, in the foreground or background."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from trtrepo.cli.group import main, reports_errors

DEFAULT_WORKDIR = Path(".trtrepo-cache") / "serve"
PID_FILE_NAME = "tritonserver.pid"


@main.command()
@click.argument("repository", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--http-port", default=8000, show_default=True, help="0 picks a free port.")
@click.option("--grpc-port", default=8001, show_default=True, help="0 picks a free port.")
@click.option("--metrics-port", default=8002, show_default=True, help="0 picks a free port.")
@click.option("--mode", type=click.Choice(["tensorrt", "reference"]), default=None,
              help="How models execute (default: tensorrt where an engine can run, else reference).")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_WORKDIR,
              show_default=True, help="Where the derived repository, log and pid file go.")
@click.option("--background", is_flag=True, help="Start, wait until ready, and return; stop with --stop.")
@click.option("--stop", "stop_server", is_flag=True,
              help="Stop the background server of --workdir; without --workdir, the one this user runs.")
@click.option("--timeout", default=180.0, show_default=True, help="Seconds to wait for the server to be ready.")
@click.pass_context
@reports_errors
def serve(ctx: click.Context, repository: Path | None, http_port: int, grpc_port: int, metrics_port: int,
          mode: str | None, workdir: Path, background: bool, stop_server: bool, timeout: float) -> None:
    """Serve a built REPOSITORY with a real local Triton Inference Server.

    Triton from pip has no TensorRT backend, so a derived copy of the repository is served through
    Triton's Python backend: with the TensorRT runtime where an engine can run, otherwise with the
    reference interpreter on CPU. The production repository is never modified.
    """
    from trtrepo.serve import TritonServer, serve_forever, start_background

    if stop_server:
        chosen_workdir = ctx.get_parameter_source("workdir") is not click.core.ParameterSource.DEFAULT
        _stop_background_server(workdir, chosen_workdir)
        return
    if repository is None:
        raise click.UsageError("REPOSITORY is required (or use --stop)")
    if repository == Path("stop") and not repository.is_dir():
        raise click.UsageError("there is no repository folder 'stop': to stop a background server, use "
                               "`trtrepo serve --stop`")
    from trtrepo.serve.derived import choose_mode, derive_repository

    pid_file = workdir / PID_FILE_NAME
    chosen = choose_mode(mode)
    models = derive_repository(repository, workdir / "repository", chosen)
    click.echo(f"serving {len(models)} model(s) from {repository} in {chosen!r} mode "
               f"({'TensorRT runtime on model.plan' if chosen == 'tensorrt' else 'reference interpreter on CPU'})")
    options: dict[str, Any] = dict(http_port=http_port, grpc_port=grpc_port, metrics_port=metrics_port,
                   log_file=workdir / "tritonserver.log", startup_timeout=timeout)

    def ready(server: TritonServer) -> None:
        click.echo(f"ready: HTTP {server.url_http}  gRPC {server.url_grpc}  metrics {server.url_metrics}  "
                   f"log {server.log_file}")

    if background:
        ready(start_background(workdir / "repository", pid_file, **options))
        stop = "trtrepo serve --stop" + ("" if workdir == DEFAULT_WORKDIR else f" --workdir {workdir}")
        click.echo(f"running in the background (pid file {pid_file}); stop with `{stop}`")
        return
    signum = serve_forever(TritonServer(workdir / "repository", **options), on_ready=ready)
    click.echo(f"stopped (signal {signum})")


def _stop_background_server(workdir: Path, chosen_workdir: bool) -> None:
    """Stop the server of ``workdir``; with no server there (and no --workdir given), the one
    server the registry lists, wherever it was started. Several: list them, exit 2."""
    from trtrepo.errors import ServeError
    from trtrepo.serve.background import running_servers, stop_background

    pid_file = workdir / PID_FILE_NAME
    if chosen_workdir or pid_file.exists():
        stopped = stop_background(pid_file)
        click.echo("stopped the background Triton server" if stopped else "no server was running (stale pid file)")
        return
    servers = running_servers()
    if not servers:
        raise ServeError(f"no background Triton server is running: none was started from {workdir}, "
                         "and this user's registry lists none")
    if len(servers) > 1:
        listed = "\n".join(f"  - pid {s.pid}, HTTP {s.http_url}, since {_clock(s.started_at)}: "
                           f"`trtrepo serve --stop --workdir {s.workdir}`" for s in servers)
        raise ServeError(f"{len(servers)} background Triton servers are running; say which to stop:\n{listed}")
    [server] = servers
    stop_background(server.pid_file)
    click.echo(f"stopped the background Triton server (pid {server.pid}, HTTP {server.http_url}, "
               f"workdir {server.workdir})")


def _clock(seconds: float) -> str:
    return time.strftime("%H:%M", time.localtime(seconds))

