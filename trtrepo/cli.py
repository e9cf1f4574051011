"""The ``trtrepo`` command line: thin click commands over the library functions."""

from __future__ import annotations

import functools
import sys
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

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trtrepo")
@click.option("--tensorrt", type=click.Choice(["tensorrt", "rtx"]), envvar="TRTREPO_TENSORRT",
              help="TensorRT package to use (default: full tensorrt if installed, else TensorRT for RTX).")
@reports_errors
def main(tensorrt: str | None) -> None:
    """Turn PyTorch models into a verified NVIDIA Triton model repository with TensorRT engines."""
    from trtrepo.trt_flavour import force

    if tensorrt:
        force(tensorrt)


@main.command()
@click.argument("spec_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--repo", "repository", type=click.Path(file_okay=False, path_type=Path),
              default=Path("model_repository"), show_default=True, help="Triton model repository to write.")
@click.option("--model", "models", multiple=True, help="Build only this model (repeatable).")
@click.option("--keep-going", is_flag=True, help="Publish the models that built even if others failed.")
@reports_errors
def build(spec_file: Path, repository: Path, models: tuple[str, ...], keep_going: bool) -> None:
    """Build every model in SPEC_FILE (models.yaml) into a Triton repository."""
    from trtrepo.pipeline import build_all
    from trtrepo.spec import load_project

    project = load_project(spec_file)
    selected = project.select(models)

    def on_stage(model: str, stage: str) -> None:
        click.echo(f"[{model}] {stage}", err=True)

    report = build_all(project, repository, selected, keep_going=keep_going, on_stage=on_stage)
    for path in report.published:
        click.echo(f"wrote {path}")
    if report.failures:
        for exc in report.failures.values():
            click.echo(f"error: {exc}", err=True)
        if not keep_going:
            click.echo(f"nothing written: {len(report.failures)} model(s) failed "
                       "(use --keep-going to publish the others)", err=True)
        sys.exit(max(exc.exit_code for exc in report.failures.values()))


@main.command()
@reports_errors
def ops() -> None:
    """List every ATen overload trtrepo converts."""
    from trtrepo.convert.interpreter import REGISTRY

    for entry in REGISTRY:
        click.echo(entry.op_name)


if __name__ == "__main__":
    main()
