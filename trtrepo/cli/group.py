"""The ``trtrepo`` group and what every command shares: errors as messages and exit codes, reports."""

from __future__ import annotations

import functools
import sys
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

