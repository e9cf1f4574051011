"""Write the results: raw JSON to bench/out/ and the human summary to bench/RESULTS.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench import machine, memory, noop_rebuild, onnx_route, stages

SECTIONS = {  # key in the results -> (title, module rendering it)
    "stages": ("(a) Time per stage", stages),
    "onnx": ("(b) Our capture + lower + convert vs the ONNX route", onnx_route),
    "noop": ("(c) No-op rebuild of the examples", noop_rebuild),
    "memory": ("(d) Peak memory during a build vs weight bytes", memory),
}
TARGETS = {  # key -> what the target is about
    "onnx": "ours / ONNX (capture+lower+convert vs export+parse), every model",
    "noop": "no-op `trtrepo build examples/models.yaml`, whole process",
    "memory": "(peak − baseline RSS) / weight bytes, models ≥ 10 MB of weights",
}


def refresh_verdicts(results: dict[str, Any]) -> None:
    """Recompute every verdict from the stored rows (for ``--render`` after a change of wording)."""
    if "rows" in results.get("onnx", {}):
        results["onnx"]["verdict"] = onnx_route.verdict(results["onnx"]["rows"], results["onnx"]["reps"]).to_dict()
    if "median" in results.get("noop", {}):
        results["noop"]["verdict"] = noop_rebuild.verdict(results["noop"]).to_dict()
    if "rows" in results.get("memory", {}):
        results["memory"]["verdict"] = memory.verdict(results["memory"]["rows"], results["memory"]["reps"]).to_dict()


def write_json(results: dict[str, Any], out_dir: Path) -> Path:
    """``bench/out/results-<date>.json`` and ``bench/out/latest.json``; returns the dated file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = results["machine"]["date"].replace(" ", "T").replace(":", "").replace("UTC", "Z")
    text = json.dumps(results, indent=2, sort_keys=True) + "\n"
    dated = out_dir / f"results-{stamp}.json"
    dated.write_text(text, encoding="utf-8")
    (out_dir / "latest.json").write_text(text, encoding="utf-8")
    return dated


def targets_table(results: dict[str, Any]) -> str:
    lines = ["| target | limit | measured | verdict |", "| --- | --- | --- | --- |"]
    for key, about in TARGETS.items():
        if key not in results:
            continue
        v = results[key].get("verdict")
        if v is None:
            lines.append(f"| {about} | | failed: {results[key].get('error', '?')} | not measured |")
            continue
        state = {True: "**met**", False: "**missed**", None: "not measured"}[v["met"]]
        lines.append(f"| {about} | {v['target']} | {v['measured']} | {state}: {v['detail']} |")
    return "\n".join(lines)


def markdown(results: dict[str, Any], command: str) -> str:
    """The whole of RESULTS.md."""
    parts = ["# Benchmark results", "",
             f"Written by `{command}` (see bench/README.md); raw numbers in bench/out/latest.json. "
             "The machine is shared with other workers, so every figure is a median of repetitions; "
             "treat differences under ~20% as noise.", "",
             "## Machine", "", machine.markdown(results["machine"]), "",
             "## Targets", "", targets_table(results)]
    for key, (title, module) in SECTIONS.items():
        if key in results:
            parts += ["", f"## {title}", "", module.markdown(results[key])]
    return "\n".join(parts) + "\n"
