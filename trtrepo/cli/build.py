"""``trtrepo build``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from trtrepo.cli.group import main, reports_errors


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
            if outcome.quantization_split:
                click.echo(f"{'error split':>13}: {outcome.name}: {outcome.quantization_split}")
            for note in outcome.notes:
                click.echo(f"{'note':>13}: {outcome.name}: {note}")
    if not as_json and any(o.banner == PROOF_BANNER for o in report.outcomes):
        click.echo(f"note: {PROOF_WARNING}", err=True)
    if report.exit_code:
        if not keep_going:
            click.echo(f"nothing written: {sum(o.status == 'failed' for o in report.outcomes)} model(s) failed "
                       "(use --keep-going to publish the others)", err=True)
        sys.exit(report.exit_code)

