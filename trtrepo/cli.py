"""The ``trtrepo`` command line: thin click commands over the library functions."""

from __future__ import annotations

import functools
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from trtrepo import __version__
from trtrepo.errors import TrtrepoError


def reports_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn a TrtrepoError into its message on stderr and its exit code: never a bare traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except TrtrepoError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # a folder not writable, a disk full: the user's to fix, not a crash
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trtrepo")
@click.option("--tensorrt", type=click.Choice(["tensorrt", "rtx"]), envvar="TRTREPO_TENSORRT",
              help="TensorRT package to use (default: full tensorrt if installed, else TensorRT for RTX).")
@reports_errors
def main(tensorrt: str | None) -> None:
    """Turn PyTorch models into a verified NVIDIA Triton model repository with TensorRT engines."""
    from trtrepo.trt_flavour import force

    # torch.export's internals warn about their own deprecated APIs: nothing a user can act on.
    warnings.filterwarnings("ignore", category=FutureWarning, module="copyreg")
    if tensorrt:
        force(tensorrt)


@main.command()
@click.argument("spec_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--repo", "repository", type=click.Path(file_okay=False, path_type=Path),
              default=Path("model_repository"), show_default=True, help="Triton model repository to write.")
@click.option("--model", "models", multiple=True, help="Build only this model (repeatable).")
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(min=1),
              help="Models built at once (separate processes).")
@click.option("--force", is_flag=True, help="Rebuild models even when nothing changed.")
@click.option("--keep-going", is_flag=True, help="Publish the models that built even if others failed.")
@click.option("--check", "check_first", is_flag=True,
              help="Prove each conversion with `trtrepo check` before writing; record the result.")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".trtrepo-cache"),
              show_default=True, help="Where timing caches are kept.")
@click.option("--workspace-mb", type=click.IntRange(1, 2**31 - 1),
              help="Builder workspace limit (overrides models.yaml).")
@click.option("--opt-level", "optimization_level", type=click.IntRange(0, 5), help="Builder optimization level.")
@click.option("--hardware-compat", "hardware_compatibility",
              type=click.Choice(["none", "ampere_plus", "same_compute_capability"]), help="Hardware compatibility.")
