"""(a) Seconds per pipeline stage — capture, lower, convert, build, config — for every model.

What is measured: trtrepo's own per-stage timings, ``build_one_model(spec).record["stage_seconds"]``,
the same numbers every build record stores (``perf_counter`` around each stage; capture includes
importing and instantiating the model). Publishing files is not included.

Why it is fair: each model runs in a fresh process. Its first build is reported apart as *cold*
(what one ``trtrepo build`` of that model pays, one-time imports and first-call set-up included);
then ``reps`` further builds in the same process give the *warm* per-stage medians. No target:
this table shows where the time goes.
"""

from __future__ import annotations

from typing import Any

from bench.common import ModelRef, median, run_child

STAGES = ("capture", "lower", "convert", "build", "config")


def measure(spec: Any, reps: str = "5") -> dict[str, Any]:
    """Child side: one cold build, then ``reps`` warm builds of ``spec``; every run's stage seconds."""
    from trtrepo.build import build_one_model

    runs = [build_one_model(spec).record["stage_seconds"] for _ in range(1 + int(reps))]
    return {"cold": runs[0], "warm": runs[1:]}


def run(refs: list[ModelRef], reps: int) -> dict[str, Any]:
    """Parent side: one child per model; a row of warm medians and the cold total per model."""
    rows = []
    for ref in refs:
        print(f"  stages: {ref.label}", flush=True)
        result = run_child("stages", ref, str(reps))
        row: dict[str, Any] = {"model": ref.label}
        if "error" in result:
            row["error"] = result["error"]
        else:
            warm = result["warm"]
            row.update({stage: median(run[stage] for run in warm) for stage in STAGES})
            row["total"] = median(sum(run[s] for s in STAGES) for run in warm)
            row["cold_total"] = round(sum(result["cold"][s] for s in STAGES), 4)
            row["cold"] = result["cold"]
        rows.append(row)
    return {"reps": reps, "rows": rows}


def markdown(result: dict[str, Any]) -> str:
    """The section of RESULTS.md."""
    lines = [f"Warm: median of {result['reps']} builds in one process after a first (cold) build. "
             "Cold: that first build, in a fresh process. Seconds.", "",
             "| model | " + " | ".join(STAGES) + " | warm total | cold total |",
             "| --- |" + " ---: |" * (len(STAGES) + 2)]
    for row in result["rows"]:
        if "error" in row:
            lines.append(f"| {row['model']} | failed: {row['error']} |" + " |" * (len(STAGES) + 1))
            continue
        cells = [f"{row[s]:.3f}" for s in (*STAGES, "total", "cold_total")]
        lines.append(f"| {row['model']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
