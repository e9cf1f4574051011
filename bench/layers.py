"""(e) Layers per network: ours against TensorRT's ONNX parser, per model and per layer type.

For each model, one fresh process fills both networks exactly as (b) does (``bench.onnx_route``:
our capture + lower + convert; ``torch.onnx.export`` + ``OnnxParser``) and counts their layers by
TensorRT layer type; nothing is built or timed. Target: for every CNN (a network with a
convolution), no more layers than the ONNX parser's network.

    python -m bench.layers                 # every benchmarked model; writes its section of RESULTS.md
    python -m bench.layers --model resnet  # some models (repeatable); prints the table only
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import ROOT, ModelRef, Verdict, model_refs, run_child

BEGIN, END = "<!-- layers:begin -->", "<!-- layers:end -->"  # our section of RESULTS.md, kept apart
CONVOLUTIONS = ("CONVOLUTION", "DECONVOLUTION")


def layer_types(network: Any) -> dict[str, int]:
    """Layer type name -> how many layers of that type ``network`` holds."""
    counts = Counter(str(network.get_layer(i).type).split(".")[-1] for i in range(network.num_layers))
    return dict(counts.most_common())


def measure(spec: Any) -> dict[str, Any]:
    """Child side: both routes' layer counts by type (or why a route failed)."""
    from bench import onnx_route

    counts: dict[str, Any] = {}
    for route, fill in (("ours", onnx_route.ours), ("onnx", onnx_route.onnx)):
        try:
            counts[route] = layer_types(fill(spec).network)
        except Exception as exc:
            counts[route] = {"error": f"{type(exc).__name__}: {(str(exc).strip().splitlines() or [''])[0][:300]}"}
    return counts


def run(refs: list[ModelRef]) -> dict[str, Any]:
    """Parent side: one child per model; rows of totals and per-type counts; the verdict over CNNs."""
    rows = []
    for ref in refs:
        print(f"  layers: {ref.label}", flush=True)
        result = run_child("layers", ref)
        row: dict[str, Any] = {"model": ref.label}
        for route in ("ours", "onnx"):
            got = result.get(route) or {"error": result.get("error", "not measured")}
            if "error" in got:
                row[f"{route}_error"] = got["error"]
            else:
                row[route] = got
        rows.append(row)
    return {"rows": rows, "verdict": verdict(rows).to_dict()}


def is_cnn(row: dict[str, Any]) -> bool:
    """A model whose ONNX-parsed (else our) network holds a convolution."""
    types = row.get("onnx") or row.get("ours") or {}
    return any(types.get(t) for t in CONVOLUTIONS)


def verdict(rows: list[dict[str, Any]]) -> Verdict:
    """Met when every CNN both routes handle has at most the ONNX parser's layer count."""
    compared = [(sum(r["ours"].values()), sum(r["onnx"].values()), r["model"])
                for r in rows if is_cnn(r) and "ours" in r and "onnx" in r]
    target = "CNN layers ≤ ONNX parser's"
    if not compared:
        return Verdict(target, "no CNN compared", None, "not measured")
    over = [(o, x, m) for o, x, m in compared if o > x]
    measured = ", ".join(f"{m.split(':')[-1]} {o} vs {x}" for o, x, m in compared)
    if over:
        return Verdict(target, measured, False, f"missed on {len(over)} of {len(compared)} CNNs")
    return Verdict(target, measured, True, f"met on all {len(compared)} CNNs")


def markdown(result: dict[str, Any]) -> str:
    """The section of RESULTS.md: totals, then the layer types where the two networks differ."""
    v = result["verdict"]
    lines = [BEGIN, "## (e) Layers per network: ours vs TensorRT's ONNX parser", "",
             "Layers of the filled network (before TensorRT's own optimizations), counted by layer type; "
             "`python -m bench.layers` (networks filled as in (b)). "
             f"Target: {v['target']} — {'met' if v['met'] else 'missed' if v['met'] is False else 'not measured'}: "
             f"{v['detail']}.", "",
             "| model | CNN | ours | ONNX | ours/ONNX | types where they differ (ours / ONNX) |",
             "| --- | :---: | ---: | ---: | ---: | --- |"]
    for row in result["rows"]:
        ours, onnx = row.get("ours"), row.get("onnx")
        total_ours = sum(ours.values()) if ours else None
        total_onnx = sum(onnx.values()) if onnx else None
        ratio = f"{total_ours / total_onnx:.2f}" if total_ours is not None and total_onnx else "—"
        differ = ""
        if ours and onnx:
            differ = ", ".join(f"{t} {ours.get(t, 0)}/{onnx.get(t, 0)}" for t in sorted(set(ours) | set(onnx))
                               if ours.get(t, 0) != onnx.get(t, 0))
        cells = [row["model"], "yes" if is_cnn(row) else "", total_ours if ours else "failed",
                 total_onnx if onnx else "failed", ratio, differ or "—"]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    failures = [(row["model"], route, row[f"{route}_error"]) for row in result["rows"] for route in ("ours", "onnx")
                if f"{route}_error" in row]
    if failures:
        lines += ["", "Failures:"] + [f"- {m}: {route} route: {why}" for m, route, why in failures]
    return "\n".join(lines + [END])


def write_section(results_md: Path, result: dict[str, Any]) -> None:
    """Put our section into RESULTS.md: replace the previous one, else append it."""
    text = results_md.read_text(encoding="utf-8") if results_md.is_file() else ""
    section = markdown(result)
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    results_md.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    """Measure, print the table, and (for a full run) write the section of RESULTS.md."""
    parser = argparse.ArgumentParser(prog="python -m bench.layers", description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", default=[], help="only this model (repeatable)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md", help="markdown to update")
    options = parser.parse_args(argv)
    result = run(model_refs(options.model))
    print(markdown(result))
    if not options.model:
        write_section(options.results, result)
    return 0 if result["verdict"]["met"] is not False else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
