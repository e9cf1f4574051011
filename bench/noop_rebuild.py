"""(c) A no-op rebuild: ``trtrepo build examples/models.yaml`` when nothing changed, as a whole process.

What is measured: wall clock of the complete CLI process (interpreter start, imports, spec
validation, fingerprinting, the repository lock), exactly as a user or a Makefile runs it, for the
second and later invocations on a repository the first invocation filled. Every timed run must
report every model ``unchanged``, or the result is an error rather than a fast number.

Why it is fair: the first build is untimed and into a fresh temporary repository and cache folder;
then ``reps`` runs are timed one after another and the median is taken (the machine is shared:
single runs are noisy). For scale, the same is measured for ``python -c pass`` and
``trtrepo --help``, the floor any CLI invocation pays. Target: < 1 s.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import EXAMPLES, PYTHON, ROOT, Verdict, median, verdict_below

TARGET_SECONDS = 1.0
TRTREPO = str(Path(PYTHON).parent / "trtrepo")


def _timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    return time.perf_counter() - started, done


def _median_of(command: list[str], reps: int) -> float:
    return median(_timed(command)[0] for _ in range(reps))


def run(reps: int, spec_file: Path = EXAMPLES) -> dict[str, Any]:
    """Fill a temporary repository, then time ``reps`` no-op invocations; the verdict against < 1 s."""
    from trtrepo.spec import load_project

    names = [m.name for m in load_project(spec_file).models]
    print(f"  no-op rebuild: {spec_file.relative_to(ROOT)} ({', '.join(names)})", flush=True)
    with tempfile.TemporaryDirectory(prefix="trtrepo-bench-") as tmp:
        command = [TRTREPO, "build", str(spec_file), "--repo", f"{tmp}/repo", "--cache-dir", f"{tmp}/cache"]
        first_seconds, first = _timed(command)
        if first.returncode != 0:
            return {"error": f"first build failed ({first.returncode}): {first.stderr.strip()[-500:]}"}
        seconds = []
        for _ in range(reps):
            elapsed, done = _timed(command)
            skipped = [line.split(":", 1)[1].strip() for line in done.stdout.splitlines() if "unchanged:" in line]
            if done.returncode != 0 or sorted(skipped) != sorted(names):
                return {"error": f"second build was not a no-op (exit {done.returncode}): {done.stdout.strip()}"}
            seconds.append(elapsed)
    result = {"spec_file": str(spec_file.relative_to(ROOT)), "reps": reps, "command": " ".join(command),
              "first_build": round(first_seconds, 3), "runs": [round(s, 4) for s in seconds],
              "median": median(seconds), "min": round(min(seconds), 4), "max": round(max(seconds), 4),
              "python_pass": _median_of([PYTHON, "-c", "pass"], reps),
              "help": _median_of([TRTREPO, "--help"], reps)}
    result["verdict"] = verdict(result).to_dict()
    return result


def verdict(result: dict[str, Any]) -> Verdict:
    """Met when the median no-op invocation takes under a second."""
    measured = (f"{result['median']:.3f} s (median of {result['reps']}; "
                f"min {result['min']:.3f}, max {result['max']:.3f})")
    return verdict_below(result["median"], TARGET_SECONDS, " s", measured)


def markdown(result: dict[str, Any]) -> str:
    """The section of RESULTS.md."""
    if "error" in result:
        return f"Failed: {result['error']}"
    return "\n".join([
        f"`trtrepo build {result['spec_file']} --repo <tmp> --cache-dir <tmp>` after a first build "
        f"({result['first_build']:.1f} s), whole process, {result['reps']} runs. Seconds.", "",
        "| invocation | median | min | max |", "| --- | ---: | ---: | ---: |",
        f"| no-op `trtrepo build` | **{result['median']:.3f}** | {result['min']:.3f} | {result['max']:.3f} |",
        f"| `trtrepo --help` (CLI floor) | {result['help']:.3f} | | |",
        f"| `python -c pass` (interpreter floor) | {result['python_pass']:.3f} | | |",
    ])
