"""Run the benchmarks and write bench/RESULTS.md and bench/out/*.json: ``python -m bench.run``.

    python -m bench.run                      # everything (what `make bench` runs)
    python -m bench.run --only onnx,noop     # some benchmarks
    python -m bench.run --model wide_mlp     # some models (name or file:name); repeatable
    python -m bench.run --reps 3             # fewer repetitions (quicker, noisier)
    python -m bench.run --render bench/out/latest.json   # rewrite RESULTS.md from saved numbers
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench import layers, machine, memory, noop_rebuild, onnx_route, report, stages
from bench.common import ROOT, model_refs, spec_files

BENCHMARKS = ("stages", "onnx", "noop", "memory", "layers")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated benchmarks to run (default: all of {', '.join(BENCHMARKS)})")
    parser.add_argument("--model", action="append", default=[], help="only this model (repeatable)")
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions for (a) and (b) (default 5)")
    parser.add_argument("--noop-reps", type=int, default=9, help="timed no-op rebuilds for (c) (default 9)")
    parser.add_argument("--memory-reps", type=int, default=3, help="processes per model for (d) (default 3)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "RESULTS.md", help="markdown to write")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="folder for the raw JSON")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="measure nothing: rewrite the markdown from a saved results JSON")
    options = parser.parse_args(argv)
    unknown = set(options.only.split(",")) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}")
    return options


def main(argv: list[str]) -> int:
    """Run the selected benchmarks in order; write the results even when a target is missed."""
    options = parse_args(argv)
    if options.render:
        return render(options.render, options.results)
    selected = options.only.split(",")
    started = time.perf_counter()
    results = {"machine": machine.describe()}
    refs = model_refs(options.model)
    print(f"benchmarking {len(refs)} model(s) from {', '.join(str(p.relative_to(ROOT)) for p in spec_files())}")
    if "stages" in selected:
        results["stages"] = stages.run(refs, options.reps)
    if "onnx" in selected:
        results["onnx"] = onnx_route.run(refs, options.reps)
    if "noop" in selected:
        results["noop"] = noop_rebuild.run(options.noop_reps)
    if "memory" in selected:
        results["memory"] = memory.run(refs, options.memory_reps)
    if "layers" in selected:
        results["layers"] = layers.run(refs)
    results["machine"]["load_average_at_end"] = machine.load_average()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["command"] = "python -m bench.run" + (" " + " ".join(argv) if argv else "")
    dated = report.write_json(results, options.out)
    options.results.write_text(report.markdown(results, results["command"]), encoding="utf-8")
    if "layers" in results:  # its own section, written by bench.layers
        layers.write_section(options.results, results["layers"])
    print(f"wrote {options.results} and {dated} in {results['seconds']} s")
    print(report.targets_table(results))
    return 0


def render(saved: Path, target: Path) -> int:
    """Rewrite the markdown from saved results, verdicts recomputed from the stored rows."""
    results = json.loads(saved.read_text(encoding="utf-8"))
    report.refresh_verdicts(results)
    target.write_text(report.markdown(results, results.get("command", "python -m bench.run")), encoding="utf-8")
    if "layers" in results:
        layers.write_section(target, results["layers"])
    print(f"wrote {target} from {saved}")
    print(report.targets_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
