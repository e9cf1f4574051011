"""Commands that look at a model or a repository: ``graph``, ``tune-precision``, ``inspect``, ``ops``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from trtrepo.cli.group import main, reports_errors
from trtrepo.errors import TrtrepoError


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

