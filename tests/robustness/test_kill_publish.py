"""SIGKILL a real `trtrepo build` at random moments: every model stays at a complete version.

Each round changes the weights (``args.seed``) of both models, starts `trtrepo build` as a child
process and SIGKILLs it: half the rounds at a random moment of the whole build, a quarter at a random
moment of the publish step (just after the build announces it writes the first model), a quarter
the moment the first model's new version appears (the second may be mid-publish). After every
kill each model must be at its old complete version or its new complete version: its config parses
with Triton's ModelConfig schema, its plan and program match the hashes of its build record, the
record's weights are the old or the new ones, and its folder holds exactly those files. The events
the killed build printed tell where the kill landed; at least MIN_INSIDE_PUBLISH kills must have
landed inside the publish step. A final normal build must succeed and clear the staging leftovers
of the killed ones.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import EXAMPLES, tree
from trtrepo.fsutil import STAGING_PREFIX, staging_area_path
from trtrepo.repository import CONFIG_FILE, PLAN_FILE, PROGRAM_FILE, RECORD_FILE, read_config, read_record

KILLS = 20
MIN_INSIDE_PUBLISH = 5  # kills that must land inside the publish step
SEED = 7
SPEC = """
defaults:
  instance_count: 1
models:
  - name: mlp
    source: models.mlp:build
    args: {{features: 16, hidden: 64, classes: 10, seed: {seed}}}
    max_batch_size: 8
    inputs: [{{name: features, dtype: fp32, shape: [batch, 16]}}]
    outputs: [{{name: logits}}]
  - name: tiny
    source: models.mlp:build
    args: {{features: 4, hidden: 8, classes: 2, seed: {seed}}}
    inputs: [{{name: x, dtype: fp32, shape: [2, 4]}}]
    outputs: [{{name: y}}]
