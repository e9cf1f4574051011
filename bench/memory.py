"""(d) Peak memory of one model's build against the model's weight bytes.

What is measured, in a fresh process per model: the resident set (``VmRSS``) once torch, trtrepo
and the TensorRT package are imported — the interpreter's baseline — and the peak resident set
(``VmHWM``) during ``build_one_model``: capture (which instantiates the model and so creates its
weights), lower, convert, engine build, config (saving the program, hashing the weights). The
ratio is (peak − baseline) / weight bytes, weight bytes being every distinct parameter and buffer
of the model. The peak is also split by stage: the high-water mark is reset (``/proc/self/clear_refs``)
as each stage starts and read as it ends.

Why it is fair: the model's own weights count as 1×, since building needs them; nothing else shares
the process. A second, *warm* figure subtracts a baseline taken after building a tiny model
(examples' mlp) first, which removes one-time costs (torch.export's and TensorRT's first-use
allocations) that do not grow with the model. Each figure is the median of ``reps`` processes.
Target: < 3× for models with at least ``MIN_WEIGHT_MB`` of weights; below that the fixed costs
dominate and the ratio says nothing about weights (shown, not judged).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.common import EXAMPLES, ModelRef, Verdict, median, run_child, verdict_below
from bench.stages import STAGES

TARGET_RATIO = 3.0
MIN_WEIGHT_MB = 10.0
STATUS = Path("/proc/self/status")
MB = 1 << 20


def _status(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", STATUS.read_text(), re.MULTILINE)
    assert match, f"no {field} in {STATUS}"
    return int(match.group(1)) * 1024


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False where the kernel refuses."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def weight_bytes(spec: Any) -> int:
    """Bytes of every distinct parameter and buffer storage of the model (shared weights once)."""
    from trtrepo.sources import is_saved_program, load_module, load_saved_program

    source = load_saved_program(spec) if is_saved_program(spec.source) else load_module(spec)
    tensors = source.state_dict if is_saved_program(spec.source) else source.state_dict(keep_vars=True)
    storages = {t.untyped_storage().data_ptr(): t.untyped_storage().nbytes() for t in tensors.values()}
    return sum(storages.values())


def measure(spec: Any, mode: str = "cold") -> dict[str, Any]:
    """Child side: baseline RSS, the build's peak RSS per stage, and the weight bytes."""
    import gc

    import torch  # noqa: F401  (the baseline includes it)

    from trtrepo.build import build_one_model
    from trtrepo.spec import load_project
    from trtrepo.trt_flavour import trt

    trt()
    if mode == "warm":
        build_one_model(load_project(EXAMPLES).select(["mlp"])[0])
    gc.collect()
    baseline = _status("VmRSS")
    resets = reset_peak()
    peaks: dict[str, int] = {}
    current = ["start"]

    def on_stage(model: str, stage: str) -> None:
        peaks[current[0]] = _status("VmHWM")
        reset_peak()
        current[0] = stage

    built = build_one_model(spec, on_stage=on_stage)
    peaks[current[0]] = _status("VmHWM")
    plan_bytes, program_bytes = len(built.plan), len(built.program)
    del built
    peaks.pop("start", None)
    return {"mode": mode, "baseline": baseline, "peak": max(peaks.values()), "stage_peaks": peaks,
            "hwm_resets": resets, "weights": weight_bytes(spec), "plan_bytes": plan_bytes,
            "program_bytes": program_bytes}


