"""(b) Our capture+lower+convert against the ONNX route, side by side in one process, per model.

What is measured, wall clock, from the model's source to a filled strongly typed TensorRT network:

* ours: ``trtrepo.pipeline.convert_model`` — load and ``torch.export`` the model, lower, convert;
* ONNX: load the model, ``torch.onnx.export`` it (torch's default dynamo exporter, default
  optimisation) with the same example inputs, dynamic dims and I/O names, serialize the ModelProto,
  then parse it with ``OnnxParser`` of the same TensorRT flavour into a network made by the same
  ``new_network`` (strongly typed).

Both networks are then built into engines by ``trtrepo.engine.build_plan`` with the same builder
settings (defaults), to compare build times too.

Why it is fair: both routes run in the same fresh process on the same inputs. Each runs once
first, untimed, so neither pays the other's one-time set-up (torch.export's and onnxscript's first
call); then ``reps`` rounds alternate which route goes first. Medians are reported. Target: ours ≤
0.5 × ONNX for every model both routes handle. A model the ONNX route cannot handle is listed with why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bench.common import ModelRef, Verdict, median, run_child, verdict_below

TARGET_RATIO = 0.5


@dataclass
class Network:
    """A filled network, how long it took, and what must stay alive while it is built."""

    seconds: float
    split: dict[str, float]
    builder: Any
    network: Any
    keep: Any


def ours(spec: Any) -> Network:
    """capture + lower + convert with trtrepo."""
    from trtrepo.network import convert_model

    started = time.perf_counter()
    converted = convert_model(spec)
    seconds = time.perf_counter() - started
    return Network(seconds, dict(converted.timings), converted.builder, converted.network, converted)


def onnx(spec: Any) -> Network:
    """torch.onnx.export + serialize + TensorRT's OnnxParser."""
    import torch

    from trtrepo.capture import dynamic_shapes
    from trtrepo.engine import new_builder, new_network
    from trtrepo.samples import export_inputs
    from trtrepo.sources import is_saved_program, load_module, load_saved_program
    from trtrepo.trt_flavour import logger, trt

    started = time.perf_counter()
    model = load_saved_program(spec) if is_saved_program(spec.source) else load_module(spec)
    try:
        with torch.no_grad():
            program = torch.onnx.export(model, export_inputs(spec), dynamo=True, dynamic_shapes=dynamic_shapes(spec),
                                        input_names=[t.name for t in spec.inputs],
                                        output_names=[t.name for t in spec.outputs], verbose=False)
        data = program.model_proto.SerializeToString()
    except Exception as exc:
        raise RuntimeError(f"torch.onnx.export failed: {type(exc).__name__}: {_first_line(exc)}") from None
    exported = time.perf_counter()
    builder = new_builder()
    network = new_network(builder)
    parser = trt().OnnxParser(network, logger())
    if not parser.parse(data):
        errors = [parser.get_error(i).desc() for i in range(parser.num_errors)]
        raise RuntimeError(f"OnnxParser failed: {'; '.join(errors) or 'no message'}")
    parsed = time.perf_counter()
    split = {"export": exported - started, "parse": parsed - exported}
    return Network(parsed - started, split, builder, network, (parser, program))


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


def build_seconds(spec: Any, net: Network) -> tuple[float, int]:
    """Engine build time (``build_serialized_network`` only) and plan bytes, default builder settings."""
    from trtrepo.engine import BuildSettings, build_plan

    plan, seconds = build_plan(net.builder, net.network, spec, BuildSettings())
    return seconds, len(plan)


def _round(route: str, spec: Any) -> dict[str, Any]:
    net = ours(spec) if route == "ours" else onnx(spec)
    seconds, plan_bytes = build_seconds(spec, net)
    return {"seconds": net.seconds, "split": net.split, "build": seconds, "plan_bytes": plan_bytes,
            "layers": net.network.num_layers}