"""
MODELS = ("mlp", "tiny")


class Build:
    """`trtrepo build --json` in a child process; its progress events are collected as they arrive."""

    def __init__(self, folder: Path, repo: Path, cache: Path, *options: str):
        command = [sys.executable, "-m", "trtrepo", "build", str(folder / "models.yaml"), "--repo", str(repo),
                   "--cache-dir", str(cache), "--json", *options]
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        cwd=folder, start_new_session=True)
        self.events: list[dict] = []  # every event so far, in order
        self.lines: list[str] = []
        self.ended = False  # stderr reached its end: no more events will come
        self.seen = 0  # events already looked at by wait_for
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        try:
            for line in self.process.stderr:
                with self.changed:
                    self.lines.append(line)
                    if line.startswith("{") and line.endswith("\n"):  # a killed build may leave half a line
                        now = time.monotonic()
                        self.events.append({**json.loads(line), "at": now - self.started, "clock": now})
                    self.changed.notify_all()
        finally:
            with self.changed:
                self.ended = True
                self.changed.notify_all()

    @property
    def stderr_text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, stage: str, timeout: float = 120) -> bool:
        """Block until a new event of ``stage`` arrives; False if the build ended first."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for index in range(self.seen, len(self.events)):
                    if self.events[index]["stage"] == stage:
                        self.seen = index + 1
                        return True
                self.seen = len(self.events)
                if self.ended:
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {stage!r} event within {timeout} s; events so far: {self.events}")
                self.changed.wait(left)

    def kill(self) -> bool:
        """SIGKILL the build's process group; True if it was still running."""
        running = self.process.poll() is None
        if running:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(60)
        return running

    def finish(self, timeout: float = 300) -> tuple[int, list[dict]]:
        """Wait for the build to end; its exit code and every event it printed."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the build did not end within {timeout} s; events so far: {self.events}") from None
        self.reader.join(30)
        assert not self.reader.is_alive(), "the build ended but its stderr stayed open for 30 s"
        return code, list(self.events)


def check_repository(repo: Path, allowed_seeds: dict[str, set[int]]) -> dict[str, int]:
    """Every model complete and self-consistent, at one of the allowed versions; returns their seeds."""
    assert sorted(p.name for p in repo.iterdir()) == sorted(MODELS), "only model folders: no staging, no debris"
    seeds = {}
    for name in MODELS:
        model_dir = repo / name
        config = read_config(model_dir)  # Triton's ModelConfig schema
        record = read_record(model_dir)
        files = sorted(tree(model_dir))
        expected = sorted([CONFIG_FILE, RECORD_FILE, PROGRAM_FILE, f"{record['version']}/{PLAN_FILE}"])
        assert files == expected, f"{name}: stray or missing files: {files}, expected {expected}"
        assert config.name == record["model"] == name
        plan = (model_dir / str(record["version"]) / PLAN_FILE).read_bytes()
        assert hashlib.sha256(plan).hexdigest() == record["plan_sha256"], f"{name}: plan does not match its record"
        program = (model_dir / PROGRAM_FILE).read_bytes()
        assert hashlib.sha256(program).hexdigest() == record["hashes"]["program"], f"{name}: program does not match"
        assert config.instance_group[0].count == record["spec"]["instance_count"]
        seeds[name] = record["spec"]["args"]["seed"]
        assert seeds[name] in allowed_seeds[name], f"{name}: seed {seeds[name]}, expected one of {allowed_seeds[name]}"
    return seeds


def wait_until_published(model_dir: Path, seed: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if json.loads((model_dir / "trtrepo.json").read_text())["spec"]["args"]["seed"] == seed:
                return
        except (OSError, ValueError):
            pass  # between the two renames of a publish, or read while replaced
        time.sleep(0.001)
    raise AssertionError(f"{model_dir.name} was not published within {timeout} s")


def write_spec(folder: Path, seed: int) -> None:
    (folder / "models.yaml").write_text(SPEC.format(seed=seed))


def publish_phase(events: list[dict]) -> str:
    """Where a killed build was, by what it printed: ``before``, ``inside`` or ``after`` its publish step.

    The publish step runs from the first model's ``write`` to the last model's ``done``. Every event
    is flushed as it happens, and the pipe keeps what the build wrote before it died, so the events
    read to the end are exactly those emitted before the kill.
    """
    stages = [(e["model"], e["stage"]) for e in events]
    if not any(stage == "write" for _, stage in stages):
        return "before"
    return "after" if (MODELS[-1], "done") in stages else "inside"


def test_builds_killed_at_random_moments_leave_complete_models(tmp_path):
    folder = tmp_path / "project"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    repo, cache = tmp_path / "repo", tmp_path / "cache"
    rng = random.Random(SEED)

    write_spec(folder, 0)
    code, events = Build(folder, repo, cache).finish()
    assert code == 0, events
    whole_build = max(e["at"] for e in events)  # as this process saw it, interpreter start included
    # By the build's own clock ("t"): lines reach us in bursts, so our receipt times would say ~0.
    first_write = min(e["t"] for e in events if e["stage"] == "write")
    publish_window = max(3 * (max(e["t"] for e in events if e["stage"] == "done") - first_write), 0.01)
    current = check_repository(repo, {name: {0} for name in MODELS})

    kills, outcomes = 0, []
    for round_ in range(1, 3 * KILLS):
        if kills >= KILLS and sum(o[2] == "inside" for o in outcomes) >= MIN_INSIDE_PUBLISH:
            break
        write_spec(folder, round_)
        build = Build(folder, repo, cache)
        if round_ % 2:  # anywhere in the build, from interpreter start to the last rename
            time.sleep(rng.uniform(0, whole_build * 1.1))
            aim = "anywhere"
        elif round_ % 4:  # inside the publish step
            build.wait_for("write")
            time.sleep(rng.uniform(0, publish_window))
            aim = "publishing"
        else:  # the moment the first model is published, while the second one may still be going
            wait_until_published(repo / MODELS[0], round_)
            aim = "publishing"
        killed = build.kill()
        kills += killed
        _, printed = build.finish()  # the build is dead: every event it printed before the kill
        allowed = {name: {current[name], round_} for name in MODELS}
        current = check_repository(repo, allowed)
        new = tuple(current[name] == round_ for name in MODELS)
        outcomes.append((aim, killed, publish_phase(printed) if killed else "finished", new))
    assert kills >= KILLS, outcomes
    # Some kills landed inside the publish step, or after it: a model was left at its new version.
    assert any(aim == "publishing" and any(new) for aim, _, _, new in outcomes), outcomes
    # Kills proven to have landed inside the publish step: the build had announced a model's write
    # and had not yet announced the last model done. Half the rounds aim there; the rounds go on
    # (up to 3 * KILLS) until at least MIN_INSIDE_PUBLISH of them did.
    inside = [o for o in outcomes if o[2] == "inside"]
    mixed = [o for o in inside if len(set(o[3])) == 2]  # one model new, the other still old
    print(f"{len(inside)} of {kills} kills landed inside publish ({len(mixed)} between the two models' publishes); "
          f"outcomes (aim, killed, phase, models new): {outcomes}")
    assert len(inside) >= MIN_INSIDE_PUBLISH, \
        f"only {len(inside)} of {kills} kills landed inside publish, fewer than {MIN_INSIDE_PUBLISH}: {outcomes}"

    area = staging_area_path(repo, cache)
    stale = area / f"{STAGING_PREFIX}mlp-deadbeef"
    (stale / "1").mkdir(parents=True, exist_ok=True)
    (stale / "1" / PLAN_FILE).write_bytes(b"half-written")
    write_spec(folder, 1000)
    code, events = Build(folder, repo, cache).finish()
    assert code == 0, events
    check_repository(repo, {name: {1000} for name in MODELS})
    assert not stale.exists()
    assert not (cache / "staging").exists(), f"staging left: {list((cache / 'staging').rglob('*'))}"