@click.option("--version-compatible/--no-version-compatible", default=None, help="Version-compatible engines.")
@click.option("--timing-cache/--no-timing-cache", default=None, help="Persist and reuse the timing cache.")
@click.option("--aux-streams", "max_aux_streams", type=click.IntRange(min=0), help="Maximum auxiliary streams.")
@click.option("--lock-timeout", default=600.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait for another build.")
@click.option("--target", "target_text", help="Where the plans will be served, for every model: proof, "
              "triton:25.01 or tensorrt:10.8.0 (overrides models.yaml's target:).")
@click.option("--gpus", help="GPU architectures of --target, e.g. sm_80,sm_90.")
@click.option("--gpu-label", help="Fleet build: add this machine's plan as model.<label>.plan (e.g. sm_90) beside "
              "the other architectures' plans of the same version.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
@click.option("--json", "as_json", is_flag=True, help="JSON lines of progress on stderr, a JSON summary on stdout.")
@reports_errors
def build(spec_file: Path, repository: Path, models: tuple[str, ...], jobs: int, force: bool, keep_going: bool,
          check_first: bool, cache_dir: Path, lock_timeout: float, target_text: str | None, gpus: str | None,
          gpu_label: str | None, quiet: bool, as_json: bool, **overrides: object) -> None:
    """Build every model in SPEC_FILE (models.yaml) into a Triton repository.

    Unchanged models are skipped (same source, weights, spec, versions and settings); a failing
    model leaves the repository as it was (nothing is published unless all built, or --keep-going).
    """
    from trtrepo.build import BuildOptions, build_project
    from trtrepo.deployment import PROOF_BANNER, PROOF_WARNING
    from trtrepo.progress import BuildDisplay, display_mode
    from trtrepo.spec import load_project
    from trtrepo.targets.model import parse_target_option

    project = load_project(spec_file)
    selected = project.select(models)
    target = parse_target_option(target_text, gpus) if target_text else None
    if gpus and not target_text:
        raise click.UsageError("--gpus names the GPUs of --target: give --target too")
    options = BuildOptions(repository=repository, cache_dir=cache_dir, jobs=jobs, force=force, check=check_first,
                           keep_going=keep_going, lock_timeout=lock_timeout, overrides=overrides, target=target,
                           gpu_label=gpu_label)
    mode = display_mode(quiet, as_json)
    with BuildDisplay(mode, [m.name for m in selected]) as display:

        def on_event(model: str, stage: str, detail: str) -> None:
            if stage == "lock" and mode == "live":  # the live table has rows for models only
                click.echo(f"{detail}", err=True)
            display.event(model, stage, detail)

        report = build_project(selected, options, on_event=on_event)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    for outcome in report.outcomes:
        if outcome.status == "failed":
            click.echo(f"error: {outcome.message}", err=True)
        elif not as_json and not quiet:
            detail = f" (version {outcome.version}, {outcome.seconds:.1f}s)" if outcome.status == "built" else ""
            banner = f" — {outcome.banner}" if outcome.banner else ""
            click.echo(f"{outcome.status:>13}: {outcome.name}{detail}{banner}")
            for note in outcome.notes:
                click.echo(f"{'note':>13}: {outcome.name}: {note}")
    if not as_json and any(o.banner == PROOF_BANNER for o in report.outcomes):
        click.echo(f"note: {PROOF_WARNING}", err=True)
    if report.exit_code:
        if not keep_going:
            click.echo(f"nothing written: {sum(o.status == 'failed' for o in report.outcomes)} model(s) failed "
                       "(use --keep-going to publish the others)", err=True)
        sys.exit(report.exit_code)


def report_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``--json``, ``--report`` and ``--junit``: how check and verify hand their results on."""
    fn = click.option("--junit", type=click.Path(dir_okay=False, path_type=Path), help="Also write JUnit XML here.")(fn)
    fn = click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
                      help="Also write the JSON report here.")(fn)
    return click.option("--json", "as_json", is_flag=True, help="Print the JSON report instead of the table.")(fn)


def show_results(results: list[Any], title: str, suite: str, as_json: bool, report: Path | None,
                 junit: Path | None, extra: dict[str, Any], already_said: str = "") -> None:
    """Write the reports asked for, then print the JSON or the table and every problem (except
    ``already_said``, a problem shared by every case and printed once before)."""
    from trtrepo.report import failure_lines, render_table, write_reports

    document = write_reports(results, suite, report, junit, extra)
    if as_json:
        click.echo(document)
        return
    render_table(results, title)
    for line in failure_lines(r for r in results if not already_said or r.error != already_said):
        click.echo(line, err=True)


@main.command()
@click.argument("spec_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", "models", multiple=True, help="Check only this model (repeatable).")
@click.option("--seed", default=0, show_default=True, help="Seed of the random inputs (a failing case's seed "
              "is reported: --seed replays it).")
@click.option("--samples", default=0, show_default=True, type=click.IntRange(min=0),
              help="Samples per model: the shape points of every profile, then random shapes up to this many "
                   "(at least 2 random ones), then the model's verify.inputs samples.")
@report_options
@reports_errors
def check(spec_file: Path, models: tuple[str, ...], seed: int, samples: int, as_json: bool, report: Path | None,
          junit: Path | None) -> None:
    """Prove each conversion numerically on CPU: eager PyTorch vs the reference-executed network.

    Exit code 0 when every model passes at its min, opt and max shapes, 1 when an output is out of
    tolerance, 2 when a model cannot be converted or run.
    """
    from trtrepo.check import check_model
    from trtrepo.compare import exit_code
    from trtrepo.spec import load_project

    project = load_project(spec_file)
    results = [case for spec in project.select(models) for case in check_model(spec, seed=seed, samples=samples)]
    show_results(results, f"trtrepo check {spec_file}", "trtrepo.check", as_json, report, junit,
                 {"spec_file": str(project.file), "seed": seed})
    sys.exit(exit_code(results))


@main.command()
@click.argument("spec_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", default=None, help="Server HOST:PORT (default localhost and the protocol's port).")
@click.option("--protocol", type=click.Choice(["http", "grpc"]), default="http", show_default=True)
@click.option("--model", "models", multiple=True, help="Verify only this model (repeatable).")
@click.option("--samples", default=5, show_default=True, type=click.IntRange(min=1),
              help="Generated samples per model (min, opt, max, random).")
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(min=1),
              help="Requests in flight at once.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds per request.")
@click.option("--wait", default=30.0, show_default=True, type=click.FloatRange(min=0),
              help="Seconds to wait for the server to be ready.")
@click.option("--seed", default=0, show_default=True)
@click.option("--repo", "repository", type=click.Path(file_okay=False, path_type=Path),
              default=Path("model_repository"), show_default=True,
              help="The built repository the server serves (output names, and the reference program).")
@click.option("--reference", type=click.Choice(["program", "source"]), default="program", show_default=True,
              help="Expected outputs from the captured program stored with the plan (the served weights), "
                   "or from the model's source code, imported again.")
@report_options
@reports_errors
def verify(spec_file: Path, url: str | None, protocol: str, models: tuple[str, ...], samples: int,
           concurrency: int, timeout: float, wait: float, seed: int, repository: Path, reference: str,
           report: Path | None, junit: Path | None, as_json: bool) -> None:
    """Send inputs to a running Triton server and compare its outputs with eager PyTorch.

    Exit code 0 when everything passed, 1 when a comparison or the served contract failed,
    2 when the server, a model or the reference could not be reached or run.
    """
    from trtrepo.spec import load_project
    from trtrepo.verify import Endpoint, Reference
    from trtrepo.verify import verify as run_verify

    project = load_project(spec_file)
    endpoint = Endpoint.parse(url, protocol, timeout)
    outcome = run_verify(project.select(models), endpoint, samples=samples, concurrency=concurrency,
                         seed=seed, wait=wait, reference=Reference(reference, repository))
    if outcome.problem:
        click.echo(f"error: {outcome.problem}", err=True)
    show_results(outcome.cases, f"trtrepo verify {spec_file} @ {endpoint.url} ({protocol})", "trtrepo.verify",
                 as_json, report, junit, {"url": endpoint.url, "protocol": protocol, "latency": outcome.latency,
                                          "served": outcome.served, "problem": outcome.problem},
                 already_said=outcome.problem)
    if not as_json:
        for name, figures in outcome.latency.items():
            click.echo(f"{name}: {figures['requests']:.0f} requests, p50 {figures['p50_ms']:.1f} ms, "
                       f"p90 {figures['p90_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
                       f"{figures['inferences_per_s']:.1f} inferences/s")
    sys.exit(outcome.exit_code)


@main.command()
@click.argument("spec_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--expected", default="eager", show_default=True,
              type=click.Choice(["eager", "program", "reference", "repository", "tensorrt", "triton"]),
              help="The runner whose outputs are the reference.")
@click.option("--got", default="reference", show_default=True,
              type=click.Choice(["eager", "program", "reference", "repository", "tensorrt", "triton"]),
              help="The runner under test.")
@click.option("--model", "models", multiple=True, help="Compare only this model (repeatable).")
@click.option("--repo", "repository", type=click.Path(file_okay=False, path_type=Path),
              default=Path("model_repository"), show_default=True,
              help="Built repository (program, repository and tensorrt runners).")
@click.option("--url", default=None, help="Triton HOST:PORT (triton runner).")
@click.option("--protocol", type=click.Choice(["http", "grpc"]), default="http", show_default=True)
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Seconds per Triton request.")
@click.option("--samples", default=0, show_default=True, type=click.IntRange(min=0),
              help="Samples per model: the shape points of every profile, then random shapes up to this many.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random inputs.")
@report_options
@reports_errors
def compare(spec_file: Path, expected: str, got: str, models: tuple[str, ...], repository: Path, url: str | None,
            protocol: str, timeout: float, samples: int, seed: int, as_json: bool, report: Path | None,
            junit: Path | None) -> None:
    """Compare any two runners on the same inputs: eager PyTorch, the stored program, the reference
    interpreter, a TensorRT engine (on a GPU), a Triton server.

    `check` is `compare --expected eager --got reference`; on a GPU machine `--got tensorrt` or
    `--got triton` judge the real engine with the same statistics and report.
    """
    from trtrepo.compare import compare_runs, exit_code
    from trtrepo.runners.factory import RunnerSources, make_runner
    from trtrepo.samples import generated_samples
    from trtrepo.spec import load_project

    project = load_project(spec_file)
    sources = RunnerSources(repository, url, protocol, timeout)
    results = []
    for spec in project.select(models):
        reference, under_test = make_runner(expected, spec, sources), make_runner(got, spec, sources)
        results += compare_runs(spec, reference, under_test, generated_samples(spec, samples, seed)).cases
    show_results(results, f"trtrepo compare {spec_file}: {got} vs {expected}", "trtrepo.compare", as_json, report,
                 junit, {"spec_file": str(project.file), "expected": expected, "got": got, "seed": seed})
    sys.exit(exit_code(results))


@main.command()
@click.argument("spec_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", "model_name", required=True, help="The model whose graph to list.")
@click.option("--json", "as_json", is_flag=True, help="JSON rows instead of the table.")
@reports_errors
def graph(spec_file: Path, model_name: str, as_json: bool) -> None:
    """List a model's FX nodes: name, op, the precision each computes in, and its source line.

    The names are the ones `node_precision:` takes and error messages use.
    """
    from trtrepo.graph_view import node_rows, render_rows
    from trtrepo.network import convert_model
    from trtrepo.spec import load_project

    (spec,) = load_project(spec_file).select([model_name])
    rows = node_rows(convert_model(spec))
    click.echo(json.dumps([r.to_dict() for r in rows], indent=2) if as_json else render_rows(rows))


@main.command("tune-precision")
@click.argument("spec_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", required=True, help="The model to tune.")
@click.option("--precision", type=click.Choice(["fp16", "bf16"]),
              help="Tune for this precision (default: the model's).")
@click.option("--tolerance", metavar="atol=..,rtol=..", callback=lambda ctx, param, text: _tolerance(text),
              help="The tolerance to reach (default: the model's, else the precision's).")
@click.option("--samples", default=0, show_default=True, type=click.IntRange(min=0),
              help="Random samples checked on top of every profile's min, opt and max.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random inputs.")
@click.option("--max-trials", default=100, show_default=True, type=click.IntRange(min=1),
              help="Conversions the search may spend; past it the set found is reported as not minimal.")
@click.option("--write", is_flag=True, help="Add the entries to the model in SPEC_FILE (comments and layout kept) "
              "and print the diff.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@reports_errors
def tune_precision(spec_file: Path, model: str, precision: str | None, tolerance: dict[str, float], samples: int,
                   seed: int, max_trials: int, write: bool, as_json: bool) -> None:
    """Find a minimal set of FX nodes (source lines) that must compute in fp32 for check to pass.

    The model is captured once and reconverted per trial with those nodes in fp32, following the
    first divergence, then reduced by delta debugging. Exit code 0 when a set passes (the empty set
    when the model passes as it is), 1 when none reaches the tolerance, 2 when it cannot be tried.
    """
    from trtrepo.tune.render import render_tuned, trial_line
    from trtrepo.tune.run import tune_precision as run_tuning
    from trtrepo.tune.search import TuneOptions

    options = TuneOptions(precision=precision, tolerance=tolerance, samples=samples, seed=seed, max_trials=max_trials)
    tuned = run_tuning(spec_file, model, options, write, on_trial=lambda trial: click.echo(trial_line(trial), err=True))
    if as_json:
        click.echo(json.dumps(tuned.to_dict(), indent=2))
    else:
        render_tuned(tuned, write)
    if tuned.write_error:
        click.echo(f"error: {tuned.write_error}", err=True)
    sys.exit(tuned.exit_code)


def _tolerance(text: str | None) -> dict[str, float]:
    from trtrepo.tune.run import parse_tolerance

    try:
        return parse_tolerance(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tolerance") from None


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


@main.command()
@click.argument("repository", type=click.Path(file_okay=False, path_type=Path), default=Path("model_repository"))
@click.option("--model", "models", multiple=True, help="Inspect only this model (repeatable).")
@click.option("--target", "target_text", metavar="proof|triton:YY.MM|tensorrt:X.Y.Z",
              help="Servers to check against, e.g. triton:25.01 (default: the target recorded at build).")
@click.option("--gpus", metavar="sm_80,sm_90", help="GPU architectures of those servers (default: the build's).")
@click.option("--json", "as_json", is_flag=True, help="Print every check and build record as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 on any problem or needed flag, even without --target.")
@reports_errors
def inspect(repository: Path, models: tuple[str, ...], target_text: str | None, gpus: str | None, as_json: bool,
            strict: bool) -> None:
    """Check each model of REPOSITORY the way Triton will load it, citing the Triton rule for every check.

    With --target, exit 1 when a model would not load there (or is only a proof build).
    """
    from trtrepo.inspection import exit_code, inspect_repository, render_inspection
    from trtrepo.targets.model import parse_target_option

    if gpus and not target_text:
        raise click.UsageError("--gpus needs --target (the servers those GPUs belong to)")
    target = parse_target_option(target_text, gpus) if target_text else None
    findings = inspect_repository(repository, models, target)
    if as_json:
        click.echo(json.dumps([f.to_dict() for f in findings], indent=2))
    else:
        render_inspection(findings)
    sys.exit(exit_code(findings, target is not None, strict))


@main.command()
@click.argument("names", nargs=-1)
@click.option("--markdown", is_flag=True, help="Render the Markdown table (docs/OPS.md is generated from it).")
@click.option("--family", help="Only this op family (e.g. activation, conv, shape).")
@reports_errors
def ops(names: tuple[str, ...], markdown: bool, family: str | None) -> None:
    """List every ATen overload trtrepo converts, with what it rejects and dynamic-shape support.

    NAMES narrow the list to overloads whose name contains any of them (`trtrepo ops topk`).
    Exit code 2 when nothing matches.
    """
    from trtrepo.convert.catalog import catalog, render_markdown
    from trtrepo.spec.messages import suggest

    everything = catalog()
    families = sorted({e.family for e in everything})
    if family is not None and family not in families:
        raise click.UsageError(f"no op family {family!r}{suggest(family, families)}; families: {', '.join(families)}")
    entries = [e for e in everything if (family is None or e.family == family)
               and (not names or any(n.lower() in e.op.lower() for n in names))]
    if not entries:
        where = f" in family {family!r}" if family else ""
        raise TrtrepoError(f"no supported ATen overload{where} matches {' or '.join(map(repr, names))}"
                           f"{suggest(names[0], sorted({e.op.split('.')[1] for e in everything}))} "
                           "(`trtrepo ops` lists them all)")
    if markdown:
        click.echo(render_markdown(entries), nl=False)
        return
    for entry in entries:
        rejects = "; ".join(entry.rejects) or "-"
        click.echo(f"{entry.op:<48} {entry.family:<12} dynamic={'yes' if entry.dynamic_shapes else 'no ':<3}  "
                   f"rejects: {rejects}")
    click.echo(f"{len(entries)} overloads")


if __name__ == "__main__":
    main()