def measure(spec: Any, reps: str = "5") -> dict[str, Any]:
    """Child side: a warm-up of each route, then ``reps`` alternating rounds; every round's numbers."""
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "onnx": []}
    errors: dict[str, str] = {}
    first: dict[str, Any] = {}
    for route in ("ours", "onnx"):
        try:
            first[route] = _round(route, spec)
        except Exception as exc:
            errors[route] = f"{type(exc).__name__}: {_first_line(exc)}"
    routes = [r for r in ("ours", "onnx") if r not in errors]
    for rep in range(int(reps)):
        for route in routes if rep % 2 == 0 else routes[::-1]:
            runs[route].append(_round(route, spec))
    return {"first": first, "runs": runs, "errors": errors, "precision": spec.precision}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    split_keys = runs[0]["split"]
    return {"seconds": median(r["seconds"] for r in runs), "build": median(r["build"] for r in runs),
            "split": {k: median(r["split"][k] for r in runs) for k in split_keys},
            "layers": runs[0]["layers"], "plan_bytes": runs[0]["plan_bytes"]}


def run(refs: list[ModelRef], reps: int) -> dict[str, Any]:
    """Parent side: one child per model; rows with medians and the ratio ours/ONNX; the verdict."""
    rows = []
    for ref in refs:
        print(f"  onnx route: {ref.label}", flush=True)
        result = run_child("onnx", ref, str(reps))
        row: dict[str, Any] = {"model": ref.label, "errors": result.get("errors", {}),
                               "precision": result.get("precision", "fp32")}
        if "error" in result:
            row["errors"] = {"both": result["error"]}
        for route in ("ours", "onnx"):
            if result.get("runs", {}).get(route):
                row[route] = _summary(result["runs"][route])
        if "ours" in row and "onnx" in row:
            row["ratio"] = round(row["ours"]["seconds"] / row["onnx"]["seconds"], 3)
            row["build_ratio"] = round(row["ours"]["build"] / row["onnx"]["build"], 3)
        rows.append(row)
    return {"reps": reps, "rows": rows, "verdict": verdict(rows, reps).to_dict()}


def verdict(rows: list[dict[str, Any]], reps: int) -> Verdict:
    """Met when every compared model's ratio is ≤ 0.5; measured is the worst ratio."""
    ratios = [(row["ratio"], row["model"]) for row in rows if "ratio" in row]
    if not ratios:
        return verdict_below(None, TARGET_RATIO, "", "no model compared", inclusive=True)
    worst, model = max(ratios)
    meeting = sum(ratio <= TARGET_RATIO for ratio, _ in ratios)
    measured = (f"{meeting} of {len(ratios)} models meet it; worst ratio {worst:.2f} ({model}), "
                f"median {median(r for r, _ in ratios):.2f}, best {min(ratios)[0]:.2f}; medians of {reps} rounds")
    return verdict_below(worst, TARGET_RATIO, "", measured, inclusive=True)


def markdown(result: dict[str, Any]) -> str:
    """The section of RESULTS.md."""
    lines = [f"Seconds, medians of {result['reps']} alternating rounds after one untimed round of each route. "
             "ours = capture + lower + convert; ONNX = export (incl. serialize) + parse. "
             "Build = `build_serialized_network` of each network, same (default) builder settings.", "",
             "| model | ours | (capture / lower / convert) | ONNX | (export / parse) | ours/ONNX | "
             "build ours | build ONNX | layers ours / ONNX |",
             "| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    for row in result["rows"]:
        o, x = row.get("ours"), row.get("onnx")
        note = "" if row.get("precision", "fp32") == "fp32" else f" ({row['precision']}: ours only)"
        cells = [row["model"] + note,
                 f"{o['seconds']:.3f}" if o else "failed",
                 " / ".join(f"{o['split'][k]:.3f}" for k in ("capture", "lower", "convert")) if o else "",
                 f"{x['seconds']:.3f}" if x else "failed",
                 " / ".join(f"{x['split'][k]:.3f}" for k in ("export", "parse")) if x else "",
                 f"**{row['ratio']:.2f}**" if "ratio" in row else "—",
                 f"{o['build']:.3f}" if o else "", f"{x['build']:.3f}" if x else "",
                 f"{o['layers'] if o else '—'} / {x['layers'] if x else '—'}"]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    failures = [(row["model"], route, why) for row in result["rows"] for route, why in row["errors"].items()]
    if failures:
        lines += ["", "Failures:"] + [f"- {model}: {'both routes' if route == 'both' else route + ' route'}: {why}"
                                       for model, route, why in failures]
    return "\n".join(lines)
