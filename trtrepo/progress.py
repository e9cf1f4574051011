"""Build progress for people and for CI logs.

On a terminal: a live table, one row per model, with its stage (export, lower, convert, build with
TensorRT's own phases, check, write) and elapsed time. Elsewhere: one plain line per stage change.
``quiet`` prints nothing; ``json`` prints one JSON object per event (for CI log parsers).
"""

from __future__ import annotations

import json
import sys
import time
from typing import IO, Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

STAGE_LABELS = {"capture": "export", "lower": "lower", "convert": "convert", "check": "check",
                "build": "build", "config": "config", "write": "write", "done": "done",
                "unchanged": "unchanged", "failed": "FAILED", "lock": "waiting for lock"}


class BuildDisplay:
    """Receives (model, stage, detail) events and shows them in the chosen mode."""

    def __init__(self, mode: str, models: list[str], stream: IO[str] | None = None):
        self.mode = mode
        self.stream = stream or sys.stderr
        self.rows: dict[str, dict[str, Any]] = {m: {"stage": "waiting", "detail": "", "since": None} for m in models}
        self.started = time.monotonic()
        self._live: Live | None = None

    def __enter__(self) -> BuildDisplay:
        if self.mode == "live":
            self._live = Live(self._table(), console=Console(file=self.stream), refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.update(self._table())
            self._live.__exit__(*exc)

    def event(self, model: str, stage: str, detail: str) -> None:
        """One stage change (or a TensorRT build phase, as ``detail`` of the build stage)."""
        now = time.monotonic()
        if self.mode == "json":
            print(json.dumps({"t": round(now - self.started, 3), "model": model, "stage": stage, "detail": detail}),
                  file=self.stream, flush=True)
            return
        if self.mode == "quiet":
            return
        row = self.rows.setdefault(model, {"stage": "", "detail": "", "since": None})
        changed = row["stage"] != stage
        if changed:
            row["since"] = now
        row["stage"], row["detail"] = stage, detail
        if self._live is not None:
            self._live.update(self._table())
        elif changed:  # plain logs: one line per stage, not per TensorRT step
            label = STAGE_LABELS.get(stage, stage)
            print(f"[{model}] {label}{': ' + detail if detail else ''}", file=self.stream, flush=True)

    def _table(self) -> Table:
        table = Table(show_header=True, header_style="bold", box=None)
        for column in ("model", "stage", "detail", "elapsed"):
            table.add_column(column)
        now = time.monotonic()
        for model, row in self.rows.items():
            if model == "*":
                continue
            elapsed = f"{now - row['since']:.1f}s" if row["since"] else ""
            table.add_row(model, STAGE_LABELS.get(row["stage"], row["stage"]), row["detail"][:70], elapsed)
        return table


def display_mode(quiet: bool, as_json: bool, stream: IO[str] | None = None) -> str:
    """``json``, ``quiet``, ``live`` on a terminal, else ``plain``."""
    if as_json:
        return "json"
    if quiet:
        return "quiet"
    return "live" if (stream or sys.stderr).isatty() else "plain"