def _row(ref: ModelRef, reps: int) -> dict[str, Any]:
    row: dict[str, Any] = {"model": ref.label}
    for mode in ("cold", "warm"):
        runs = [run_child("memory", ref, mode) for _ in range(reps)]
        failed = [r["error"] for r in runs if "error" in r]
        if failed:
            row["error"] = failed[0]
            return row
        weights = runs[0]["weights"]
        row["weights_mb"] = round(weights / MB, 2)
        row[f"{mode}_baseline_mb"] = round(median(r["baseline"] for r in runs) / MB, 1)
        row[f"{mode}_peak_mb"] = round(median(r["peak"] for r in runs) / MB, 1)
        ratios = [(r["peak"] - r["baseline"]) / weights for r in runs] if weights else []
        row[f"{mode}_ratio"] = round(median(ratios), 2) if ratios else None
        stages = runs[0]["stage_peaks"]
        row[f"{mode}_stage_over_baseline_mb"] = {
            s: round(median(r["stage_peaks"][s] - r["baseline"] for r in runs) / MB, 1) for s in stages}
        row["plan_mb"] = round(runs[0]["plan_bytes"] / MB, 2)
        row["program_mb"] = round(runs[0]["program_bytes"] / MB, 2)
        row["hwm_resets"] = runs[0]["hwm_resets"]
    return row


def run(refs: list[ModelRef], reps: int) -> dict[str, Any]:
    """Parent side: ``reps`` fresh processes per model and mode; medians; the verdict."""
    rows = []
    for ref in refs:
        print(f"  memory: {ref.label}", flush=True)
        rows.append(_row(ref, reps))
    return {"reps": reps, "rows": rows, "verdict": verdict(rows, reps).to_dict()}


def verdict(rows: list[dict[str, Any]], reps: int) -> Verdict:
    """Met when every model with ≥ MIN_WEIGHT_MB of weights peaks below 3× its weights (cold)."""
    judged = [(row["cold_ratio"], row["model"]) for row in rows
              if row.get("cold_ratio") is not None and row["weights_mb"] >= MIN_WEIGHT_MB]
    if not judged:
        return verdict_below(None, TARGET_RATIO, "x", f"no model with ≥ {MIN_WEIGHT_MB:g} MB of weights")
    worst, model = max(judged)
    warm = next(row["warm_ratio"] for row in rows if row["model"] == model)
    measured = f"{worst:.2f}x ({model}; {warm:.2f}x warm); medians of {reps} processes"
    return verdict_below(worst, TARGET_RATIO, "x", measured)


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def markdown(result: dict[str, Any]) -> str:
    """The section of RESULTS.md."""
    lines = [f"MB (2^20 bytes); medians of {result['reps']} fresh processes per model and baseline. "
             "Cold baseline: after importing torch, trtrepo, TensorRT. Warm baseline: after also building "
             "examples' mlp. Ratio = (peak − baseline) / weights; judged only for ≥ "
             f"{MIN_WEIGHT_MB:g} MB of weights.", "",
             "| model | weights | baseline cold / warm | peak cold / warm | ratio cold | ratio warm | "
             "plan | saved program | peak over warm baseline by stage |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for row in result["rows"]:
        if "error" in row:
            lines.append(f"| {row['model']} | failed: {row['error']} |" + " |" * 7)
            continue
        if row["weights_mb"] >= MIN_WEIGHT_MB:
            cold, warm = f"**{_ratio(row['cold_ratio'])}**", _ratio(row["warm_ratio"])
        else:  # a ratio over a few kB of weights means nothing: show the increase itself
            cold = f"+{row['cold_peak_mb'] - row['cold_baseline_mb']:.0f} MB (not judged)"
            warm = f"+{row['warm_peak_mb'] - row['warm_baseline_mb']:.0f} MB"
        by_stage = row["warm_stage_over_baseline_mb"]
        stages = ", ".join(f"{s} {by_stage[s]:.0f}" for s in STAGES if s in by_stage)
        lines.append(f"| {row['model']} | {row['weights_mb']:.2f} | {row['cold_baseline_mb']:.0f} / "
                     f"{row['warm_baseline_mb']:.0f} | {row['cold_peak_mb']:.0f} / {row['warm_peak_mb']:.0f} | "
                     f"{cold} | {warm} | {row['plan_mb']:.2f} | {row['program_mb']:.2f} | "
                     f"{stages} |")
    return "\n".join(lines)
