"""The commands that compare two runners: ``check``, ``verify``, ``compare``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from trtrepo.cli.group import main, report_options, reports_errors, show_results


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
    from trtrepo.check import check_model, split_lines
    from trtrepo.compare import exit_code
    from trtrepo.spec import load_project

    project = load_project(spec_file)
    results = [case for spec in project.select(models) for case in check_model(spec, seed=seed, samples=samples)]
    show_results(results, f"trtrepo check {spec_file}", "trtrepo.check", as_json, report, junit,
                 {"spec_file": str(project.file), "seed": seed})
    if not as_json:
        for line in split_lines(results):
            click.echo(line)
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

